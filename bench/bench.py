"""Benchmark our build against vanilla Pelican (and Hugo) on the same generated corpus.

    python bench/bench.py [--sizes 1000 5000] [--repeats 3] [--plugin-costs]
                          [--one-core] [--edit-loop [--edit-loop-sizes 1000 10000]]
                          [--profile] [--no-hugo] [--results bench/RESULTS.md]

Builds alternate A (ours: theme, every plugin, feeds, newsletter), B (vanilla
Pelican, default theme, site/category/tag feeds in RSS and Atom) and, when
`hugo` is installed, Hugo on the same posts (bench/hugo.py), so that noise hits
all; medians and the pair-by-pair ratios are printed. Each build runs in its
own process (bench/run_one.py), which also reports its peak memory. --one-core
pins A and B to one CPU; --edit-loop times saving a post until the site is
rebuilt, in one long-lived process as `invoke livereload` (bench/editloop.py).
The run's tables go into --results between two marks (the last run's are replaced);
the rest of that file, the team's notes on each round, is kept as it is.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bs4 import BeautifulSoup

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# bench/ is first on sys.path when run as a script
import corpus as corpus_module  # noqa: E402
import hugo  # noqa: E402
from report import PLUGINS_TO_COST, markdown_report, merged  # noqa: E402

from nextsale.watch import QUIET_SECONDS  # noqa: E402

ONE_CORE = ("taskset", "-c", "0")

# The builds import this tree's code, even where the environment has another copy of
# the project installed (an editable install of another clone would be measured).
THIS_TREE = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}


def run_build(mode: str, corpus: Path, output: Path, *extra: str, pin: bool = False) -> dict:
    done = subprocess.run(
        [
            *(ONE_CORE if pin else ()),
            sys.executable,
            str(HERE / "run_one.py"),
            mode,
            str(corpus),
            str(output),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        env=THIS_TREE,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} build failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_pairs(corpus: Path, work: Path, repeats: int, hugo_site: Path | None = None) -> dict:
    """Alternate ours, vanilla Pelican (and Hugo, given its site) `repeats` times."""
    ours, vanilla, hugos = [], [], []
    for _ in range(repeats):
        ours.append(run_build("ours", corpus, work / "ours"))
        vanilla.append(run_build("vanilla", corpus, work / "vanilla"))
        if hugo_site:
            hugos.append(hugo.build(hugo_site, work / "hugo-output"))
    return {"ours": ours, "vanilla": vanilla, "hugo": hugos}


def time_one_core(corpus: Path, work: Path, repeats: int) -> dict:
    """Ours and vanilla Pelican alternating, each pinned to one CPU."""
    ours, vanilla = [], []
    for _ in range(repeats):
        ours.append(run_build("ours", corpus, work / "ours", pin=True))
        vanilla.append(run_build("vanilla", corpus, work / "vanilla", pin=True))
    return _compare(ours, vanilla)


def _compare(ours: list[dict], vanilla: list[dict]) -> dict:
    """Medians and pair-by-pair ratios of wall and CPU time."""
    pairs = list(zip(ours, vanilla, strict=True))
    return {
        "a": statistics.median(r["seconds"] for r in ours),
        "b": statistics.median(r["seconds"] for r in vanilla),
        "ratios": [x["seconds"] / y["seconds"] for x, y in pairs],
        "a_cpu": statistics.median(r["cpu_seconds"] for r in ours),
        "b_cpu": statistics.median(r["cpu_seconds"] for r in vanilla),
        "cpu_ratios": [x["cpu_seconds"] / y["cpu_seconds"] for x, y in pairs],
    }


def run_edit_loop(
    count: int, work: Path, edits: int, profile_edit: Path | None = None
) -> dict[str, list[dict]]:
    """The edit loop (bench/editloop.py) in a process of its own, on a fresh corpus."""
    corpus = corpus_module.generate(work / f"editloop-corpus-{count}", count)
    scratch = work / f"editloop-{count}"
    shutil.rmtree(scratch, ignore_errors=True)
    extra = ["--profile-edit", str(profile_edit)] if profile_edit else ["--watcher"]
    command = [sys.executable, str(HERE / "editloop.py"), str(corpus), str(scratch)]
    done = subprocess.run(
        [*command, "--edits", str(edits), *extra],
        capture_output=True,
        text=True,
        check=False,
        env=THIS_TREE,
    )
    if done.returncode != 0:
        raise SystemExit(f"edit loop failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_incremental(corpus: Path, work: Path, repeats: int, *extra: str) -> list[float]:
    """Warm the content cache, edit one article, time the rebuild."""
    cache = work / "incremental-cache"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(work / "incremental", ignore_errors=True)
    run_build("ours", corpus, work / "incremental", "--cache", str(cache), *extra)
    victim = sorted((corpus / "articles" / "generated").glob("*.md"))[-1]
    original = victim.read_text(encoding="utf-8")
    times = []
    try:
        for attempt in range(repeats):
            victim.write_text(
                original + f"\nOne more edited sentence, edit {attempt}.\n",
                encoding="utf-8",
            )
            result = run_build("ours", corpus, work / "incremental", "--cache", str(cache), *extra)
            times.append(result["seconds"])
    finally:
        victim.write_text(original, encoding="utf-8")
    return times


def time_without_plugins(corpus: Path, work: Path, repeats: int) -> dict[str, float]:
    """Share of the full build each plugin costs, from alternating with/without pairs.

    A single difference of two builds is as noisy as the plugin is cheap, so each
    plugin gets `repeats` pairs, built back to back, and the median share.
    """
    shares = {}
    for name in PLUGINS_TO_COST:
        pair_shares = []
        for _ in range(repeats):
            full = run_build("ours", corpus, work / "with-all")["seconds"]
            without = run_build("ours", corpus, work / f"without-{name}", "--without", name)
            pair_shares.append((full - without["seconds"]) / full)
        shares[name] = statistics.median(pair_shares)
    return shares


def profile(corpus: Path, work: Path, count: int) -> dict[str, tuple[str, str]]:
    """pyinstrument profiles of the full build and of one body edit's rebuild."""
    full, edit = work / "full.pyisession", work / "edit.pyisession"
    command = [sys.executable, "-m", "pyinstrument", "-o", str(full)]
    command += [str(HERE / "run_one.py"), "ours", str(corpus), str(work / "profiled")]
    subprocess.run(command, check=True, capture_output=True, env=THIS_TREE)
    run_edit_loop(count, work, 1, profile_edit=edit)
    return {
        f"full build, {count} articles (publish settings)": _render_profile(full),
        f"rebuild after one body edit, {count} articles (`invoke livereload`)": (
            _render_profile(edit)
        ),
    }


