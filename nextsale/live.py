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
import gc
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import CodeType

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
        # See nextsale.build.fewer_collections and tidy().
        self.collector_thresholds = gc.get_threshold()
        gc.set_threshold(*sitebuild.BUILD_COLLECTOR_THRESHOLDS)
        atexit.register(self.close)

    def close(self) -> None:
        """Save what the session kept in memory only (the content cache file)."""
        for save in self.memory.pop(UNSAVED_CACHES, {}).values():
            save()
        gc.set_threshold(*self.collector_thresholds)

    def tidy(self) -> None:
        """Free the last build's garbage: the collector mostly waits during a build
        (`nextsale.build.fewer_collections`), so a session calls this once the
        rebuild is shown, while the author reads; and do what the build left for then."""
        for task in self.memory.pop(AFTER_RELOAD, {}).values():
            task()
        gc.collect()

    def _code_folders(self) -> list[Path]:
        settings = sitebuild.load_settings(self.settings_file, self.overrides)
        return [Path(nextsale.__file__).parent, *map(Path, settings.get("PLUGIN_PATHS", []))]

    def rebuild(self) -> sitebuild.BuildResult:
        """Build the site as it is on disk now."""
        if not self.code_changed and code_stamp(self.code) != self.code_stamp:
            self.code_changed = True
        if self.code_changed:
            sitebuild.reset_log_dedup()  # say it at every rebuild, not only the first
            log.warning(
                "plugin or core code changed since this session started: building everything"
                " in a new process (restart the session for fast rebuilds again)"
            )
            return self._rebuild_in_new_process()
        return sitebuild.build(
            self.settings_file,
            self.output,
            content=self.content,
            overrides=self._overrides(),
            template_cache=self.templates,
            kept_staging=True,
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
