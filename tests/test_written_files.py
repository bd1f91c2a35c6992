"""The files a build wrote, found by listing again only the folders that changed
(plugins/engine/staging.py): a live session's staging folder keeps the folders
of every earlier build, most of them empty, and only those whose time changed
are listed again."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.engine import staging

FOLDERS = ["", "a", "a/b", "a/b/c", "d", "d/e", "f"]
NAMES = ["index.html", "feed.xml", "x.txt"]

operations = st.lists(
    st.tuples(
        st.sampled_from(["file", "remove", "folder", "prune", "tick"]),
        st.sampled_from(FOLDERS),
        st.sampled_from(NAMES),
    ),
    min_size=1,
    max_size=6,
)


def walked(top: Path) -> set[str]:
    """What a plain walk finds: what the look must find."""
    found = set()
    for folder, _, files in os.walk(top):
        where = os.path.relpath(folder, top)
        found.update(name if where == "." else f"{where}/{name}" for name in files)
    return found


def apply(top: Path, kind: str, where: str, name: str) -> None:
    folder = top / where
    if kind == "tick":  # time passes: the folders changed so far are older than the next look
        time.sleep(0.012)
    elif kind == "folder":
        (folder / name.replace(".", "-")).mkdir(parents=True, exist_ok=True)
    elif kind == "file":
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / name).is_dir():
            (folder / name).write_text(where, encoding="utf-8")
    elif kind == "remove":
        if (folder / name).is_file():
            (folder / name).unlink()
    elif kind == "prune" and where and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(operations, min_size=2, max_size=5))
def test_a_look_finds_what_a_walk_finds_after_any_changes(tmp_path_factory, batches):
    top = tmp_path_factory.mktemp("staging")
    memory: dict = {}
    for batch in batches:
        for operation in batch:
            apply(top, *operation)
        assert staging.files_under(str(top), memory) == walked(top)
        assert staging.MARKER not in walked(top)


def test_unchanged_folders_are_not_listed_again(tmp_path, monkeypatch):
    for where in FOLDERS:
        (tmp_path / where).mkdir(parents=True, exist_ok=True)
    (tmp_path / "a/b/c/index.html").write_text("kept", encoding="utf-8")
    listed: list[str] = []
    own = staging._listed

    def noted(path, modified):
        listed.append(os.path.relpath(path, tmp_path))
        return own(path, modified)

    monkeypatch.setattr(staging, "_listed", noted)
    memory: dict = {}
    staging.files_under(str(tmp_path), memory)
    assert len(listed) == len(FOLDERS)
    time.sleep(0.05)  # (a file system's clock may be coarse)
    staging.files_under(str(tmp_path), memory)
    listed.clear()
    (tmp_path / "d/e/feed.xml").write_text("new", encoding="utf-8")
    found = staging.files_under(str(tmp_path), memory)
    assert found == {"a/b/c/index.html", "d/e/feed.xml"}
    assert sorted(listed) == [".", "d/e"]  # (the top folder: the look's own marker)


def test_a_folder_changed_in_the_looks_own_tick_is_listed_again(tmp_path, monkeypatch):
    """A coarse clock (two seconds on FAT): a file made in the very tick of a look
    leaves its folder's time as the look saw it. Such a folder is listed again."""
    tick = 1_700_000_000 * 10**9
    (tmp_path / "a").mkdir()
    os.utime(tmp_path / "a", ns=(tick, tick))
    clock = iter([tick, tick + 2 * 10**9])
    monkeypatch.setattr(staging, "_file_system_now", lambda top: next(clock))
    memory: dict = {}
    assert staging.files_under(str(tmp_path), memory) == set()
    (tmp_path / "a" / "index.html").write_text("made in the same tick", encoding="utf-8")
    os.utime(tmp_path / "a", ns=(tick, tick))  # (what that clock leaves it)
    assert staging.files_under(str(tmp_path), memory) == {"a/index.html"}


def test_a_folder_whose_time_was_set_back_is_listed_again(tmp_path):
    """A folder's time set by hand (tar, rsync and cp -p restore old times) still
    differs from the one the last look saw: the folder is listed again."""
    (tmp_path / "a").mkdir()
    old = 1_600_000_000 * 10**9
    os.utime(tmp_path / "a", ns=(old, old))
    memory: dict = {}
    assert staging.files_under(str(tmp_path), memory) == set()
    (tmp_path / "a" / "index.html").write_text("restored", encoding="utf-8")
    os.utime(tmp_path / "a", ns=(old - 10**9, old - 10**9))
    assert staging.files_under(str(tmp_path), memory) == {"a/index.html"}