def _render_profile(session_file: Path, top: int = 25) -> tuple[str, str]:
    from pyinstrument.renderers import ConsoleRenderer
    from pyinstrument.session import Session

    session = Session.load(str(session_file))
    flat = ConsoleRenderer(unicode=True, flat=True).render(session)
    flat = "\n".join(flat.splitlines()[: 7 + top])
    tree = ConsoleRenderer(unicode=True, processor_options={"filter_threshold": 0.02}).render(
        session
    )
    return flat, tree


def taxonomy_scaling() -> str:
    """The taxonomy plugin's own handlers at 1,000 and 10,000 articles (linear?)."""
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "taxonomy_bench.py"),
            "--sizes",
            "1000",
            "10000",
        ],
        capture_output=True,
        text=True,
        check=True,
        # The plugin is imported the way Pelican loads it: from its PLUGIN_PATHS folder.
        env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")},
    )
    return done.stdout


def page_weight(site: Path) -> list[dict]:
    """What a browser fetches for a few typical pages of the built sample site."""
    pages = {"index": site / "index.html", "tags index": site / "tags" / "index.html"}
    articles = sorted(p for p in site.glob("[12][0-9][0-9][0-9]/*/index.html"))
    tags = sorted(p for p in (site / "tags").glob("*/index.html"))
    if articles:
        pages["article"] = articles[0]
    if tags:
        pages["tag page"] = tags[0]
    rows = []
    for name, page in pages.items():
        html = page.read_bytes()
        soup = BeautifulSoup(html, "html.parser")
        css = b""
        requests = 1
        for link in soup.find_all("link", rel="stylesheet"):
            requests += 1
            css += _local(site, page, link["href"]).read_bytes()
        js = 0
        for script in soup.find_all("script"):
            if script.get("src"):
                requests += 1
                js += _local(site, page, script["src"]).stat().st_size
            elif script.get("type") != "application/ld+json":
                js += len(script.encode_contents())
        requests += len(soup.find_all("img"))
        rows.append(
            {
                "page": name,
                "file": str(page.relative_to(site)),
                "html": len(html),
                "css": len(css),
                "gzip": len(gzip.compress(html + css, 6, mtime=0)),
                "js": js,
                "requests": requests,
            }
        )
    return rows


def _local(site: Path, page: Path, url: str) -> Path:
    url = url.split("?", maxsplit=1)[0].split("#", maxsplit=1)[0]
    for prefix in ("https://thenextsale.example", "http://thenextsale.example"):
        if url.startswith(prefix):
            return site / url[len(prefix) :].lstrip("/")
    if url.startswith("/"):
        return site / url.lstrip("/")
    return (page.parent / url).resolve()


def newsletter_weight(site: Path) -> list[dict]:
    rows = []
    for issue in sorted((site / "newsletter").glob("*/issue.eml")):
        folder = issue.parent
        rows.append(
            {
                "issue": folder.name,
                "html": (folder / "email.html").stat().st_size,
                "text": (folder / "email.txt").stat().st_size,
                "eml": issue.stat().st_size,
            }
        )
    return rows


def build_sample(work: Path) -> Path:
    from nextsale import build as sitebuild

    site = work / "sample-site"
    result = sitebuild.build(ROOT / "publishconf.py", site, strict=False)
    if not result.ok:
        raise SystemExit(f"sample build failed: {result.failed}")
    return site


