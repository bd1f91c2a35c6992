"""Build the site safely: into a temporary folder, swapped into place on success.

Pelican alone writes straight into the output folder and stops with a traceback
on the first problem in `--fatal` mode. This driver instead collects every
warning and error of the build, prints them plainly, and only replaces the
previous good output when the build succeeded (and, with --strict, logged no
warning at all). `invoke build`, `preview`, `publish` and `livereload` all go
through it. A build that rendered only the pages an edit changed (see
plugins/engine) moves just those files into the previous output, each in one
step, instead of swapping a whole new site in.

    python -m nextsale.build [--publish] [--strict] [--content DIR] [--output DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import gc
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nextsale import compat
from nextsale.site import PROJECT_ROOT as ROOT

log = logging.getLogger(__name__)

# The record of a build (see plugins/engine): the engine writes it into the
# output folder; once the new output is in place it moves next to the content
# cache, where the next build's engine reads it.
MANIFEST_NAME = ".incremental.json"
KEPT_MANIFEST_NAME = "incremental.json"
# Left by the engine in a build folder that holds only the files an edit changed;
# the rest of the site is the previous output, into which they are moved.
PARTIAL_NAME = ".incremental-partial"
# In a kept staging folder (see `build`) while a build may have left files in it.
DIRTY_NAME = ".incremental-dirty"
# The build's own notes, never part of the site.
BOOKKEEPING = (PARTIAL_NAME, MANIFEST_NAME, DIRTY_NAME)


@dataclass
class BuildResult:
    """What a build produced and what it complained about."""

    output: Path
    problems: list[str] = field(default_factory=list)
    failed: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failed is None


class _PlainFormatter(logging.Formatter):
    """One line per message, never a traceback (those are for --debug)."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {text}"
        return text

    def formatException(self, ei) -> str:
        return ""


