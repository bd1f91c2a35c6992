"""Report how the articles' tags sit against the taxonomy, and optionally fix them.

    python plugins/taxonomy/lint.py [--fix] [--taxonomy FILE] [--articles DIR] [content]

Prints unknown tags by file, aliases in use, tags used once, tags without
articles, near-duplicate spellings and missing guidance targets. `--fix`
rewrites aliases in each article's `Tags:` line to canonical slugs; nothing
else in the file changes. Exits 1 when something needs the author's attention
(unknown tags, a broken taxonomy file, a missing guidance target), else 0.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from nextsale import frontmatter
from nextsale.taxonomy.core import Taxonomy, TaxonomyError, load_taxonomy, loose_key

MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")
NEAR = 0.85  # difflib ratio from which two spellings look like one tag


@dataclass
class TagsLine:
    """Where an article's Tags metadata sits: line numbers [start, end)."""

    start: int
    end: int
    key: str
    tags: list[str]


def find_tags_line(lines: list[str]) -> TagsLine | None:
    """Find the (first) Tags entry of the front matter, read as the build reads it."""
    meta = frontmatter.parse([line.rstrip("\r\n") for line in lines])
    field = next((f for f in meta.fields if f.name == "tags"), None)
    if field is None:
        return None
    tags = [tag.strip() for tag in field.value.split(",") if tag.strip()]
    return TagsLine(field.line - 1, field.end, field.key, tags)


def article_files(content: Path, folders: list[str]) -> list[Path]:
    files = []
    for folder in folders:
        files += [p for p in (content / folder).rglob("*") if p.suffix.lower() in MARKDOWN]
    return sorted(set(files))


def canonical_line(found: TagsLine, taxonomy: Taxonomy, newline: str) -> tuple[str, list[str]]:
    """Return the rewritten Tags line and the changes made, one note per tag."""
    out: list[str] = []
    notes: list[str] = []
    for tag in found.tags:
        match = taxonomy.lookup(tag)
        slug = match.slug or tag
        if match.slug and match.alias:
            notes.append(f"{tag!r} -> {slug}")
        if slug in out:
            notes.append(f"{tag!r} dropped (repeats {slug})")
            continue
        out.append(slug)
    return f"{found.key}: {', '.join(out)}{newline}", notes


def near_duplicates(taxonomy: Taxonomy, used: set[str]) -> list[str]:
    """Pairs of spellings that look alike but resolve to different tags."""
    spellings: dict[str, tuple[str | None, str]] = {}  # loose key -> (slug, spelling)
    for buckets in taxonomy.index.values():
        for strict, (slug, spelling) in sorted(buckets.items()):
            spellings.setdefault(strict, (slug, spelling))
    for tag in sorted(used):
        if taxonomy.lookup(tag).slug is None:
            spellings.setdefault(tag.casefold(), (None, tag))
    items = sorted(spellings.values(), key=lambda item: (loose_key(item[1]), item[1]))
    lines = []
    matcher = difflib.SequenceMatcher(autojunk=False)
    for i, (slug_a, a) in enumerate(items):
        matcher.set_seq2(loose_key(a))
        for slug_b, b in items[i + 1 :]:
            if slug_a == slug_b and slug_a is not None:
                continue
            matcher.set_seq1(loose_key(b))
            if matcher.real_quick_ratio() >= NEAR and matcher.ratio() >= NEAR:
                left = f"{a!r} ({slug_a or 'unknown'})"
                right = f"{b!r} ({slug_b or 'unknown'})"
                lines.append(f"{left} ~ {right}")
    return lines


