"""Shared fixtures: build real sites into temporary folders and read them."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pelican import Pelican
from pelican.settings import read_settings

from nextsale import build as sitebuild

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Site:
    """A built site: its content folder, output folder and what the build logged."""

    content: Path
    output: Path
    settings: dict
    records: list[logging.LogRecord] = field(default_factory=list)

    def path(self, rel: str) -> Path:
        return self.output / rel

    def text(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def soup(self, rel: str) -> BeautifulSoup:
        return BeautifulSoup(self.text(rel), "html.parser")

    def files(self) -> list[Path]:
        return sorted(p for p in self.output.rglob("*") if p.is_file())

    def messages(self, level: int = logging.WARNING, *, source: tuple[str, ...] = ()) -> list[str]:
        """Messages at `level` or above, only from loggers starting with `source` if given."""
        return [
            r.getMessage()
            for r in self.records
            if r.levelno >= level and (not source or r.name.startswith(source))
        ]

    def one_message(self, needle: str, *, source: tuple[str, ...] = ()) -> str:
        """The single warning holding `needle` (failing with all of them otherwise)."""
        logged = self.messages(source=source)
        found = [m for m in logged if needle in m]
        assert len(found) == 1, logged
        return found[0]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def make_settings(content: Path, output: Path, publish: bool, overrides: dict) -> dict:
    """Read the project's own settings, pointed at a temporary site."""
    conf = ROOT / ("publishconf.py" if publish else "pelicanconf.py")
    base = {
        "PATH": str(content),
        "OUTPUT_PATH": str(output),
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins")],
        "CACHE_PATH": str(output.parent / "cache"),
        "LOAD_CONTENT_CACHE": False,
        "CACHE_CONTENT": False,
    }
    base.update(overrides)
    return read_settings(str(conf), override=base)


def write_files(content: Path, files: dict[str, str | bytes]) -> None:
    for rel, body in files.items():
        target = content / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            target.write_bytes(body)
        else:
            target.write_text(body, encoding="utf-8")


def _pelican_signals() -> list:
    from blinker import Signal
    from pelican.plugins import signals

    return [value for value in vars(signals).values() if isinstance(value, Signal)]


def _disconnect_new_receivers(before: dict) -> None:
    """Plugins connect to process-wide signals; one build's must not hear the next."""
    import weakref

    for signal, known in before.items():
        for key in set(signal.receivers) - known:
            receiver = signal.receivers.get(key)
            if isinstance(receiver, weakref.ref):
                receiver = receiver()
            if receiver is not None:
                signal.disconnect(receiver)


@contextlib.contextmanager
def build_logs(handler: logging.Handler, level: int):
    """Around one in-process build: `handler` hears its log from `level` up, and the
    plugins it registers are disconnected afterwards."""
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(level)
    before = {signal: set(signal.receivers) for signal in _pelican_signals()}
    sitebuild.reset_log_dedup()
    try:
        yield handler
    finally:
        _disconnect_new_receivers(before)
        root.removeHandler(handler)
        root.setLevel(old_level)


def run_pelican(settings: dict) -> list[logging.LogRecord]:
    """Run one in-process build and return every log record it emitted."""
    with build_logs(_Collect(), logging.DEBUG) as handler:
        Pelican(settings).run()
    return handler.records


@pytest.fixture
def build_site(tmp_path):
    """Build `files` (paths relative to content/) into a fresh output folder.

    `publish=True` starts from publishconf.py instead of pelicanconf.py; other
    keyword arguments override settings.
    """
    counter = 0

    def build(files: dict[str, str | bytes], *, publish: bool = False, **overrides) -> Site:
        nonlocal counter
        counter += 1
        root = tmp_path / f"site{counter}"
        content, output = root / "content", root / "output"
        content.mkdir(parents=True)
        write_files(content, files)
        settings = make_settings(content, output, publish, overrides)
        records = run_pelican(settings)
        return Site(content, output, settings, records)

    return build


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Site:
    """The project's own sample content, built once with development settings."""
    root = tmp_path_factory.mktemp("sample")
    content, output = root / "content", root / "output"
    shutil.copytree(ROOT / "content", content)
    settings = make_settings(content, output, False, {})
    records = run_pelican(settings)
    return Site(content, output, settings, records)


@pytest.fixture(scope="session")
def published_sample_site(tmp_path_factory) -> Site:
    """The project's own sample content, built once with publish settings."""
    root = tmp_path_factory.mktemp("published")
    content, output = root / "content", root / "output"
    shutil.copytree(ROOT / "content", content)
    settings = make_settings(content, output, True, {})
    records = run_pelican(settings)
    return Site(content, output, settings, records)


CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, headless, with nothing that would reach outside 127.0.0.1.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def tree_differences(left: Path, right: Path) -> list[str]:
    """Paths that exist on one side only or whose bytes differ (empty: identical trees)."""
    import filecmp

    found: list[str] = []

    def walk(cmp: filecmp.dircmp, prefix: str = "") -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right))
    return sorted(found)


def article(title: str, body: str = "A short paragraph about repeat business.", **meta) -> str:
    """Return a Markdown article with front matter; keyword names become keys."""
    meta.setdefault("date", "2024-03-01 09:00")
    meta.setdefault("category", "Retention")
    lines = [f"Title: {title}"]
    lines += [f"{key.replace('_', '-').title()}: {value}" for key, value in meta.items()]
    return "\n".join(lines) + "\n\n" + body + "\n"


def run_sitebuild(content: Path, output: Path, *, publish: bool = False, cwd: Path = ROOT):
    """Run the strict build driver as a user would; return the CompletedProcess."""
    import subprocess

    args = [sys.executable, "-m", "nextsale.build", "--content", str(content)]
    args += ["--output", str(output)] + (["--publish"] if publish else [])
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throw-away copy of the project, for tasks that write next to the sources."""
    target = tmp_path / "project"
    ignore = shutil.ignore_patterns(
        ".venv", "node_modules", "output", "cache", ".git", "__pycache__", "artifacts"
    )
    shutil.copytree(ROOT, target, ignore=ignore)
    if (ROOT / "node_modules").exists():  # the validators, installed once
        (target / "node_modules").symlink_to(ROOT / "node_modules")
    return target


# The live-session tests' site (tests/edited_site.py imports from this module).
from edited_site import edited_project  # noqa: E402, F401