class _Problems(logging.Handler):
    """Collect every warning and error logged during a build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def reset_log_dedup() -> None:
    """Forget messages of earlier builds in this process.

    Pelican drops a warning it has already shown in the same process; in a live
    reload session that would hide a problem the author re-introduces.
    """
    compat.reset_log_dedup()


def load_settings(settings_file: Path, overrides: dict) -> dict:
    from pelican.settings import read_settings

    return read_settings(str(settings_file), override=overrides)


# Python's cycle collector thresholds during a build (its defaults: 700, 10, 10):
# it looks at the youngest objects after 10,000 new ones, and at everything
# made since the build began only after a hundred looks at the middle-aged.
BUILD_COLLECTOR_THRESHOLDS = (10_000, 10, 100)


@contextlib.contextmanager
def fewer_collections():
    """Run a build with Python's cycle collector mostly out of the way.

    A build makes millions of objects that live until it ends, and the
    collector would go through all of them again and again: at 10,000 articles,
    one to two seconds of every live rebuild and five of a full build. What
    lived before the build is set aside (`gc.freeze`) and new objects are
    looked at less often. Garbage with cycles waits for the end of the process,
    or for the tidying a live session does once a rebuild is shown
    (`nextsale.live.LiveSite.tidy`; a session keeps these thresholds between
    builds too, so that no full collection falls between a build and its tidying).
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BUILD_COLLECTOR_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@fewer_collections()
def build(
    settings_file: Path,
    output: Path,
    *,
    content: Path | None = None,
    strict: bool = False,
    overrides: dict | None = None,
    template_cache=None,
    kept_staging: bool = False,
) -> BuildResult:
    """Build into a sibling temporary folder and swap it in only on success.

    `template_cache` (a Jinja bytecode cache) lets a long-lived process keep its
    compiled templates from one build to the next. With `kept_staging` (a
    long-lived process), the folder a build that rendered only what changed is
    written into stays for the next build, empty but with its subfolders: making
    a folder for every page again costs more than rendering the few that changed.
    """
    from pelican import Pelican

    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(output)
    staging = _staging(output, kept_staging)
    # Pelican would empty the folder it writes to; it only ever sees staging.
    settings_overrides = {
        "OUTPUT_PATH": str(staging),
        "DELETE_OUTPUT_DIRECTORY": False,
        # The engine may re-render only what changed and link the rest from here.
        "INCREMENTAL_PREVIOUS_OUTPUT": str(output) if output.is_dir() else None,
    }
    if content is not None:
        settings_overrides["PATH"] = str(content.resolve())
    settings_overrides.update(overrides or {})

    reset_log_dedup()
    handler = _Problems()
    root_logger = logging.getLogger()
    root_logger.addHandler(handler)
    result = BuildResult(output)
    started = time.perf_counter()
    try:
        settings = load_settings(settings_file, settings_overrides)
        if template_cache is not None:
            jinja = settings.get("JINJA_ENVIRONMENT") or {}
            settings["JINJA_ENVIRONMENT"] = {**jinja, "bytecode_cache": template_cache}
        Pelican(settings).run()
    except Exception as error:  # any failure must leave the old output intact
        result.failed = f"{error.__class__.__name__}: {error}"
        if log.isEnabledFor(logging.DEBUG):
            log.exception("build failed")
    finally:
        root_logger.removeHandler(handler)
    result.seconds = time.perf_counter() - started
    result.problems = handler.messages
    if result.ok and strict and result.problems:
        result.failed = (
            f"{len(result.problems)} warning(s) in a strict build; fix them and build again"
        )

    if result.ok and (staging / PARTIAL_NAME).exists():
        _move_into_place(staging, output)
        _keep_manifest(staging, Path(settings["CACHE_PATH"]))
        if kept_staging:
            (staging / PARTIAL_NAME).unlink()
            (staging / DIRTY_NAME).unlink()
        else:
            shutil.rmtree(staging, ignore_errors=True)
    elif result.ok:
        if kept_staging:
            (staging / DIRTY_NAME).unlink()
            _remove_empty_folders(staging)  # left by earlier builds, not part of this site
        _swap_into_place(staging, output)
        _keep_manifest(output, Path(settings["CACHE_PATH"]))
    else:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _remove_empty_folders(root: Path) -> None:
    for folder, _, _ in os.walk(root, topdown=False):
        if folder != str(root):
            with contextlib.suppress(OSError):  # not empty: part of this site
                Path(folder).rmdir()


def _staging(output: Path, kept: bool) -> Path:
    """The folder this build writes into: new, or the one this process keeps (emptied)."""
    if not kept:
        return Path(
            tempfile.mkdtemp(prefix=f".{output.name}.{STAGING}-{os.getpid()}-", dir=output.parent)
        )
    staging = output.parent / f".{output.name}.{STAGING}-{os.getpid()}-kept"
    staging.mkdir(mode=0o700, exist_ok=True)
    dirty = staging / DIRTY_NAME
    if dirty.exists():  # the last build stopped before its files were moved out
        for folder, _, files in os.walk(staging):
            for name in files:
                (Path(folder) / name).unlink()
    dirty.write_bytes(b"")  # removed once this build's files are moved out
    return staging


# Sibling folders of the output, named `.<output>.<kind>-<pid>-<random>`: the build
# being written (staging); where the file system cannot exchange two folders, the
# previous output on its way out (retired); the old versions of the files a build
# that rendered only what changed replaced (replaced, see `_OldVersions`). Git
# ignores them (.gitignore).
STAGING, RETIRED, REPLACED = "staging", "retired", "replaced"
_RENAME_EXCHANGE = 2  # Linux renameat2() flag: swap two paths in one step
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically; False where the system or file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    paths = (os.fsencode(first), os.fsencode(second))
    if renameat2(_AT_FDCWD, paths[0], _AT_FDCWD, paths[1], _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first))