def run(content: Path, taxonomy_file: Path, folders: list[str], fix: bool, out) -> int:
    try:
        taxonomy = load_taxonomy(taxonomy_file)
    except FileNotFoundError:
        print(
            f"{taxonomy_file}: no taxonomy file; create it (see the plugin README)",
            file=out,
        )
        return 1
    except TaxonomyError as err:
        print("The taxonomy file has problems:", file=out)
        for problem in err.problems:
            print(f"  {problem}", file=out)
        return 1

    unknown: dict[str, list[str]] = {}
    aliases: dict[tuple[str, str], list[str]] = defaultdict(list)
    uses: dict[str, list[str]] = defaultdict(list)
    used_spellings: set[str] = set()
    fixed: list[str] = []
    files = article_files(content, folders)
    for path in files:
        rel = path.relative_to(content).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        found = find_tags_line(lines)
        if found is None:
            continue
        for tag in found.tags:
            used_spellings.add(tag)
            match = taxonomy.lookup(tag)
            if match.slug is None:
                hint = (
                    f"differs from {match.lookalike!r} only in symbols"
                    if match.lookalike
                    else "closest: " + (", ".join(taxonomy.suggest(tag)) or "none")
                )
                unknown.setdefault(rel, []).append(f"{tag!r} ({hint})")
                uses[tag].append(rel)
                continue
            if match.alias:
                aliases[tag, match.slug].append(rel)
            if rel not in uses[match.slug]:
                uses[match.slug].append(rel)
        if fix:
            last = lines[found.end - 1]
            newline = last[len(last.rstrip("\r\n")) :] or "\n"
            line, notes = canonical_line(found, taxonomy, newline)
            if notes:
                lines[found.start : found.end] = [line]
                path.write_text("".join(lines), encoding="utf-8")
                fixed.append(f"{rel}: {'; '.join(notes)}")

    missing = [
        f"{owner}: {target!r}"
        for owner, target in _guidance_targets(taxonomy)
        if not (content / target).is_file()
    ]

    print(
        f"Taxonomy {taxonomy_file}: {len(taxonomy.tags)} tags in "
        f"{len(taxonomy.topics)} topics; {len(files)} article files read.",
        file=out,
    )
    _section(
        out,
        "Unknown tags by file",
        [f"{f}: {', '.join(t)}" for f, t in sorted(unknown.items())],
    )
    _section(
        out,
        "Aliases in use" + (" (rewritten)" if fix else " (rewrite them with --fix)"),
        [f"{a!r} -> {slug}: {', '.join(sorted(fs))}" for (a, slug), fs in sorted(aliases.items())],
    )
    _section(
        out,
        "Tags used once",
        [f"{t}: {fs[0]}" for t, fs in sorted(uses.items()) if len(fs) == 1],
    )
    _section(out, "Tags without articles", [s for s in taxonomy.tags if not uses.get(s)])
    _section(out, "Near-duplicate tags", near_duplicates(taxonomy, used_spellings))
    _section(out, "Guidance targets that do not exist", missing)
    if fix:
        _section(out, "Fixed", fixed)
    return 1 if unknown or missing else 0


def _guidance_targets(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    targets = [(f"tags.{slug}.guidance", spec.guidance) for slug, spec in taxonomy.tags.items()]
    targets += [
        (f"topics.{slug}.guidance", spec.guidance)
        for slug, spec in taxonomy.topics.items()
        if spec.guidance
    ]
    if taxonomy.site_guidance:
        targets.append(("site.guidance", taxonomy.site_guidance))
    return targets


def _section(out, title: str, lines: list[str]) -> None:
    print(f"\n{title}: {len(lines) or 'none'}", file=out)
    for line in lines:
        print(f"  {line}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("content", nargs="?", default="content", help="content folder")
    parser.add_argument("--taxonomy", help="taxonomy file (default: CONTENT/taxonomy.toml)")
    parser.add_argument(
        "--articles",
        action="append",
        help="article folder inside CONTENT (default: articles)",
    )
    parser.add_argument("--fix", action="store_true", help="rewrite aliases to canonical slugs")
    args = parser.parse_args(argv)
    content = Path(args.content)
    if not content.is_dir():
        print(f"{content}: not a folder; pass the content folder", file=sys.stderr)
        return 2
    taxonomy_file = Path(args.taxonomy) if args.taxonomy else content / "taxonomy.toml"
    return run(content, taxonomy_file, args.articles or ["articles"], args.fix, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
