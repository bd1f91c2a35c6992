"""Run one build in a fresh process; print its wall and CPU time and peak memory as JSON.

CPU time counts this process and the workers it forked (user + system).

python bench/run_one.py ours|vanilla CORPUS OUTPUT [--cache DIR] [--without PLUGIN]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def vanilla_settings(corpus: Path, output: Path, cache: Path | None) -> dict:
    """Pelican's defaults (default theme, no plugins) with every feed switched on."""
    from pelican.settings import DEFAULT_CONFIG, configure_settings

    settings = dict(DEFAULT_CONFIG)
    settings.update(
        PATH=str(corpus),
        OUTPUT_PATH=str(output),
        ARTICLE_PATHS=["articles"],
        PAGE_PATHS=["pages"],
        STATIC_PATHS=["images"],
        # Our Subscribe page asks for our theme's template; the default theme has none.
        IGNORE_FILES=[".#*", "subscribe.md"],
        SITEURL="https://thenextsale.example",
        TIMEZONE="Europe/London",
        PLUGINS=[],  # None would load every installed namespace plugin
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
        CATEGORY_FEED_ATOM="feeds/{slug}.atom.xml",
        CATEGORY_FEED_RSS="feeds/{slug}.rss.xml",
        TAG_FEED_ATOM="feeds/tag/{slug}.atom.xml",
        TAG_FEED_RSS="feeds/tag/{slug}.rss.xml",
        CACHE_CONTENT=cache is not None,
        LOAD_CONTENT_CACHE=cache is not None,
        CACHE_PATH=str(cache or output.parent / "vanilla-cache"),
        DELETE_OUTPUT_DIRECTORY=True,
    )
    return configure_settings(settings)


def run(
    mode: str,
    corpus: Path,
    output: Path,
    cache: Path | None,
    without: list[str],
    selective: bool = True,
) -> dict:
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    cpu_before = time.process_time()
    warnings = 0
    if mode == "vanilla":
        from pelican import Pelican

        Pelican(vanilla_settings(corpus, output, cache)).run()
    else:
        from pelican.settings import read_settings

        from nextsale import build as sitebuild

        plugins = read_settings(str(ROOT / "publishconf.py"))["PLUGINS"]
        overrides = {
            "PLUGINS": [name for name in plugins if name not in without],
            "CACHE_CONTENT": cache is not None,
            "LOAD_CONTENT_CACHE": cache is not None,
            "CACHE_PATH": str(cache or output.parent / "ours-cache"),
            "FAST_OUTPUT_INCREMENTAL": selective,
        }
        result = sitebuild.build(
            ROOT / "publishconf.py", output, content=corpus, overrides=overrides
        )
        if not result.ok:
            raise SystemExit(f"build failed: {result.failed}\n" + "\n".join(result.problems[:20]))
        warnings = len(result.problems)
    seconds = time.perf_counter() - started
    cpu_seconds = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds - cpu_before,
        "peak_mb": peak_kb / 1024,
        "warnings": warnings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ours", "vanilla"])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--without", action="append", default=[])
    parser.add_argument(
        "--cache-only",
        action="store_true",
        help="incremental builds re-render everything (content cache only)",
    )
    args = parser.parse_args(argv)
    result = run(
        args.mode,
        args.corpus,
        args.output,
        args.cache,
        args.without,
        selective=not args.cache_only,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
