"""Build the site safely: into a temporary folder, swapped into place on success.

Pelican alone writes straight into the output folder and stops with a traceback
on the first problem in `--fatal` mode. This driver instead collects every
warning and error of the build, prints them plainly, and only replaces the
previous good output when the build succeeded (and, with --strict, logged no
warning at all). `invoke build`, `preview`, `publish` and `livereload` all go
through it. Where it writes, and how the result takes the last output's place
(swapped in whole, or, for a build that rendered only the pages an edit changed,
moved in file by file), is `nextsale/placing.py`.

    python -m nextsale.build [--publish] [--strict] [--content DIR] [--output DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from nextsale import compat, placing
from nextsale.site import PROJECT_ROOT as ROOT

log = logging.getLogger(__name__)


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
    placing.clean_leftovers(output)
    staging = placing.staging_folder(output, kept_staging)
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

    if result.ok:
        placing.put_in_place(staging, output, kept_staging, Path(settings["CACHE_PATH"]))
    else:
        shutil.rmtree(staging, ignore_errors=True)
    return result


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
