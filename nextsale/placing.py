"""Where a build writes, and how its output takes the place of the last one.

A build writes into a sibling folder of the output (staging), never into the
output itself. On success that folder is swapped in whole, in one step where
the system can; a build that rendered only what an edit changed instead moves
its few files into the previous output, each replacing its old version in one
step. Folders left by builds that died are cleaned before the next build
(`clean_leftovers`). The build driver (`nextsale/build.py`) calls
`staging_folder`, then `put_in_place` or nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

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


def put_in_place(staging: Path, output: Path, kept: bool, cache: Path) -> None:
    """Put a successful build's folder in place at `output`: the files of a build that
    rendered only what changed are moved in (`PARTIAL_NAME` says so), any other
    build's folder is swapped in whole. The build's record goes next to the
    content `cache`. A `kept` staging folder stays for the next build, emptied."""
    if (staging / PARTIAL_NAME).exists():
        _move_into_place(staging, output)
        _keep_manifest(staging, cache)
        if kept:
            (staging / PARTIAL_NAME).unlink()
            (staging / DIRTY_NAME).unlink()
        else:
            shutil.rmtree(staging, ignore_errors=True)
        return
    if kept:
        (staging / DIRTY_NAME).unlink()
        _remove_empty_folders(staging)  # left by earlier builds, not part of this site
    _swap_into_place(staging, output)
    _keep_manifest(output, cache)


def _remove_empty_folders(root: Path) -> None:
    for folder, _, _ in os.walk(root, topdown=False):
        if folder != str(root):
            with contextlib.suppress(OSError):  # not empty: part of this site
                Path(folder).rmdir()


def staging_folder(output: Path, kept: bool) -> Path:
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
