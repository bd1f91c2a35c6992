"""Write the benchmark's figures into bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import statistics
from datetime import date

PLUGINS_TO_COST = ("reading", "content_checks", "taxonomy", "feeds", "newsletter")
EDIT_KINDS = {
    "body": "body text",
    "title": "title",
    "date": "date",
    "tags": "tags",
    "new": "new article",
    "delete": "deleted article",
    "publish": "draft → published",
}


def _pairs(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)})"


def main_table(sizes: dict) -> list[str]:
    lines = [
        "| articles | A wall s | B wall s | A ms/article | B ms/article | A/B (pairs) | "
        "A/B CPU (pairs) | A peak MB | B peak MB | incremental / full: cache only | "
        "incremental / full: changed pages only |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for count, row in sizes.items():
        lines.append(
            f"| {count} | {row['a']:.2f} | {row['b']:.2f} | {row['a_ms']:.2f} | "
            f"{row['b_ms']:.2f} | {_pairs(row['ratios'])} | {_pairs(row['cpu_ratios'])} | "
            f"{row['a_peak']:.0f} | {row['b_peak']:.0f} | "
            + (
                f"{row['cache_only']:.2f} | {row['incremental']:.2f}"
                if row.get("incremental")
                else "– | –"
            )
            + " |"
        )
    return lines


def plugin_table(sizes: dict) -> list[str]:
    rows = [(count, row["plugins"]) for count, row in sizes.items() if row.get("plugins")]
    if not rows:
        return []
    lines = ["", "Share of the full build each plugin costs (build time without it):", ""]
    lines += [
        "| articles | " + " | ".join(PLUGINS_TO_COST) + " |",
        "|---|" + "---|" * len(PLUGINS_TO_COST),
    ]
    for count, shares in rows:
        cells = " | ".join(f"{shares.get(name, 0) * 100:.1f}%" for name in PLUGINS_TO_COST)
        lines.append(f"| {count} | {cells} |")
    return lines


def one_core_table(runs: dict) -> list[str]:
    if not runs:
        return []
    lines = [
        "",
        "### One core (`invoke bench --one-core`)",
        "",
        "Both builds pinned to one CPU with `taskset -c 0`, alternating A/B as above. CPU: "
        "user + system time of the build and the workers it forks, which other load on "
        "the machine disturbs less than wall time.",
        "",
        "| articles | A wall s | B wall s | A/B (pairs) | A CPU s | B CPU s | A/B CPU (pairs) |",
        "|---|---|---|---|---|---|---|",
    ]
    for count, row in runs.items():
        lines.append(
            f"| {count} | {row['a']:.2f} | {row['b']:.2f} | {_pairs(row['ratios'])} | "
            f"{row['a_cpu']:.2f} | {row['b_cpu']:.2f} | {_pairs(row['cpu_ratios'])} |"
        )
    return lines


def hugo_table(sizes: dict, hugo_version: str | None, note: str) -> list[str]:
    lines = ["", "### Against Hugo", ""]
    rows = [(count, row) for count, row in sizes.items() if row.get("hugo")]
    if not rows:
        return [*lines, note]
    lines += [
        f"Hugo {hugo_version} (Debian's package), `hugo --quiet` on the same generated posts "
        "written as a Hugo site (`bench/hugo.py`: YAML front matter, a page per post, "
        "paginated home, tag, category and author listings, Hugo's built-in RSS and sitemap, "
        "`ref` links, no theme), alternating with our full build (A). Hugo's time includes "
        "starting its process; ours starts timing after the interpreter. Hugo does none of "
        "our sanitising, taxonomy, related reading, guidance, JSON/Atom feeds or newsletter.",
        "",
        "| articles | A wall s | Hugo wall s | A/Hugo (pairs) | A CPU s | Hugo CPU s | "
        "A/Hugo CPU (pairs) |",
        "|---|---|---|---|---|---|---|",
    ]
    for count, row in rows:
        pairs = list(zip(row["ours_runs"], row["hugo"], strict=True))
        wall = [a["seconds"] / h["seconds"] for a, h in pairs]
        cpu = [a["cpu_seconds"] / h["cpu_seconds"] for a, h in pairs]
        lines.append(
            f"| {count} | {row['a']:.2f} | "
            f"{statistics.median(h['seconds'] for h in row['hugo']):.2f} | {_pairs(wall)} | "
            f"{row['a_cpu']:.2f} | "
            f"{statistics.median(h['cpu_seconds'] for h in row['hugo']):.2f} | {_pairs(cpu)} |"
        )
    return lines


def edit_loop_table(loops: dict, quiet: float) -> list[str]:
    if not loops:
        return []
    lines = [
        "",
        "### Edit loop (`invoke bench --edit-loop`)",
        "",
        "One long-lived process, as `invoke livereload`: the corpus (with a few posts made "
        "drafts) is built once with the development settings, then edits of every kind are "
        "applied in turn, each followed by the rebuild `invoke livereload` runs "
        "(`nextsale.live.LiveSite.rebuild`; `bench/editloop.py`). *Rebuild*: from the file "
        "write to that call returning, when every affected page is on disk. "
        "*Through the watcher*: from the file write, through the watcher `invoke livereload` "
        "uses (`nextsale.watch.EventWatcher`: the system's file events, then a quiet "
        f"{quiet * 1000:.0f} ms for the burst of an editor's save to settle), to the same "
        "point; the browser's reload message follows. *Page "
        "changed*: the edited post's page (or its absence) read back says what the edit "
        "wrote. *Rebuild CPU*: user + system time of the rebuild, its forked workers "
        "included. Seconds: median / worst.",
        "",
        "| articles | edit | edits | rebuild s | through the watcher s | rebuild CPU s | "
        "page changed |",
        "|---|---|---|---|---|---|---|",
    ]
    for count, kinds in loops.items():
        every = []
        for kind, label in EDIT_KINDS.items():
            runs = kinds[kind]
            every += runs
            lines.append(f"| {count} | {label} | {_edit_cells(runs)} |")
        lines.append(f"| {count} | **every kind** | {_edit_cells(every)} |")
    return lines


def _edit_cells(runs: list[dict]) -> str:
    cells = [str(len(runs))]
    for key in ("rebuild_seconds", "seconds", "rebuild_cpu_seconds"):
        times = [r[key] for r in runs]
        cells.append(f"{statistics.median(times):.2f} / {max(times):.2f}")
    cells.append(f"{sum(r['changed'] for r in runs)}/{len(runs)}")
    return " | ".join(cells)


def profile_section(profiles: dict[str, tuple[str, str]]) -> list[str]:
    lines = []
    for title, (flat, tree) in profiles.items():
        lines += [
            "",
            f"### Profile: {title} (pyinstrument)",
            "",
            "Where the time went, by the time spent in each function itself (the main "
            "process only; forked workers are not sampled):",
            "",
            "```",
            flat.strip(),
            "```",
            "",
            "The same as a call tree (calls over 2% of the time):",
            "",
            "```",
            tree.strip(),
            "```",
        ]
    return lines


def markdown_report(
    sizes: dict,
    weights: list[dict],
    letters: list[dict],
    scaling: str,
    versions: str,
    extra: dict,
) -> str:
    """This run's part of RESULTS.md (see `merged`); `extra` holds one_core, hugo,
    edit_loop and profiles."""
    lines = [
        "## Latest `invoke bench` run",
        "",
        f"Date: {date.today().isoformat()} · Python {platform.python_version()} · "
        f"{versions} · {os.cpu_count()} cores ({platform.machine()})",
        "",
        "Command: `invoke bench` (`python bench/bench.py`). A = our full build (theme, every "
        "plugin, feeds, newsletter); B = vanilla Pelican, default theme, site/category/tag "
        "feeds in RSS and Atom, on the same generated corpus. Builds alternate A/B/A/B; "
        "figures are medians, A/B is the median of the pair-by-pair ratios; CPU is the user "
        "+ system time of a build and the workers it forks (the machine is shared, and CPU "
        "time is disturbed less by other load than wall time). Incremental: "
        "a fresh process with a warm content cache, one article's body edited, rebuilt "
        "(cache only: everything re-rendered; changed pages only: the engine's incremental "
        "mode, as in `invoke build` and `invoke livereload`).",
        "",
        *main_table(sizes),
        *plugin_table(sizes),
        *one_core_table(extra.get("one_core", {})),
        *hugo_table(sizes, extra.get("hugo_version"), extra.get("hugo_note", "")),
        *edit_loop_table(extra.get("edit_loop", {}), extra.get("quiet", 0.05)),
        "",
        "### Page weight (sample site, publish build)",
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
            "### Newsletter issues",
            "",
            "| issue | HTML after inlining B | text B | .eml B |",
            "|---|---|---|---|",
        ]
        for row in letters:
            lines.append(f"| {row['issue']} | {row['html']} | {row['text']} | {row['eml']} |")
    lines += [
        "",
        "### Taxonomy plugin scaling (`PYTHONPATH=plugins python bench/taxonomy_bench.py`)",
        "",
        "Its real handlers (normalisation, inverted index, guidance, related reading) on "
        "generated articles, without reading or writing:",
        "",
        "```",
        scaling.strip(),
        "```",
        *profile_section(extra.get("profiles", {})),
    ]
    return "\n".join(lines) + "\n"


# Where `invoke bench` writes in RESULTS.md; the rest of the file is the team's own notes
# (what each round changed and measured), which a run leaves as they are.
BEGIN = "<!-- invoke bench writes from here to the END mark; the rest is kept as it is -->"
END = "<!-- END of what invoke bench writes -->"


def merged(existing: str | None, run: str) -> str:
    """RESULTS.md with this `run` (`markdown_report`) in place of the last run's: just
    after the title when the file has none yet; a new file when there is no file."""
    fenced = f"{BEGIN}\n{run.strip()}\n{END}\n"
    if not existing:
        return f"# Benchmark results\n\n{fenced}"
    start, end = existing.find(BEGIN), existing.find(END)
    if 0 <= start < end:
        return f"{existing[:start]}{fenced}\n{existing[end + len(END) :].lstrip()}"
    title, _, rest = existing.partition("\n")
    return f"{title}\n\n{fenced}\n{rest.lstrip()}"
