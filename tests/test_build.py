"""The build driver and the invoke tasks, run as an author would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, article, run_sitebuild, write_files

from nextsale import build as sitebuild
from nextsale import placing

GOOD = {
    "articles/keep.md": article(
        "Keep the receipt", "A good paragraph about the second sale.", slug="keep"
    ),
}


def test_strict_build_fails_on_warning_without_traceback(tmp_path):
    content = tmp_path / "content"
    write_files(
        content,
        {
            "articles/broken.md": article(
                "Broken link", "See [the guide]({filename}/articles/nowhere.md)."
            )
        },
    )
    done = run_sitebuild(content, tmp_path / "out", publish=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "nowhere.md" in done.stderr
    assert not (tmp_path / "out").exists()


def test_failed_build_keeps_previous_output(tmp_path):
    content, output = tmp_path / "content", tmp_path / "out"
    write_files(content, GOOD)
    first = run_sitebuild(content, output, publish=True)
    assert first.returncode == 0, first.stderr
    page = output / "2024" / "keep" / "index.html"
    before = page.read_text(encoding="utf-8")

    # Break the site: a second article that needs a missing file.
    write_files(
        content,
        {
            "articles/oops.md": article(
                "Oops", "Broken: [x]({filename}/articles/missing.md).", slug="oops"
            )
        },
    )
    second = run_sitebuild(content, output, publish=True)
    assert second.returncode == 1
    assert "left untouched" in second.stderr
    assert page.read_text(encoding="utf-8") == before
    assert not (output / "2024" / "oops").exists()
    assert not list(tmp_path.glob(".out.*")), "staging folders must be cleaned up"


def test_development_build_warns_but_succeeds(tmp_path):
    content, output = tmp_path / "content", tmp_path / "out"
    write_files(
        content,
        GOOD
        | {"articles/oops.md": article("Oops", "Broken: [x]({filename}/articles/missing.md).")},
    )
    done = run_sitebuild(content, output)
    assert done.returncode == 0, done.stderr
    assert "missing.md" in done.stderr
    assert (output / "2024" / "keep" / "index.html").exists()


def test_invoke_lists_every_task_with_a_docstring():
    listed = subprocess.run(
        [sys.executable, "-m", "invoke", "-l"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    for name in (
        "clean",
        "build",
        "rebuild",
        "serve",
        "livereload",
        "preview",
        "publish",
        "test",
        "lint",
    ):
        line = next((ln for ln in listed.splitlines() if ln.strip().startswith(name + " ")), "")
        assert line.split(maxsplit=1)[1:], f"task {name} has no one-line description"


def test_publish_rsyncs_to_a_local_folder(project_copy, tmp_path):
    dest = tmp_path / "server"
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "publish", "--dest", str(dest)],
        cwd=project_copy,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    index = (dest / "index.html").read_text(encoding="utf-8")
    assert "https://" in index  # publish settings: absolute URLs
    assert not (dest / "drafts").exists()


def test_publish_to_github_pages_branch(project_copy, tmp_path):
    repo = tmp_path / "pages-repo"
    git = ["git", "-c", "user.name=Site", "-c", "user.email=site@example.invalid"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        [*git, "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "init"],
        check=True,
    )
    # --github publishes committed sources only.
    subprocess.run(["git", "init", "-q", str(project_copy)], check=True)
    subprocess.run([*git, "-C", str(project_copy), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(project_copy), "commit", "-q", "-m", "sources"], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "publish", "--github", "--repo", str(repo)],
        cwd=project_copy,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "GIT_AUTHOR_NAME": "Site",
            "GIT_AUTHOR_EMAIL": "site@example.invalid",
            "GIT_COMMITTER_NAME": "Site",
            "GIT_COMMITTER_EMAIL": "site@example.invalid",
            "PATH": __import__("os").environ["PATH"],
            "HOME": str(tmp_path),
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    files = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "gh-pages"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "index.html" in files and ".nojekyll" in files


def test_invoke_check_summarises_the_validators(project_copy):
    def check():
        return subprocess.run(
            [sys.executable, "-m", "invoke", "check"],
            cwd=project_copy,
            capture_output=True,
            text=True,
            timeout=900,
        )

    done = check()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "6 of 6 checks passed." in done.stdout
    assert "ok   redirects" in done.stdout

    article_file = project_copy / "content" / "articles" / "follow-up-calendar.md"
    article_file.write_text(
        article_file.read_text(encoding="utf-8").replace("Category:", "Catgory:"), "utf-8"
    )
    done = check()
    assert done.returncode == 1
    assert "FAIL publish build (strict)" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def _site(folder, text):
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(text, encoding="utf-8")
    return folder


def _dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_swap_killed_after_its_first_step_leaves_a_site(tmp_path, monkeypatch, exchange):
    output = _site(tmp_path / "out", "old")
    staging = _site(tmp_path / f".out.staging-{os.getpid()}-abc", "new")
    if not exchange:
        monkeypatch.setattr(placing, "_exchange", lambda first, second: False)

    def killed(folder):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(placing, "_remove_in_background", killed)
    with pytest.raises(KeyboardInterrupt):
        placing._swap_into_place(staging, output)
    assert (output / "index.html").read_text(encoding="utf-8") == "new"
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert [(p / "index.html").read_text(encoding="utf-8") for p in leftovers] == ["old"]

    monkeypatch.setattr(placing, "_alive", lambda pid: False)  # the build has died
    assert placing.clean_leftovers(output) == leftovers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_exchange_swaps_two_folders_in_one_step(tmp_path):
    first, second = _site(tmp_path / "a", "a"), _site(tmp_path / "b", "b")
    if not placing._exchange(first, second):
        pytest.skip("this file system cannot exchange two folders")
    assert (first / "index.html").read_text(encoding="utf-8") == "b"
    assert (second / "index.html").read_text(encoding="utf-8") == "a"


def test_killed_between_two_renames_the_next_build_restores_the_site(tmp_path, monkeypatch):
    output = _site(tmp_path / "out", "old")
    staging = _site(tmp_path / f".out.staging-{os.getpid()}-abc", "new")
    monkeypatch.setattr(placing, "_exchange", lambda first, second: False)
    real_rename = Path.rename

    def rename(self, target):
        if self == staging:
            raise KeyboardInterrupt("killed between the two renames")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        placing._swap_into_place(staging, output)
    monkeypatch.setattr(Path, "rename", real_rename)
    monkeypatch.setattr(placing, "_alive", lambda pid: False)
    placing.clean_leftovers(output)
    assert (output / "index.html").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_build_cleans_folders_of_dead_builds_and_spares_running_ones(tmp_path):
    content, output = tmp_path / "content", tmp_path / "out"
    write_files(content, GOOD)
    dead, running = _dead_pid(), os.getppid()
    _site(tmp_path / f".out.staging-{dead}-x1", "half-built")
    _site(tmp_path / f".out.retired-{dead}-x2", "old")
    _site(tmp_path / f".out.staging-{running}-x3", "being built")
    _site(tmp_path / f".out.replaced-{dead}-x4", "old pages")
    _site(tmp_path / ".out.notes", "not ours")
    done = run_sitebuild(content, output, publish=True)
    assert done.returncode == 0, done.stderr
    names = {p.name for p in tmp_path.iterdir()}
    assert f".out.staging-{dead}-x1" not in names and f".out.retired-{dead}-x2" not in names
    assert f".out.replaced-{dead}-x4" not in names
    assert {f".out.staging-{running}-x3", ".out.notes"} <= names


def test_a_failed_build_after_a_kill_still_leaves_the_last_good_site(tmp_path):
    content, output = tmp_path / "content", tmp_path / "out"
    write_files(content, {"articles/oops.md": article("Oops", "[x]({filename}/nowhere.md)")})
    _site(tmp_path / f".out.retired-{_dead_pid()}-x1", "last good")
    _site(tmp_path / f".out.replaced-{_dead_pid()}-x2", "an old page, never a site")
    done = run_sitebuild(content, output, publish=True)
    assert done.returncode == 1
    assert "restored the last good site" in done.stderr
    assert (output / "index.html").read_text(encoding="utf-8") == "last good"


@pytest.mark.parametrize("kind", ["staging", "retired", "replaced"])
def test_git_ignores_staging_folders(kind):
    done = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "-q", f".output.{kind}-123-abcd/"],
        capture_output=True,
    )
    assert done.returncode == 0


def _partial_staging(tmp_path, pages: dict[str, str]):
    staging = tmp_path / ".out.staging-1-kept"
    for name, text in pages.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_text(text, encoding="utf-8")
    marker = json.dumps({"written": list(pages)})
    (staging / placing.PARTIAL_NAME).write_text(marker, encoding="utf-8")
    return staging


@pytest.mark.parametrize("how", ["hard-links", "no-hard-links", "a-few-files"])
def test_a_partial_move_frees_the_old_versions_after_the_move(tmp_path, monkeypatch, how):
    """A build that rendered only what changed moves each page over its old version;
    the old versions of a move of many files are held by a second name in a sibling
    folder and removed in the background (freeing a file is the slow part of
    replacing it on some disks; starting the removal costs more than a few files'
    worth). A reader who opened an old page before the move still reads it whole."""
    links = how == "hard-links"
    if how != "a-few-files":
        monkeypatch.setattr(placing._OldVersions, "FROM", 3)  # (this move's three files)
    output = _site(tmp_path / "out", "old index")
    (output / "2024" / "post").mkdir(parents=True)
    (output / "2024" / "post" / "index.html").write_text("old post", encoding="utf-8")
    reader = (output / "index.html").open(encoding="utf-8")
    if how == "no-hard-links":

        def no_links(*_):
            raise PermissionError("no hard links on this file system")

        monkeypatch.setattr(os, "link", no_links)
    removed = []
    monkeypatch.setattr(placing, "_remove_in_background", removed.append)
    staging = _partial_staging(
        tmp_path,
        {"index.html": "new index", "2024/post/index.html": "new post", "new/index.html": "new"},
    )
    placing._move_into_place(staging, output)
    assert reader.read() == "old index"
    reader.close()
    pages = {p.relative_to(output).as_posix(): p.read_text("utf-8") for p in output.rglob("*.html")}
    assert pages == {
        "index.html": "new index",
        "2024/post/index.html": "new post",
        "new/index.html": "new",
    }
    held = sorted(tmp_path.glob(".out.replaced-*"))
    if how == "a-few-files":
        assert removed == held == []
        return
    assert removed == held and len(held) == 1  # (made for the first old version)
    old = sorted(p.read_text("utf-8") for p in held[0].iterdir())
    assert old == (["old index", "old post"] if links else [])


def test_invoke_clean_removes_folders_of_dead_builds(project_copy):
    leftover = _site(project_copy / f".output.staging-{_dead_pid()}-x1", "half-built")
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "clean"], cwd=project_copy, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not leftover.exists()
    assert not (project_copy / "output").exists()


def test_a_build_runs_with_the_cycle_collector_set_aside_and_puts_it_back(tmp_path):
    import gc

    from pelican import signals

    seen = []

    def during(_):
        seen.append((gc.get_threshold(), gc.get_freeze_count()))

    before = gc.get_threshold()
    signals.all_generators_finalized.connect(during)
    try:
        write_files(tmp_path / "content", GOOD)
        result = sitebuild.build(
            ROOT / "pelicanconf.py",
            tmp_path / "output",
            content=tmp_path / "content",
            overrides={"CACHE_PATH": str(tmp_path / "cache")},
        )
    finally:
        signals.all_generators_finalized.disconnect(during)
    assert result.ok, result.failed
    thresholds, frozen = seen[0]
    assert thresholds == sitebuild.BUILD_COLLECTOR_THRESHOLDS and frozen > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_live_session_keeps_the_collector_aside_until_it_tidies_and_closes(tmp_path):
    import gc
    import weakref

    from nextsale.live import LiveSite

    before = gc.get_threshold()
    site = LiveSite(ROOT / "pelicanconf.py", tmp_path / "output")
    try:
        # Between builds too: a full collection waits for tidy(), after the reload.
        assert gc.get_threshold() == sitebuild.BUILD_COLLECTOR_THRESHOLDS

        class Node:
            pass

        node = Node()
        node.itself = node  # a cycle: only the collector frees it
        alive = weakref.ref(node)
        del node
        assert alive() is not None
        site.tidy()
        assert alive() is None
    finally:
        site.close()
    assert gc.get_threshold() == before


def test_a_live_rebuild_sets_aside_what_it_reads_until_it_ends(tmp_path):
    """What a live rebuild has read lives until the build ends: it is kept out of the
    collector's way meanwhile (frozen objects are in none of its generations), and
    given back once the build is over."""
    import gc

    from pelican import signals

    from nextsale.live import LiveSite

    set_aside = []

    def finalized(generator):
        looked_at = {id(thing) for thing in gc.get_objects()}
        set_aside.append(not any(id(post) in looked_at for post in generator.articles))

    signals.article_generator_finalized.connect(finalized)
    write_files(tmp_path / "content", GOOD)
    site = LiveSite(ROOT / "pelicanconf.py", tmp_path / "output", content=tmp_path / "content")
    try:
        for _ in range(2):
            assert site.rebuild().ok
            assert gc.get_freeze_count() == 0
            site.tidy()
        plain = sitebuild.build(
            ROOT / "pelicanconf.py",
            tmp_path / "plain",
            content=tmp_path / "content",
            overrides={"CACHE_PATH": str(tmp_path / "cache")},
        )
        assert plain.ok and gc.get_freeze_count() == 0
    finally:
        site.close()
        signals.article_generator_finalized.disconnect(finalized)
    assert set_aside == [True, True, False]  # two live rebuilds, then a build of its own


def test_a_sessions_compiled_templates_last_until_their_source_changes():
    """Every build makes new Jinja environments: each gets the very code the last
    one compiled, and an edited template is compiled afresh."""
    from jinja2 import DictLoader, Environment

    from nextsale.live import CompiledTemplates

    cache = CompiledTemplates()

    def render(source: str, name: str) -> str:
        env = Environment(loader=DictLoader({"page.html": source}), bytecode_cache=cache)
        return env.get_template("page.html").render(name=name)

    assert render("Hello {{ name }}", "Ana") == "Hello Ana"
    [(_, first)] = cache.compiled.values()
    assert render("Hello {{ name }}", "Ben") == "Hello Ben"
    assert next(iter(cache.compiled.values()))[1] is first  # not compiled again
    assert render("Goodbye {{ name }}", "Cy") == "Goodbye Cy"  # edited: compiled afresh
    assert len(cache.compiled) == 1 and next(iter(cache.compiled.values()))[1] is not first


def test_a_live_sessions_memory_stays_out_of_the_content_cache_file(edited_project):
    """Tags carry the settings, which hold the session's memory and compiled
    templates: the cache file saved when the session ends must not hold them."""
    import gzip
    import pickle

    from nextsale.live import LiveSite

    tmp_path, settings, content, _, overrides = edited_project
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok
    note = content / "articles" / "note-002.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert live.rebuild().ok
    assert live.memory  # the session did keep things
    live.close()
    saved = (Path(overrides["CACHE_PATH"]) / "ArticlesGenerator-Readers").read_bytes()
    entries = pickle.loads(gzip.decompress(saved) if saved[:2] == b"\x1f\x8b" else saved)
    tags = [tag for _, (_, metadata) in entries.values() for tag in metadata.get("tags", ())]
    assert tags
    for tag in tags:
        assert tag.settings["ENGINE_MEMORY"] == {}
        cache = tag.settings["JINJA_ENVIRONMENT"]["bytecode_cache"]
        assert cache.compiled == {}
