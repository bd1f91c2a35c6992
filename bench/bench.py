"""Benchmark our build against vanilla Pelican on the same generated corpus.

    python bench/bench.py [--sizes 1000 5000] [--repeats 3] [--plugin-costs]
                          [--profile] [--results bench/RESULTS.md]

Builds alternate A (ours: theme, every plugin, feeds, newsletter) and B (vanilla
Pelican, default theme, site/category/tag feeds in RSS and Atom) so that noise
hits both; medians and the pair-by-pair A/B ratios are printed. Each build runs
in its own process (bench/run_one.py), which also reports its peak memory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from bs4 import BeautifulSoup

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

import corpus as corpus_module  # noqa: E402 - bench/ is first on sys.path as a script

PLUGINS_TO_COST = ("reading", "content_checks", "taxonomy", "feeds", "newsletter")


def run_build(mode: str, corpus: Path, output: Path, *extra: str) -> dict:
    done = subprocess.run(
        [
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
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} build failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_pairs(corpus: Path, work: Path, repeats: int) -> dict:
    ours, vanilla = [], []
    for _ in range(repeats):
        ours.append(run_build("ours", corpus, work / "ours"))
        vanilla.append(run_build("vanilla", corpus, work / "vanilla"))
    return {"ours": ours, "vanilla": vanilla}


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


def profile(corpus: Path, work: Path) -> str:
    target = work / "profile.txt"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pyinstrument",
            "-o",
            str(target),
            str(HERE / "run_one.py"),
            "ours",
            str(corpus),
            str(work / "profiled"),
        ],
        check=True,
        capture_output=True,
    )
    return target.read_text(encoding="utf-8")


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


def markdown_report(
    sizes: dict, weights: list[dict], letters: list[dict], prof: str | None, scaling: str
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Date: {date.today().isoformat()} · Python {platform.python_version()} · "
        f"{versions()} · {os.cpu_count()} cores ({platform.machine()})",
        "",
        "Command: `invoke bench` (`python bench/bench.py`). A = our full build (theme, every "
        "plugin, feeds, newsletter); B = vanilla Pelican, default theme, site/category/tag "
        "feeds in RSS and Atom, on the same generated corpus. Builds alternate A/B/A/B; "
        "figures are medians, A/B is the median of the pair-by-pair ratios. Incremental: "
        "warm content cache, one article's body edited, rebuilt (cache only: everything "
        "re-rendered; changed pages only: the engine's incremental mode, as in "
        "`invoke build` and `invoke livereload`).",
        "",
        "| articles | A wall s | B wall s | A ms/article | B ms/article | A/B (pairs) | "
        "A peak MB | B peak MB | incremental / full: cache only | incremental / full: "
        "changed pages only |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for count, row in sizes.items():
        lines.append(
            f"| {count} | {row['a']:.2f} | {row['b']:.2f} | {row['a_ms']:.2f} | "
            f"{row['b_ms']:.2f} | {row['ratio']:.2f} "
            f"({', '.join(f'{r:.2f}' for r in row['ratios'])}) | "
            f"{row['a_peak']:.0f} | {row['b_peak']:.0f} | "
            + (
                f"{row['cache_only']:.2f} | {row['incremental']:.2f}"
                if row.get("incremental")
                else "– | –"
            )
            + " |"
        )
    plugin_rows = [(count, row["plugins"]) for count, row in sizes.items() if row.get("plugins")]
    if plugin_rows:
        lines += [
            "",
            "Share of the full build each plugin costs (build time without it):",
            "",
        ]
        lines += [
            "| articles | " + " | ".join(PLUGINS_TO_COST) + " |",
            "|---|" + "---|" * len(PLUGINS_TO_COST),
        ]
        for count, shares in plugin_rows:
            lines.append(
                f"| {count} | "
                + " | ".join(f"{shares.get(name, 0) * 100:.1f}%" for name in PLUGINS_TO_COST)
                + " |"
            )
    lines += [
        "",
        "## Page weight (sample site, publish build)",
        "",
        "| page | file | HTML B | CSS B | gzip(HTML+CSS) B | JS B | requests |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in weights:
        lines.append(
            f"| {row['page']} | `{row['file']}` | {row['html']} | {row['css']} | "
            f"{row['gzip']} | {row['js']} | {row['requests']} |"
        )
    if letters:
        lines += [
            "",
            "## Newsletter issues",
            "",
            "| issue | HTML after inlining B | text B | .eml B |",
            "|---|---|---|---|",
        ]
        for row in letters:
            lines.append(f"| {row['issue']} | {row['html']} | {row['text']} | {row['eml']} |")
    lines += [
        "",
        "## Taxonomy plugin scaling (`PYTHONPATH=plugins python bench/taxonomy_bench.py`)",
        "",
        "Its real handlers (normalisation, inverted index, guidance, related reading) on "
        "generated articles, without reading or writing:",
        "",
        "```",
        scaling.strip(),
        "```",
    ]
    if prof:
        lines += [
            "",
            "## Profile of our build (pyinstrument)",
            "",
            "```",
            prof.strip(),
            "```",
        ]
    return "\n".join(lines) + "\n"


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
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile our build at --profile-size articles",
    )
    parser.add_argument("--profile-size", type=int, default=1000)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp dir)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="nextsale-bench-"))
    sizes = {}
    prof = None
    for count in args.sizes:
        corpus = corpus_module.generate(work / f"corpus-{count}", count)
        total = len(list((corpus / "articles").rglob("*.md")))
        pairs = time_pairs(corpus, work, args.repeats)
        a = [r["seconds"] for r in pairs["ours"]]
        b = [r["seconds"] for r in pairs["vanilla"]]
        row = {
            "a": statistics.median(a),
            "b": statistics.median(b),
            "ratios": [x / y for x, y in zip(a, b, strict=True)],
            "a_peak": max(r["peak_mb"] for r in pairs["ours"]),
            "b_peak": max(r["peak_mb"] for r in pairs["vanilla"]),
        }
        row["ratio"] = statistics.median(row["ratios"])
        row["a_ms"] = row["a"] * 1000 / total
        row["b_ms"] = row["b"] * 1000 / total
        if not args.no_incremental:
            row["cache_only"] = (
                statistics.median(time_incremental(corpus, work, args.repeats, "--cache-only"))
                / row["a"]
            )
            row["incremental"] = (
                statistics.median(time_incremental(corpus, work, args.repeats)) / row["a"]
            )
        if args.plugin_costs and (not args.plugin_cost_sizes or count in args.plugin_cost_sizes):
            row["plugins"] = time_without_plugins(corpus, work, args.repeats)
        if args.profile and count == args.profile_size:
            prof = profile(corpus, work)
        sizes[count] = row
        print(
            f"{count} articles: ours {row['a']:.2f} s ({row['a_ms']:.2f} ms/article, "
            f"{row['a_peak']:.0f} MB), vanilla {row['b']:.2f} s ({row['b_ms']:.2f} ms/article, "
            f"{row['b_peak']:.0f} MB), A/B {row['ratio']:.2f}"
            + (
                f", incremental/full {row['cache_only']:.2f} (cache only), "
                f"{row['incremental']:.2f} (changed pages only)"
                if "incremental" in row
                else ""
            ),
            flush=True,
        )
    site = build_sample(work)
    weights, letters = page_weight(site), newsletter_weight(site)
    report = markdown_report(sizes, weights, letters, prof, taxonomy_scaling())
    print(report)
    args.results.write_text(report, encoding="utf-8")
    print(f"Wrote {args.results}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
