"""A livereload watcher told of changes by the operating system, not by polling.

livereload's own watcher, without pyinotify, looks at every watched file every
0.8 s: an edit waits 0.4 s on average before its rebuild even starts, and the
scan costs more the larger the site. `EventWatcher` hears of each change as it
happens (watchdog: inotify on Linux), waits for the burst to settle and lets
livereload rebuild once:

    Server(watcher=EventWatcher())

When the system cannot report changes (no inotify, too many folders to watch),
it says why and polls as livereload does.
"""

from __future__ import annotations

import errno
import fnmatch
import logging
import os
import re
from inspect import signature
from pathlib import Path

from livereload.watcher import Watcher
from tornado.ioloop import IOLoop
from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

log = logging.getLogger(__name__)

# An editor's save or a `git checkout` is a burst of events: rebuild once it is over.
QUIET_SECONDS = 0.05
# ...but not to wait for ever on a file written again and again.
LONGEST_WAIT_SECONDS = 1.0
# The changes worth a rebuild; reading a file (as a build does) is not one.
CHANGES = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    # A folder deleted or moved away: the system names the folder, not its files.
    DirDeletedEvent,
    DirMovedEvent,
]
WILDCARD = re.compile(r"[*?[]")


def is_editor_temporary(path: str) -> bool:
    """Files editors write beside the one being saved (Emacs locks, backups, vim swaps)."""
    name = Path(path).name
    return name.startswith(".#") or name.endswith(("~", ".swp", ".swx", "4913"))


def pattern_regex(pattern: str) -> re.Pattern:
    """`pattern` as glob reads it, where `**/` also stands for no folder at all."""
    parts = (fnmatch.translate(part).removesuffix(r"\Z") for part in pattern.split("**/"))
    return re.compile("(?:.*/)?".join(parts) + r"\Z")


def watched_folder(pattern: str) -> tuple[str, bool]:
    """(folder, recursively): where the operating system must look for `pattern`."""
    wildcard = WILDCARD.search(pattern)
    if wildcard:
        return pattern[: wildcard.start()].rpartition("/")[0] or "/", True
    if Path(pattern).is_dir():
        return pattern, True
    return str(Path(pattern).parent), False


