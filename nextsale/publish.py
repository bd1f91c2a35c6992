"""Decide whether a publish may go ahead: where rsync may write, and what --github may publish.

`invoke publish` ends with `rsync --delete`, which empties whatever it is pointed at
of everything the site does not contain. These pure functions refuse, with one line
saying what to do, any destination that would take the project with it (the project
itself, a folder containing it, a folder inside it) or that rsync would read as an
option, and the GitHub Pages route when the sources differ from their last commit.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# What a build reads: a change here that is not committed would be published unrecorded.
SOURCE_PATHS = ("content", "theme", "plugins", "nextsale", "pelicanconf.py", "publishconf.py")

# Folders whose every file can reach the site; caches of Python are not sources.
_PUBLISHED = ("content", "theme")
_BUILD_LITTER = re.compile(r"(^|/)__pycache__/|\.pyc$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


class PublishRefused(Exception):
    """A publish that must not run; the message says why and what to do."""


def is_remote(dest: str) -> bool:
    """Tell whether rsync reads `dest` as remote: `host:path`, `user@host:path`, `rsync://`.

    rsync's rule: a colon before any slash names a host; `./a:b` and `/a:b` are local.
    """
    if _URL.match(dest):
        return True
    colon, slash = dest.find(":"), dest.find("/")
    return colon > 0 and (slash == -1 or colon < slash)


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _remote(dest: str) -> str:
    """`dest` if it names a host and a folder there (never the home or root folder)."""
    if _URL.match(dest):
        return dest
    host, _, folder = dest.partition(":")
    if not host.rpartition("@")[2]:
        raise PublishRefused(f"publish --dest {dest!r} names no host: write host:path.")
    if folder.lstrip(":").strip("/~. ") == "":
        raise PublishRefused(
            f"publish --dest {dest!r} names no folder on the host, and rsync --delete "
            "would empty its home or root folder; write host:path/to/site."
        )
    return dest


def check_destination(dest: str, project: Path, cwd: Path | None = None) -> str:
    """Return `dest` if rsync may safely write there; raise PublishRefused otherwise."""
    if not dest.strip():
        raise PublishRefused("publish --dest is empty: give a folder or host:path to publish to.")
    if dest.startswith("-"):
        raise PublishRefused(
            f"publish --dest {dest!r} looks like an option: give a folder or host:path "
            f"(write ./{dest} for a folder of that name)."
        )
    if is_remote(dest):
        return _remote(dest)
    project = project.resolve()
    target = ((cwd or Path.cwd()) / Path(dest).expanduser()).resolve()
    if target == project:
        where = "is the project itself"
    elif _within(project, target):
        where = "contains the project"
    elif _within(target, project):
        where = "lies inside the project"
    else:
        if target.exists() and not target.is_dir():
            raise PublishRefused(
                f"publish --dest {dest}: {target} is a file, not a folder; choose a folder."
            )
        return str(target)
    raise PublishRefused(
        f"publish --dest {dest}: {target} {where} ({project}), and rsync --delete would "
        "delete the sources there; choose a folder outside the project."
    )


def default_destination(settings: Mapping[str, Any]) -> tuple[str, int]:
    """The `SSH_USER@SSH_HOST:SSH_TARGET_DIR` target and port from publish settings."""
    values = {key: settings.get(key) for key in ("SSH_USER", "SSH_HOST", "SSH_TARGET_DIR")}
    for key, value in values.items():
        text = str(value or "")
        if not text.strip() or text.startswith("-") or any(c in text for c in " \t\r\n"):
            raise PublishRefused(
                f"publishconf.py: {key} = {value!r} is not usable; set it, without spaces "
                "or a leading '-', or pass --dest."
            )
    if ":" in values["SSH_USER"] + values["SSH_HOST"] or "@" in values["SSH_HOST"]:
        raise PublishRefused("publishconf.py: SSH_USER and SSH_HOST must not contain ':' or '@'.")
    port = settings.get("SSH_PORT", 22)
    if isinstance(port, bool) or not str(port).isdigit() or not 0 < int(port) < 65536:
        raise PublishRefused(
            f"publishconf.py: SSH_PORT = {port!r} is not a port number; set 1-65535."
        )
    dest = f"{values['SSH_USER']}@{values['SSH_HOST']}:{values['SSH_TARGET_DIR']}"
    return _remote(dest), int(port)


def rsync_command(source: Path, dest: str, port: int | None = None) -> list[str]:
    """rsync the contents of `source` to `dest`; `--` ends the options, whatever the paths."""
    command = ["rsync", "--delete", "--checksum", "-rlvz"]
    if port is not None:
        command += ["-e", f"ssh -p {int(port)}"]
    return [*command, "--", f"{source}/", dest]


def _git(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, check=False
    )


def committed_revision(project: Path, paths: tuple[str, ...] = SOURCE_PATHS) -> str:
    """The commit whose sources a --github publish shows; refuse if they differ from it."""
    try:
        head = _git(project, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except OSError:
        raise PublishRefused("publish --github needs git, which is not installed.") from None
    if head.returncode != 0:
        raise PublishRefused(
            f"publish --github publishes committed sources only, and {project} has no commit "
            "(or is not a git repository); commit the sources first."
        )
    status = _git(project, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    dirty = {line[3:].strip('"') for line in status.stdout.splitlines() if line}
    # A file git ignores under content/ or theme/ would be built, yet recorded nowhere.
    ignored = _git(project, "status", "--porcelain", "--ignored=matching", "--", *_PUBLISHED)
    dirty |= {
        line[3:].strip('"')
        for line in ignored.stdout.splitlines()
        if line.startswith("!! ") and not _BUILD_LITTER.search(line)
    }
    dirty = sorted(dirty)
    if status.returncode != 0 or dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise PublishRefused(
            f"publish --github publishes committed sources only; uncommitted changes in "
            f"{shown or status.stderr.strip()}: commit or stash them first."
        )
    return head.stdout.strip()


def pages_branch(settings: Mapping[str, Any]) -> str:
    """GITHUB_PAGES_BRANCH, if git would take it as a branch name."""
    branch = str(settings.get("GITHUB_PAGES_BRANCH") or "")
    valid = branch and not branch.startswith("-")
    if valid:
        valid = _git(Path.cwd(), "check-ref-format", "--branch", branch).returncode == 0
    if not valid:
        raise PublishRefused(
            f"publishconf.py: GITHUB_PAGES_BRANCH = {branch!r} is not a branch name; "
            "set one such as 'gh-pages'."
        )
    return branch


def pages_repository(repo: Path) -> Path:
    """The git work tree that receives the GitHub Pages branch."""
    repo = repo.expanduser().resolve()
    inside = repo.is_dir() and _git(repo, "rev-parse", "--is-inside-work-tree").returncode == 0
    if not inside:
        raise PublishRefused(
            f"publish --repo {repo} is not a git repository; give the repository that "
            "receives the GitHub Pages branch."
        )
    return repo