def _swap_into_place(staging: Path, output: Path) -> None:
    """Put the finished site at `output` so that `output` is never missing.

    On Linux the two folders change places in one step and the previous site,
    now at the staging name, is renamed aside and deleted. Elsewhere the previous site is first
    renamed aside; a build killed just then leaves it to `clean_leftovers`,
    which puts it back before the next build starts.
    """
    staging.chmod(0o755)  # mkdtemp makes 0700; the site must be world-readable
    if not output.exists() and not output.is_symlink():
        staging.rename(output)
        return
    # The previous site's own name: a kept staging folder's name is used again.
    retired = staging.with_name(f".{output.name}.{RETIRED}-{os.getpid()}-{os.urandom(4).hex()}")
    if _exchange(staging, output):
        staging.rename(retired)
        _remove_in_background(retired)
        return
    output.rename(retired)
    staging.rename(output)
    _remove_in_background(retired)


def _move_into_place(staging: Path, output: Path) -> None:
    """Move the few files of a build that rendered only what an edit changed into `output`.

    Each file replaces its old version in one step, so no page is ever missing or
    half-written; a build that fails moves nothing. Unlike the swap of a whole
    site, the pages change one after another (within milliseconds): a reader
    may see an old page next to a new one, and an interrupted move leaves some
    of each, which the next build, comparing with the previous record, renders again.
    """
    marker = json.loads((staging / PARTIAL_NAME).read_text(encoding="utf-8") or "{}")
    written = marker.get("written")
    if written is None:
        written = [
            os.path.relpath(Path(folder) / name, staging)
            for folder, _, files in os.walk(staging)
            for name in files
            if name not in BOOKKEEPING
        ]
    # (Strings and `os` calls: a new post moves some 600 pages, each into the folder
    # its last version is in, which exists already but for new pages.)
    source, target = str(staging), str(output)
    old = _OldVersions(output, linking=len(written) >= _OldVersions.FROM)
    for name in written:
        moved, into = f"{source}/{name}", f"{target}/{name}"
        old.hold(into)
        try:
            os.replace(moved, into)  # noqa: PTH105
        except FileNotFoundError:  # a new page: its folder is new too
            os.makedirs(os.path.dirname(into), mode=0o755, exist_ok=True)  # noqa: PTH103, PTH120
            os.replace(moved, into)  # noqa: PTH105
    for name in marker.get("gone", ()):
        _remove_gone(output, output / name)
    old.remove_in_background()


class _OldVersions:
    """The old versions of the files a move replaces, held by a second name (a hard
    link in a sibling folder) until they are removed in the background.

    Replacing a file frees the old one's blocks, and on some disks that is most
    of the cost: where bench/RESULTS.md was measured, a replace took 70–80 µs, a
    link and a replace 22–25 (a new post moves some 600 pages). Starting the
    background removal costs a millisecond or a few, so a move of fewer files
    than `FROM` replaces them as they are; so does one where the file system has
    no hard links.
    """

    FROM = 64

    def __init__(self, output: Path, linking: bool = True) -> None:
        self.output = output
        self.folder: str | None = None
        self.count = 0
        self.linking = linking

    def hold(self, path: str) -> None:
        if not self.linking:
            return
        if self.folder is None:
            name = f".{self.output.name}.{REPLACED}-{os.getpid()}-{os.urandom(4).hex()}"
            folder = str(self.output.parent / name)
            try:
                os.mkdir(folder, mode=0o700)  # noqa: PTH102
            except OSError:  # (the staging folder beside it was made: not expected)
                self.linking = False
                return
            self.folder = folder
        try:
            os.link(path, f"{self.folder}/{self.count}")
        except FileNotFoundError:  # a new page: nothing to hold
            return
        except OSError:  # no hard links here
            self.linking = False
            return
        self.count += 1

    def remove_in_background(self) -> None:
        if self.folder is not None:
            _remove_in_background(Path(self.folder))


def _remove_gone(output: Path, path: Path) -> None:
    """Remove a file the site no longer has, and the folders it leaves empty."""
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != output and output in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty: other files still live there
            return
        folder = folder.parent


