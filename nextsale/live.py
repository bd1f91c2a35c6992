"""One site rebuilt again and again by one long-lived process (`invoke livereload`).

Every rebuild goes through the same safe driver as `invoke build`
(`nextsale.build.build`); the session only keeps what one build can hand to the
next in memory, so an edit costs what it changed rather than what the site holds.

Python code cannot be swapped under a running process: once a plugin's or the
core's code has changed since the session started, every rebuild runs in a
fresh process (a full build with the new code) and says so, until the session
is restarted.

    python -m nextsale.live '[SETTINGS, OUTPUT, CONTENT or null, OVERRIDES]'
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import CodeType
from typing import Any, ClassVar

from jinja2.bccache import Bucket, BytecodeCache

import nextsale
from nextsale import build as sitebuild

log = logging.getLogger(__name__)

# Set in the session's memory by the engine once it keeps the content cache:
# later builds need not load the cache file (plugins/engine/reading.py).
CONTENT_KEPT = "content kept"
# Where the engine leaves the content cache savers it put off until the session
# ends (plugins/engine/reading.py).
UNSAVED_CACHES = "unsaved content caches"
# Work a build leaves for the idle time after its rebuild is shown: callables by
# name (a later build's replaces an earlier one's), run by `LiveSite.tidy` (the
# engine's page memo orders its reads for the next build).
AFTER_RELOAD = "after reload"
# Set in the session's memory by a plugin that can give part of the next rebuild to a
# second copy of this process (the engine: a share of the pages): a function making,
# before the fork, what the two processes share; see Standby.
WANTS_STANDBY = "wants a standby process"
# During a rebuild, the Standby taking part in it (in both processes; see `Standby.here`).
STANDBY = "standby process"


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory from one build to the next.

    Every build makes new Jinja environments, which would compile every template
    again. Each template's code is kept with the checksum of its source, so an
    edited template is compiled afresh. The code object itself is kept (it cannot
    change), not its marshalled bytes: no build reads them back.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, tuple[str, CodeType]] = {}  # by key: (checksum, code)

    def load_bytecode(self, bucket: Bucket) -> None:
        kept = self.compiled.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = (bucket.checksum, bucket.code)

    def __repr__(self) -> str:
        # Part of the settings the engine fingerprints: the same in every build.
        return f"{type(self).__name__}()"

    def __reduce__(self):
        # Part of the settings too, which the content cache file reaches (see
        # SessionMemory): the compiled code stays with the session.
        return (CompiledTemplates, ())


class SessionMemory(dict):
    """What the engine keeps from one build of a session to the next (`ENGINE_MEMORY`).

    Tags, categories and authors carry the settings, which hold this, so saving
    the content cache file would pickle all of it too (the page memo, the kept
    articles...): it is this session's alone, and pickles as empty.
    """

    def __reduce__(self):
        return (SessionMemory, ())


class LiveSite:
    """A site that one process builds, then rebuilds after every edit."""

    def __init__(
        self,
        settings_file: Path,
        output: Path,
        *,
        content: Path | None = None,
        overrides: dict | None = None,
    ) -> None:
        self.settings_file = settings_file
        self.output = output
        self.content = content
        self.overrides = dict(overrides or {})
        self.templates = CompiledTemplates()
        # What the engine keeps from one build to the next (plugins/engine).
        self.memory = SessionMemory()
        self.code = self._code_folders()
        self.code_stamp = code_stamp(self.code)
        self.code_changed = False
        self.standby: Standby | None = None  # forked once a rebuild is shown (tidy)
        # See nextsale.build.fewer_collections and tidy().
        self.collector_thresholds = gc.get_threshold()
        gc.set_threshold(*sitebuild.BUILD_COLLECTOR_THRESHOLDS)
        atexit.register(self.close)

    def close(self) -> None:
        """Save what the session kept in memory only (the content cache file)."""
        if self.standby is not None:
            self.standby.release(used=False)
            self.standby = None
        for save in self.memory.pop(UNSAVED_CACHES, {}).values():
            save()
        gc.set_threshold(*self.collector_thresholds)

    def tidy(self) -> None:
        """Free the last build's garbage: the collector mostly waits during a build
        (`nextsale.build.fewer_collections`), so a session calls this once the
        rebuild is shown, while the author reads; do what the build left for then;
        and fork the standby process for the next rebuild, if a plugin wants one."""
        for task in self.memory.pop(AFTER_RELOAD, {}).values():
            task()
        gc.collect()
        Standby.reap()
        make_shared = self.memory.get(WANTS_STANDBY)
        if self.standby is None and make_shared is not None and not self.code_changed:
            self.standby = Standby.fork(self, make_shared())

    def _code_folders(self) -> list[Path]:
        settings = sitebuild.load_settings(self.settings_file, self.overrides)
        return [Path(nextsale.__file__).parent, *map(Path, settings.get("PLUGIN_PATHS", []))]

    def rebuild(self) -> sitebuild.BuildResult:
        """Build the site as it is on disk now."""
        standby, self.standby = self.standby, None
        if not self.code_changed and code_stamp(self.code) != self.code_stamp:
            self.code_changed = True
        if self.code_changed:
            if standby is not None:
                standby.release(used=False)
            sitebuild.reset_log_dedup()  # say it at every rebuild, not only the first
            log.warning(
                "plugin or core code changed since this session started: building everything"
                " in a new process (restart the session for fast rebuilds again)"
            )
            return self._rebuild_in_new_process()
        if standby is None:
            return self._build()
        standby.start()
        self.memory[STANDBY] = standby
        try:
            return self._build()
        finally:
            del self.memory[STANDBY]
            standby.release(used=standby.used)

    def _build(self, standby_of: int | None = None) -> sitebuild.BuildResult:
        return sitebuild.build(
            self.settings_file,
            self.output,
            content=self.content,
            overrides=self._overrides(),
            template_cache=self.templates,
            kept_staging=True,
            standby_of=standby_of,
        )

    def _overrides(self) -> dict:
        overrides = {**self.overrides, "ENGINE_MEMORY": self.memory}
        if self.memory.get(CONTENT_KEPT):
            overrides["LOAD_CONTENT_CACHE"] = False  # the engine has it in memory
        return overrides

    def _rebuild_in_new_process(self) -> sitebuild.BuildResult:
        arguments = [
            str(self.settings_file),
            str(self.output),
            str(self.content) if self.content else None,
            self.overrides,
        ]
        done = subprocess.run(
            [sys.executable, "-m", "nextsale.live", json.dumps(arguments)], check=False
        )
        result = sitebuild.BuildResult(Path(self.output).resolve())
        if done.returncode != 0:
            result.failed = f"the build in a new process failed (exit status {done.returncode})"
        return result


class Standby:
    """A second copy of the session's process, forked once a rebuild is shown, that
    builds the next rebuild alongside this one and takes part of its work.

    A process forked during a rebuild would cost that rebuild every page of memory
    either process then writes to, and CPython writes to every object it reads
    (its reference count): about 2 µs a page, 12,000 pages and more in each
    process at 1,000 posts. The standby is forked while the author reads, and
    both processes make their memory their own again then (`own_memory`). At the
    next save the main process tells it to build (`start`): it runs the same
    build, from the same memory, on the same files, into the same folder, and
    writes nothing until a plugin gives it a share of the work (the engine: the
    pages, see plugins/engine/sharing.py), after which it exits; the main process
    logs, moves and records everything. A build that gives it nothing stops it
    (`release`). It prints nothing: the main process logs what the build finds.
    """

    _exiting: ClassVar[list[int]] = []  # standbys done with their build, to be reaped

    def __init__(self, pid: int, control: int, shared: Any, here: bool) -> None:
        self.pid = pid  # the standby's (in the standby: the main process's)
        self.control = control  # the main process writes, the standby reads
        self.shared = shared  # what the plugin made for both before the fork
        self.here = here  # whether this process is the standby
        self.used = False  # set by the plugin that gave it work

    @classmethod
    def fork(cls, site: LiveSite, shared: Any) -> Standby:
        reading, writing = os.pipe()
        main = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(writing)
            standby = cls(main, reading, shared, here=True)
            _after_fork(shared, here=True)
            standby._serve(site)  # (never returns)
        os.close(reading)
        _after_fork(shared, here=False)
        own_memory()
        return cls(pid, writing, shared, here=False)

    def _serve(self, site: LiveSite) -> None:
        status = 0
        try:
            _quiet()
            own_memory()
            if self.hear(1) == b"B":
                site.memory[STANDBY] = self
                site._build(standby_of=self.pid)
        except BaseException:  # (the main process builds on its own)
            status = 1
        finally:
            os._exit(status)

    def start(self) -> None:
        """(Main process) Build along with this rebuild."""
        self.tell(b"B")

    def alive(self) -> bool:
        """(Main process) Whether the standby is still there to take part."""
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def tell(self, message: bytes) -> None:
        with contextlib.suppress(OSError):  # (a standby that died: the build goes on)
            os.write(self.control, message)

    def hear(self, size: int) -> bytes:
        """(Standby) The next message of `size` bytes; less once the main process let go."""
        data = b""
        with contextlib.suppress(OSError):
            while len(data) < size and (chunk := os.read(self.control, size - len(data))):
                data += chunk
        return data

    def release(self, used: bool) -> None:
        """(Main process) The rebuild is over: a standby that took part in it is
        exiting, one that did not is stopped."""
        os.close(self.control)
        close = getattr(self.shared, "close", None)
        if close is not None:
            close()  # (this process's ends of what the plugin shared)
        if not used:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        Standby._exiting.append(self.pid)
        Standby.reap()

    @classmethod
    def reap(cls) -> None:
        """Collect the exit status of the standbys that have exited."""
        for pid in list(cls._exiting):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG) == (0, 0):
                    continue
            cls._exiting.remove(pid)


def _after_fork(shared: Any, here: bool) -> None:
    after_fork = getattr(shared, "after_fork", None)
    if after_fork is not None:
        after_fork(here)


def _quiet() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(logging.NullHandler())


# madvise(2): fault a range's pages in as if written to (Linux 5.14 and later).
MADV_POPULATE_WRITE = 23


def own_memory() -> None:
    """Make this process's private, writable memory its own again after a fork: the
    copying that writing to it would cost later is done now, while the author
    reads. Only mappings mostly in use count (not, say, the untouched part of a
    thread's stack). On a kernel without the call, pages are copied when written."""
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        smaps = Path("/proc/self/smaps").read_text()
    except (OSError, AttributeError):
        return
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    for start, end in _mostly_used_writable(smaps):
        madvise(start, end - start, MADV_POPULATE_WRITE)  # (errors: copied when written)


def _mostly_used_writable(smaps: str):
    """(start, end) of each private writable mapping at least half in memory, but
    the stack and the kernel's own ([vvar], [vdso] ...)."""
    mapping = None
    for line in smaps.splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:  # a mapping's first line
            name = fields[5] if len(fields) > 5 else ""
            private = fields[1] == "rw-p" and (name == "[heap]" or not name.startswith("["))
            start, end = (int(bound, 16) for bound in fields[0].split("-"))
            mapping = (start, end) if private else None
        elif mapping is not None and fields[0] == "Rss:":
            if int(fields[1]) * 1024 * 2 >= mapping[1] - mapping[0]:
                yield mapping
            mapping = None


def code_stamp(folders: list[Path]) -> list:
    """(path, size, modification time) of every Python file under `folders`."""
    stamps = []
    for folder in folders:
        for where, names, files in os.walk(folder):
            names[:] = sorted(name for name in names if name != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    stat = (Path(where) / name).stat()
                    stamps.append((where, name, stat.st_size, stat.st_mtime_ns))
    return stamps


def main(argv: list[str] | None = None) -> int:
    """Build once with the arguments a live session passes (see LiveSite)."""
    settings, output, content, overrides = json.loads((argv or sys.argv[1:])[0])
    sitebuild.setup_logging(logging.INFO)
    result = sitebuild.build(
        Path(settings),
        Path(output),
        content=Path(content) if content else None,
        overrides=overrides,
    )
    sitebuild.report(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
