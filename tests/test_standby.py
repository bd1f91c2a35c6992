"""A live session's standby process (nextsale.live.Standby): forked once a rebuild is
shown, it builds the next rebuild alongside the main process and renders a share of
its pages. The edit sequences (test_edit_sequences.py) show the output stays that of
a clean build with it; these show when it takes part, and when it must not."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from conftest import tree_differences
from edited_site import clean_build
from pelican import signals

from nextsale import live as live_module
from nextsale.live import WANTS_STANDBY, LiveSite, _mostly_used_writable


def _session(project) -> tuple[LiveSite, Path, Path, dict, Path]:
    tmp_path, settings, content, _, overrides = project
    overrides = {**overrides, "PARALLEL_WRITE_MIN_ARTICLES": 2}
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok
    return live, settings, content, overrides, tmp_path


def _retitle(content: Path, title: str) -> None:
    note = content / "articles" / "note-004.md"
    text = note.read_text("utf-8")
    note.write_text(re.sub(r"^Title: .*$", f"Title: {title}", text, flags=re.M), "utf-8")


def _alive_or_unreaped(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_a_standby_that_built_another_site_leaves_the_pages_to_the_main_process(
    edited_project, caplog, monkeypatch
):
    """As when a file is saved again between the two processes' reads: the standby
    finds it did not build what the main process built, and renders nothing."""
    live, settings, content, overrides, tmp_path = _session(edited_project)
    main = os.getpid()
    engine_sharing = sys.modules["engine.sharing"]  # the engine as Pelican loaded it
    digest = engine_sharing.inputs_digest

    def another_site_in_the_standby(writer, settling):
        found = digest(writer, settling)
        return found if os.getpid() == main else bytes(reversed(found)) + b"!"

    monkeypatch.setattr(engine_sharing, "inputs_digest", another_site_in_the_standby)
    live.tidy()  # the standby is forked now, with the stand-in
    standby = live.standby
    assert standby is not None
    _retitle(content, "Retitled once")
    caplog.set_level("DEBUG")
    caplog.clear()
    assert live.rebuild().ok
    assert "pages shared with the session's standby process" in caplog.text
    assert "the standby process built another site; this one rendered every page" in caplog.text
    clean = clean_build(settings, content, overrides, tmp_path / "clean")
    assert tree_differences(live.output.resolve(), clean) == []
    live.tidy()
    assert not _alive_or_unreaped(standby.pid)
    monkeypatch.setattr(engine_sharing, "inputs_digest", digest)
    live.standby.release(used=False)  # (forked with the stand-in)
    live.standby = None


def test_a_standby_not_needed_is_stopped_and_reaped(edited_project, caplog):
    """A body edit renders one page on one process: the standby gets nothing to do,
    is stopped, and leaves no zombie; the next rebuild has a new one."""
    live, settings, content, overrides, tmp_path = _session(edited_project)
    live.tidy()
    standby = live.standby
    assert standby is not None
    note = next(  # (its listings show its summary, not its text)
        note
        for note in sorted((content / "articles").glob("note-*.md"))
        if "Summary:" in note.read_text("utf-8") and "Status: draft" not in note.read_text("utf-8")
    )
    note.write_text(note.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    caplog.set_level("DEBUG")
    caplog.clear()
    assert live.rebuild().ok
    assert "rendering on one process: only changed pages are rendered" in caplog.text
    assert "shared with the session's standby" not in caplog.text
    live.tidy()
    assert not _alive_or_unreaped(standby.pid)
    assert live.standby is not None and live.standby.pid != standby.pid
    _retitle(content, "Retitled after a body edit")
    caplog.clear()
    assert live.rebuild().ok
    assert "pages shared with the session's standby process" in caplog.text
    clean = clean_build(settings, content, overrides, tmp_path / "clean")
    assert tree_differences(live.output.resolve(), clean) == []
    live.close()


def test_a_late_standby_is_not_waited_for(edited_project, caplog, monkeypatch):
    """A save soon after the last one can find the standby still making its memory its
    own: the main process renders every page itself, and does not wait for it."""
    live, settings, content, overrides, tmp_path = _session(edited_project)
    main = os.getpid()
    own_memory = live_module.own_memory

    def slow_in_the_standby():
        own_memory()
        if os.getpid() != main:
            time.sleep(LATE)

    monkeypatch.setattr(live_module, "own_memory", slow_in_the_standby)
    live.tidy()
    standby = live.standby
    _retitle(content, "Retitled in a hurry")
    caplog.set_level("DEBUG")
    caplog.clear()
    started = time.perf_counter()
    assert live.rebuild().ok
    assert time.perf_counter() - started < LATE
    assert "the standby process came too late; this one rendered every page" in caplog.text
    clean = clean_build(settings, content, overrides, tmp_path / "clean")
    assert tree_differences(live.output.resolve(), clean) == []
    monkeypatch.setattr(live_module, "own_memory", own_memory)
    live.tidy()
    assert not _alive_or_unreaped(standby.pid)  # (stopped, not left to finish)
    live.close()


# How long the standby of test_a_late_standby_is_not_waited_for takes to be ready.
LATE = 8


def _another_project_s_receiver(sender, **kwargs) -> None:
    """Stands for another project's plugin: this module is not one of the site's."""


def test_no_standby_while_another_project_s_plugin_listens(edited_project, caplog):
    """A standby runs every receiver up to the pages: another project's plugin might
    write or send something twice, so a session with one forks a child per rebuild."""
    signals.article_generator_finalized.connect(_another_project_s_receiver)
    live, *_ = _session(edited_project)
    assert WANTS_STANDBY not in live.memory
    live.tidy()
    assert live.standby is None


SMAPS = """\
55d0c0a00000-55d0c0b00000 rw-p 00000000 00:00 0                          [heap]
Size:               1024 kB
Rss:                 900 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0
Size:               1024 kB
Rss:                1024 kB
7f0000100000-7f0000900000 rw-p 00000000 00:00 0
Size:               8192 kB
Rss:                  16 kB
7f0000900000-7f0000a00000 r--p 00000000 08:01 1234                       /usr/lib/libc.so.6
Size:               1024 kB
Rss:                1024 kB
7ffc00000000-7ffc00100000 rw-p 00000000 00:00 0                          [stack]
Size:               1024 kB
Rss:                1024 kB
"""


def test_only_private_writable_memory_mostly_in_use_is_made_the_process_s_own():
    """The heap and a full anonymous mapping, not a thread's untouched stack, a
    library's code or the main stack."""
    assert list(_mostly_used_writable(SMAPS)) == [
        (0x55D0C0A00000, 0x55D0C0B00000),
        (0x7F0000000000, 0x7F0000100000),
    ]