def _leftover(output: Path, folder: Path) -> tuple[str, int] | None:
    """(kind, pid) if `folder` is a staging, retired or replaced folder of `output`'s builds."""
    pattern = rf"\.{re.escape(output.name)}\.({STAGING}|{RETIRED}|{REPLACED})-(\d+)-[^/]+"
    match = re.fullmatch(pattern, folder.name)
    return (match[1], int(match[2])) if match and folder.is_dir() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def clean_leftovers(output: Path) -> list[Path]:
    """Remove staging, retired and replaced folders of builds that died; restore a
    missing output (from a retired folder: a replaced one holds only old pages).

    Folders of a build still running (its process is alive) are left alone. If a
    build died between its two renames, `output` is missing and its retired
    folder holds the last good site: it goes back into place. Returns what was
    removed or restored.
    """
    output = output.resolve()
    if not output.parent.is_dir():
        return []
    found = []
    for folder in sorted(output.parent.iterdir()):
        leftover = _leftover(output, folder)
        if leftover and not _alive(leftover[1]):
            found.append((folder, leftover[0]))
    handled = []
    retired = [folder for folder, kind in found if kind == RETIRED]
    if retired and not output.exists() and not output.is_symlink():
        newest = max(retired, key=lambda p: p.stat().st_mtime)
        newest.rename(output)
        log.warning(
            "%s was missing after an interrupted build; restored the last good site", output
        )
        handled.append(output)
    for folder, _kind in found:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            handled.append(folder)
    return handled


def _keep_manifest(output: Path, cache: Path) -> None:
    """Move the record of this build (see MANIFEST_NAME) next to the content cache.

    It describes the output now in place, so it moves only after the swap; a
    failed build leaves the previous record, which still matches.
    """
    manifest, kept = output / MANIFEST_NAME, cache / KEPT_MANIFEST_NAME
    if manifest.exists():
        cache.mkdir(parents=True, exist_ok=True)
        shutil.move(str(manifest), str(kept))
    else:
        kept.unlink(missing_ok=True)


def _remove_in_background(folder: Path) -> None:
    """Delete a retired output folder (or replaced files) without making the author wait."""
    try:
        subprocess.Popen(
            ["rm", "-rf", "--", str(folder)],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:  # no rm (or no fork): do it now
        shutil.rmtree(folder, ignore_errors=True)


def report(result: BuildResult, stream=sys.stderr) -> None:
    """Print a one-line summary (the problems were logged as they happened)."""
    if result.ok:
        print(
            f"Built {result.output} in {result.seconds:.1f} s"
            f" with {len(result.problems)} warning(s).",
            file=stream,
        )
    else:
        print(f"Build failed: {result.failed}", file=stream)
        print(f"The previous output in {result.output} was left untouched.", file=stream)


def setup_logging(level: int) -> None:
    """Plain console logging; Pelican's per-file "Writing ..." lines only in debug."""
    from pelican.log import init as init_logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(message)s") if level <= logging.DEBUG else _PlainFormatter()
    )
    init_logging(level=level, handler=handler)
    if level > logging.DEBUG:
        logging.getLogger("pelican.writers").setLevel(logging.WARNING)
        logging.getLogger("pelican.generators").setLevel(logging.WARNING)
        logging.getLogger("pelican.utils").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publish", action="store_true", help="use publishconf.py")
    parser.add_argument("--settings", type=Path, help="settings file to use instead")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail on any warning (default with --publish)",
    )
    parser.add_argument("--content", type=Path, help="content folder (default: content/)")
    parser.add_argument("--output", type=Path, help="output folder (default: output/)")
    parser.add_argument("--quiet", action="store_true", help="print only problems")
    parser.add_argument("--debug", action="store_true", help="show debug logs and tracebacks")
    args = parser.parse_args(argv)

    setup_logging(logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO)
    settings_file = args.settings or ROOT / ("publishconf.py" if args.publish else "pelicanconf.py")
    output = args.output or ROOT / "output"
    result = build(
        settings_file,
        output,
        content=args.content,
        strict=args.strict or args.publish,
    )
    report(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
