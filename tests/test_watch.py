"""nextsale.watch: file events, not a timer, wake `invoke livereload`'s rebuild."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time

import pytest
from tornado.ioloop import IOLoop

from nextsale.watch import EventWatcher


@pytest.fixture
def io_loop():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    io = IOLoop.current()
    yield io
    io.close(all_fds=True)
    asyncio.set_event_loop(None)


class Session:
    """A watcher over a content folder, called back as livereload's handler calls it."""

    def __init__(self, folder, io_loop, pattern="**/*") -> None:
        self.content = folder / "content"
        self.content.mkdir(exist_ok=True)
        self.io_loop = io_loop
        self.watcher = EventWatcher()
        self.watcher.watch(str(self.content / pattern), self.rebuild)
        self.runs: list[list[str]] = []  # the changed paths each rebuild was given
        self.examined: list[tuple] = []  # what examine returned to the handler
        self.during_rebuild = None  # an edit made while the rebuild runs

    def rebuild(self, changed: list[str]) -> None:
        self.runs.append(sorted(changed))
        if self.during_rebuild:
            edit, self.during_rebuild = self.during_rebuild, None
            edit()
            time.sleep(0.2)  # its events arrive while this rebuild still runs

    def poll(self) -> None:
        filepath, delay = self.watcher.examine()
        if filepath:
            self.examined.append((filepath, delay))

    def start(self) -> bool:
        return self.watcher.start(self.poll)

    def run_until(self, done, then: float = 0.3, timeout: float = 10) -> None:
        """Run the IOLoop until `done()`, then a while longer for any stray rebuild."""

        async def wait() -> None:
            deadline = time.monotonic() + timeout
            while not done():
                assert time.monotonic() < deadline, f"nothing happened; rebuilds: {self.runs}"
                await asyncio.sleep(0.01)
            await asyncio.sleep(then)

        self.io_loop.run_sync(wait)


@pytest.fixture
def session(tmp_path, io_loop):
    session = Session(tmp_path, io_loop)
    yield session
    session.watcher.stop()


def test_a_saved_post_is_rebuilt_and_sent_to_the_browser(session):
    post = session.content / "posts" / "first.md"
    post.parent.mkdir()
    assert session.start()
    post.write_text("Title: First\n\nHello.\n", encoding="utf-8")
    session.run_until(lambda: session.runs)
    assert session.runs == [[str(post)]]
    assert session.examined == [(str(post), None)]


def test_a_burst_of_writes_is_one_rebuild(session):
    assert session.start()
    posts = [session.content / f"post-{number}.md" for number in range(5)]
    for post in posts:
        post.write_text("draft", encoding="utf-8")
        post.write_text("final", encoding="utf-8")
    session.run_until(lambda: session.runs)
    assert session.runs == [sorted(map(str, posts))]


def test_an_edit_during_a_rebuild_gets_one_more_rebuild(session):
    first, second = session.content / "first.md", session.content / "second.md"
    session.during_rebuild = lambda: second.write_text("written meanwhile", encoding="utf-8")
    assert session.start()
    first.write_text("saved", encoding="utf-8")
    session.run_until(lambda: len(session.runs) >= 2)
    assert session.runs == [[str(first)], [str(second)]]


def test_a_file_written_without_pause_is_still_rebuilt(session):
    log = session.content / "busy.md"
    assert session.start()
    stop = threading.Event()

    def write_on() -> None:
        while not stop.wait(0.01):
            log.write_text(str(time.time()), encoding="utf-8")

    writer = threading.Thread(target=write_on)
    writer.start()
    try:
        session.run_until(lambda: session.runs, then=0)  # a wait of 1 s, not for ever
    finally:
        stop.set()
        writer.join()
    assert session.runs[0] == [str(log)]


def test_deleted_and_moved_files_count(session):
    doomed, moved = session.content / "doomed.md", session.content / "old-name.md"
    doomed.write_text("bye", encoding="utf-8")
    moved.write_text("same text", encoding="utf-8")
    assert session.start()
    doomed.unlink()
    session.run_until(lambda: session.runs)
    moved.rename(session.content / "new-name.md")
    session.run_until(lambda: len(session.runs) >= 2)
    assert session.runs == [
        [str(doomed)],
        [str(session.content / "new-name.md"), str(moved)],
    ]


def test_unwatched_files_and_editor_temporaries_rebuild_nothing(tmp_path, io_loop):
    session = Session(tmp_path, io_loop, pattern="**/*.md")
    (tmp_path / "elsewhere").mkdir()
    session.watcher.watch(str(tmp_path / "pelicanconf.py"), session.rebuild)
    try:
        assert session.start()
        for name in ("notes.txt", ".#post.md", "post.md~", ".post.md.swp", "4913"):
            (session.content / name).write_text("scratch", encoding="utf-8")
        (tmp_path / "elsewhere" / "post.md").write_text("not content", encoding="utf-8")
        (tmp_path / "livereload.log").write_text("beside the settings", encoding="utf-8")
        session.run_until(lambda: True, then=0.5)
        assert session.runs == []
        (tmp_path / "pelicanconf.py").write_text("SITENAME = 'x'\n", encoding="utf-8")
        session.run_until(lambda: session.runs)
        assert session.runs == [[str(tmp_path / "pelicanconf.py")]]
    finally:
        session.watcher.stop()


def test_livereload_s_own_restart_reload_comes_first(session):
    session.watcher._changes.append(("__livereload__", 2))
    assert session.start()
    session.run_until(lambda: session.examined)
    assert session.examined == [("__livereload__", 2)]
    assert session.runs == []


def test_without_file_events_it_polls_as_livereload_does(session, tmp_path, caplog):
    post = session.content / "post.md"
    post.write_text("before", encoding="utf-8")
    os.utime(post, (time.time() - 5, time.time() - 5))  # older than the session
    session.watcher.watch(str(tmp_path / "no-such-folder" / "**" / "*"), session.rebuild)
    with caplog.at_level(logging.WARNING, logger="nextsale.watch"):
        assert not session.start()  # livereload then calls examine every 0.8 s
    assert "no-such-folder" in caplog.text
    session.watcher.examine()  # the first poll notes every file's time
    assert session.runs == []
    post.write_text("after", encoding="utf-8")
    os.utime(post, (time.time() + 5, time.time() + 5))
    assert session.watcher.examine() == (str(post), None)
    assert session.runs == [[str(post)]]


def test_a_folder_moved_out_of_the_content_is_a_change(session, tmp_path):
    drafts = session.content / "drafts"
    drafts.mkdir()
    (drafts / "idea.md").write_text("Title: Idea\n\nLater.\n", encoding="utf-8")
    assert session.start()
    drafts.rename(tmp_path / "set-aside")  # the system names only the folder
    session.run_until(lambda: session.runs)
    assert session.runs == [[str(drafts)]]


def test_one_change_seen_by_two_patterns_of_one_task_is_one_rebuild(tmp_path, io_loop):
    session = Session(tmp_path, io_loop, pattern="**/*")
    session.watcher.watch(str(session.content / "**/*.md"), session.rebuild)
    assert session.start()
    post = session.content / "post.md"
    post.write_text("Title: Post\n\nText.\n", encoding="utf-8")
    try:
        session.run_until(lambda: session.runs)
    finally:
        session.watcher.stop()
    assert session.runs == [[str(post)]]