def versions() -> str:
    from importlib.metadata import version

    names = ("pelican", "Markdown", "feedgen", "Jinja2", "css-inline")
    return ", ".join(f"{name} {version(name)}" for name in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plugin-costs", action="store_true")
    parser.add_argument(
        "--plugin-cost-sizes",
        type=int,
        nargs="*",
        help="sizes at which to cost plugins (default: every size)",
    )
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo even if installed")
    parser.add_argument("--one-core", action="store_true", help="also A/B on one CPU")
    parser.add_argument("--one-core-sizes", type=int, nargs="*", help="default: --sizes")
    parser.add_argument("--edit-loop", action="store_true", help="time the livereload loop")
    parser.add_argument("--edit-loop-sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--edits", type=int, default=3, help="edit-loop edits of each kind")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile our build and one edit's rebuild at --profile-size articles",
    )
    parser.add_argument("--profile-size", type=int, default=1000)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp dir)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="nextsale-bench-"))
    use_hugo = hugo.available() and not args.no_hugo
    extra: dict = {"one_core": {}, "edit_loop": {}, "quiet": QUIET_SECONDS}
    if use_hugo:
        extra["hugo_version"] = hugo.version()
    else:
        extra["hugo_note"] = (
            "Not measured: `hugo` is not on PATH (Debian: `apt-get install hugo`)."
            if not args.no_hugo
            else "Not measured (`--no-hugo`)."
        )
    sizes = {}
    for count in sorted(set(args.sizes) | set(args.one_core_sizes or [])):
        corpus = corpus_module.generate(work / f"corpus-{count}", count)
        if count in args.sizes:
            site = hugo.write_site(corpus, work / "hugo-site") if use_hugo else None
            sizes[count] = measure_size(corpus, work, count, args, site)
        if args.one_core and count in (args.one_core_sizes or args.sizes):
            extra["one_core"][count] = time_one_core(corpus, work, args.repeats)
            ratios = extra["one_core"][count]
            print(f"{count} articles, one core: A/B {ratios['ratios']}, CPU {ratios['cpu_ratios']}")
        if args.profile and count == args.profile_size:
            extra["profiles"] = profile(corpus, work, count)
    if args.edit_loop:
        for count in args.edit_loop_sizes:
            extra["edit_loop"][count] = run_edit_loop(count, work, args.edits)
            print(f"{count} articles, edit loop: {extra['edit_loop'][count]}", flush=True)
    site = build_sample(work)
    weights, letters = page_weight(site), newsletter_weight(site)
    report = markdown_report(sizes, weights, letters, taxonomy_scaling(), versions(), extra)
    print(report)
    existing = args.results.read_text(encoding="utf-8") if args.results.exists() else None
    args.results.write_text(merged(existing, report), encoding="utf-8")
    print(f"Wrote this run into {args.results} (the rest of it is kept)")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def measure_size(
    corpus: Path, work: Path, count: int, args: argparse.Namespace, hugo_site: Path | None
) -> dict:
    """Full builds A/B (and Hugo), incremental rebuilds and plugin costs at one size."""
    total = len(list((corpus / "articles").rglob("*.md")))
    pairs = time_pairs(corpus, work, args.repeats, hugo_site)
    row = {
        **_compare(pairs["ours"], pairs["vanilla"]),
        "a_peak": max(r["peak_mb"] for r in pairs["ours"]),
        "b_peak": max(r["peak_mb"] for r in pairs["vanilla"]),
        "ours_runs": pairs["ours"],
        "hugo": pairs["hugo"],
    }
    row["ratio"] = statistics.median(row["ratios"])
    row["a_ms"] = row["a"] * 1000 / total
    row["b_ms"] = row["b"] * 1000 / total
    if not args.no_incremental:
        cache_only = time_incremental(corpus, work, args.repeats, "--cache-only")
        row["cache_only"] = statistics.median(cache_only) / row["a"]
        row["incremental"] = (
            statistics.median(time_incremental(corpus, work, args.repeats)) / row["a"]
        )
    if args.plugin_costs and (not args.plugin_cost_sizes or count in args.plugin_cost_sizes):
        row["plugins"] = time_without_plugins(corpus, work, args.repeats)
    print(
        f"{count} articles: ours {row['a']:.2f} s ({row['a_ms']:.2f} ms/article, "
        f"{row['a_peak']:.0f} MB), vanilla {row['b']:.2f} s ({row['b_ms']:.2f} ms/article, "
        f"{row['b_peak']:.0f} MB), A/B {row['ratio']:.2f}, CPU A/B "
        f"{statistics.median(row['cpu_ratios']):.2f}"
        + (
            f", Hugo {statistics.median(h['seconds'] for h in row['hugo']):.2f} s"
            if row["hugo"]
            else ""
        )
        + (
            f", incremental/full {row['cache_only']:.2f} (cache only), "
            f"{row['incremental']:.2f} (changed pages only)"
            if "incremental" in row
            else ""
        ),
        flush=True,
    )
    return row


if __name__ == "__main__":
    sys.exit(main())
