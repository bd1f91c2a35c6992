"""The files a build wrote into its folder, listing again only the folders that changed.

A live session writes every rebuild into one staging folder that keeps the
subfolders of all earlier builds (see `nextsale.build`), and after a run of
edits most of them are empty: at a thousand articles, over a thousand folders
to list after every save, and ten times that at ten thousand. A file made in a
folder, or removed from it, gives the folder a new modification time; so a
folder whose time is the one it had at the last look holds what it held then,
and is not listed again (a stat instead of a listing).

A folder's time is trusted only when it is older than the look itself, as the
file system's own clock tells it (the time a marker file made and removed
gives the top folder, just before the look): that clock may be coarse (two
seconds on FAT), and a file made in the same tick as the folder's last change
would leave its time as it was.
"""

from __future__ import annotations

import os
from typing import NamedTuple

# Where a live session keeps the last look, in the engine's memory.
MEMORY_KEY = "staging folders"

# Made and removed in the top folder to read the file system's clock.
MARKER = ".engine-look"


class Folder(NamedTuple):
    """One folder as last listed."""

    modified: int  # its modification time then, in nanoseconds
    folders: tuple[str, ...]
    files: tuple[str, ...]


def files_under(top: str, memory: dict | None = None, skip=frozenset()) -> set[str]:
    """Every file under `top` (as relative paths, but those named in `skip`), as
    `os.walk` would find them (symbolic links to folders are neither listed nor
    followed). `memory`, a live session's, keeps the last look at `top`."""
    found: set[str] = set()
    last = memory.get(MEMORY_KEY) if memory is not None else None
    looked_at = _file_system_now(top) if memory is not None else 0
    own = os.stat(top)  # noqa: PTH116 - (strings throughout: this runs per folder)
    key = (top, own.st_dev, own.st_ino)  # (a folder made again is looked at afresh)
    if last is None or last[0] != key:
        last = (key, {}, 0)
    _, before, trusted_before = last
    now: dict[str, Folder] = {}
    pending = [("", own.st_mtime_ns)]
    while pending:
        where, modified = pending.pop()
        folder = before.get(where)
        if folder is None or folder.modified != modified or modified >= trusted_before:
            folder = _listed(f"{top}/{where}" if where else top, modified)
        now[where] = folder
        prefix = f"{where}/" if where else ""
        found.update(prefix + name for name in folder.files if name not in skip)
        for name in folder.folders:
            inner = prefix + name
            try:
                pending.append((inner, os.stat(f"{top}/{inner}").st_mtime_ns))  # noqa: PTH116
            except OSError:  # (gone meanwhile: as os.walk, say nothing)
                continue
    if memory is not None:
        memory[MEMORY_KEY] = (key, now, looked_at)
    return found


def _file_system_now(top: str) -> int:
    """The time of `top`'s file system now, in its own ticks."""
    marker = f"{top}/{MARKER}"
    with open(marker, "w"):  # noqa: PTH123 - (made and removed: the top folder's time)
        pass
    os.unlink(marker)  # noqa: PTH108
    return os.stat(top).st_mtime_ns  # noqa: PTH116


def _listed(path: str, modified: int) -> Folder:
    folders, files = [], []
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if not entry.is_dir():
                    files.append(entry.name)
                elif not entry.is_symlink():
                    folders.append(entry.name)
    except OSError:  # (unreadable or gone: as os.walk, say nothing)
        return Folder(-1, (), ())
    return Folder(modified, tuple(folders), tuple(files))