class EventWatcher(Watcher):
    """livereload's Watcher, woken by file events rather than a timer."""

    def __init__(self, quiet_seconds: float = QUIET_SECONDS) -> None:
        super().__init__()
        self.quiet_seconds = quiet_seconds
        self.observer = None
        self._matchers: dict[str, re.Pattern] = {}
        self._loop: IOLoop | None = None
        self._callback = None
        self._quiet_timer = None
        self._burst_began = 0.0
        # Changed paths not yet handed to the tasks; touched on the IOLoop's thread only.
        self._queued: dict[str, None] = {}
        self._queued_folders: set[str] = set()  # of those, the folders gone

    def watch(self, path, func=None, delay=0, ignore=None):
        path = str(Path(path).absolute())
        super().watch(path, func, delay, ignore)
        if WILDCARD.search(path):
            self._matchers[path] = pattern_regex(path)
        else:  # one file, or every file under a folder
            self._matchers[path] = re.compile(re.escape(path) + r"(?:/.*)?\Z", re.DOTALL)

    def start(self, callback) -> bool:
        """Watch every task's folder; False (poll instead) if the system refuses."""
        self._loop = IOLoop.current()
        self._callback = callback
        observer = None
        handler = _Forwarder(self)
        try:
            observer = Observer()  # opens the system's inotify instance
            for folder, recursive in self._folders().items():
                if not Path(folder).is_dir():
                    raise FileNotFoundError(errno.ENOENT, "no such folder", folder)
                observer.schedule(handler, folder, recursive=recursive, event_filter=CHANGES)
            observer.start()
        except OSError as error:
            log.warning("cannot watch the sources for changes (%s): polling them instead", error)
            if observer is not None:
                observer.stop()  # the folders whose watching did start
            return False
        self.observer = observer
        # What livereload queued before the start (a restart's reload of open pages).
        self._loop.add_callback(callback)
        return True

    def stop(self) -> None:
        """Stop listening to the system (the process may go on)."""
        if self.observer is not None:
            self.observer.stop()
            self.observer.join()
            self.observer = None

    def _folders(self) -> dict[str, bool]:
        """Each folder to watch, and whether recursively; none inside another."""
        folders: dict[str, bool] = {}
        for pattern in self._tasks:
            folder, recursive = watched_folder(pattern)
            folders[folder] = folders.get(folder, False) or recursive
        covering = [folder for folder, recursive in folders.items() if recursive]
        return {
            folder: recursive
            for folder, recursive in folders.items()
            if not any(folder.startswith(outer + os.sep) for outer in covering)
        }

    def heard(self, path: str, folder: bool = False) -> None:
        """Pass a change the tasks care about from watchdog's thread to the IOLoop's."""
        if self._ignored(path):
            return
        if any(self._matches(task, path, folder) for task in self._tasks):
            # (the one IOLoop call safe from another thread)
            self._loop.add_callback(self.queue, path, folder)

    def _ignored(self, path: str) -> bool:
        parts = Path(path).parts
        return (
            self.ignore(path)
            or is_editor_temporary(path)
            or any(folder in parts for folder in self.ignored_dirs)
        )

    def _matches(self, pattern: str, path: str, folder: bool = False) -> bool:
        if folder:  # whatever it held may have matched
            return path.startswith(watched_folder(pattern)[0].rstrip("/") + "/")
        ignore = self._tasks[pattern]["ignore"]
        return bool(self._matchers[pattern].match(path)) and not (ignore and ignore(path))

    def queue(self, path: str, folder: bool = False) -> None:
        """Note a change (on the IOLoop's thread); run the tasks once the burst is over."""
        self._queued[path] = None
        if folder:
            self._queued_folders.add(path)
        now = self._loop.time()
        if self._quiet_timer is None:
            self._burst_began = now
        elif now - self._burst_began < LONGEST_WAIT_SECONDS:
            self._loop.remove_timeout(self._quiet_timer)
        else:
            return  # files that never stop changing are rebuilt as they go
        self._quiet_timer = self._loop.call_later(self.quiet_seconds, self._settled)

    def _settled(self) -> None:
        self._quiet_timer = None
        self._callback()

    def examine(self):
        """Run the tasks the queued changes concern: (one changed path, delay)."""
        if self.observer is None:
            return super().examine()  # polling
        if self._changes:
            if self._queued:  # their turn comes right after
                self._loop.add_callback(self._callback)
            return self._changes.pop()
        changed, self._queued = list(self._queued), {}
        folders, self._queued_folders = self._queued_folders, set()
        self.filepath = None
        delays = set()
        # Each task's function runs once, for every path of every pattern it watches
        # (one rebuild for a change to posts and templates at once).
        runs: dict = {}  # by function (equal bound methods are one)
        for pattern, task in self._tasks.items():
            paths = [path for path in changed if self._matches(pattern, path, path in folders)]
            if not paths:
                continue
            self.filepath = paths[-1]
            func, delay = task["func"], task["delay"]
            if delay and isinstance(delay, float):
                delays.add(delay)
            if func:
                runs.setdefault(func, {}).update(dict.fromkeys(paths))
        for func, paths in runs.items():
            name = getattr(func, "name", None) or getattr(func, "__name__", "anonymous")
            log.info("Running task: %s", name)
            if signature(func).parameters:
                func(list(paths))
            else:
                func()
        return self.filepath, max(delays) if delays else None


class _Forwarder(FileSystemEventHandler):
    """Tells the watcher of each changed file, and of each folder gone, on watchdog's thread."""

    def __init__(self, watcher: EventWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        folder = event.is_directory
        if folder and not isinstance(event, DirDeletedEvent | DirMovedEvent):
            return  # a new folder's files are events of their own
        for path in (event.src_path, event.dest_path):  # both ends of a move
            if path:
                self.watcher.heard(os.fsdecode(path), folder)
