"""Report how the articles' tags sit against the taxonomy, and optionally fix them.

    python -m nextsale.taxonomy.lint [--fix] [--limit N] [--taxonomy FILE] [--articles DIR]
        [content]

Prints unknown tags by file, aliases in use, tags used once, tags without
articles, groups of near-duplicate spellings and missing guidance targets, at
most `--limit` lines per section (default 50, 0 for all) followed by how many
more there are. `--fix` rewrites aliases in each article's `Tags:` line to
canonical slugs; nothing else in the file changes (a byte-order mark stays).
Articles are read as the build reads them: UTF-8, a leading byte-order mark
ignored. Exits 1 when something needs the author's attention (unknown tags, an
unreadable article, a broken taxonomy file, a missing guidance target), else 0.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from nextsale import frontmatter
from nextsale.taxonomy.core import Taxonomy, TaxonomyError, load_taxonomy, loose_key

MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")
NEAR = 0.85  # difflib ratio from which two spellings look like one tag
LIMIT = 50  # lines printed per section unless --limit says otherwise
SHOWN = 8  # spellings printed per group of look-alikes


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
        files += [
            p for p in (content / folder).rglob("*") if p.suffix.lower() in MARKDOWN and p.is_file()
        ]
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
    """Groups of spellings that look alike but resolve to different tags, one line each."""
    spellings: dict[str, tuple[str, str | None]] = {}  # strict key -> (spelling, slug)
    for buckets in taxonomy.index.values():
        for strict, (slug, spelling) in sorted(buckets.items()):
            spellings.setdefault(strict, (spelling, slug))
    for tag in sorted(used):
        if taxonomy.lookup(tag).slug is None:
            spellings.setdefault(tag.casefold(), (tag, None))
    return [_group_line(group) for group in look_alikes(list(spellings.values())).groups]


@dataclass
class LookAlikes:
    """Spellings linked by look-alike pairs, and how many pairs were compared."""

    groups: list[list[tuple[str, str | None]]]
    compared: int  # pairs of keys compared with SequenceMatcher


def look_alikes(spellings: list[tuple[str, str | None]]) -> LookAlikes:
    """Group (spelling, slug) pairs whose loose keys have a difflib ratio of at least NEAR.

    Two spellings are linked when they look alike and resolve to different tags
    (None, an unknown tag, differs from everything); a group is a connected set of
    links. Only pairs that can reach NEAR are compared: those of compatible length
    that share one of the rarest bigrams of each key (see `_overlap_needed`), and
    never two already in one group. The groups are exactly those all pairs would give.
    """
    items = sorted(spellings, key=lambda item: (loose_key(item[0]), item[0]))
    members: dict[str, list[int]] = defaultdict(list)
    for i, (spelling, _) in enumerate(items):
        members[loose_key(spelling)].append(i)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def pairs(left: list[int], right: list[int]):
        for i in left:
            for j in right:
                if i < j and (items[i][1] != items[j][1] or items[i][1] is None):
                    yield i, j

    for group in members.values():  # one loose key: ratio 1
        for i, j in pairs(group, group):
            parent[find(j)] = find(i)
    keys = sorted(members)
    grams = [_bigrams(key) for key in keys]
    sets = [frozenset(key_grams) for key_grams in grams]
    counts = Counter(gram for key_grams in grams for gram in key_grams)
    prefixes = [
        _rarest(key_grams, counts, len(key)) for key, key_grams in zip(keys, grams, strict=True)
    ]
    postings: dict[tuple[str, int], list[int]] = defaultdict(list)
    by_length: dict[int, list[int]] = defaultdict(list)
    for u, prefix in enumerate(prefixes):
        by_length[len(keys[u])].append(u)
        for gram in prefix or ():
            postings[gram].append(u)
    matcher = difflib.SequenceMatcher(autojunk=False)
    compared = 0
    for u, key in enumerate(keys):
        if prefixes[u] is not None:
            found = {v for gram in prefixes[u] for v in postings[gram] if v > u}
        else:  # too short to share a bigram: compare with every key of a fitting length
            found = {v for n in range(len(key) * 2 + 1) for v in by_length.get(n, ()) if v > u}
        matcher.set_seq2(key)
        for v in sorted(found):
            other = keys[v]
            if 2 * min(len(key), len(other)) < NEAR * (len(key) + len(other)):
                continue
            shared = len(sets[u] & sets[v])
            if shared < (1.5 * NEAR - 1) * (len(key) + len(other)) - 1 - 1e-9:
                continue  # too few bigrams in common to reach NEAR (see _overlap_needed)
            left, right = members[key], members[other]
            if len(left) == 1 == len(right):  # the common case, without the generator
                i, j = left[0], right[0]
                same_tag = items[i][1] == items[j][1] and items[i][1] is not None
                todo = [] if same_tag or find(i) == find(j) else [(i, j)]
            else:
                todo = [(i, j) for i, j in pairs(left, right) if find(i) != find(j)]
            if not todo:
                continue
            matcher.set_seq1(other)
            compared += 1
            if matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR:
                for i, j in todo:
                    parent[find(j)] = find(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[find(i)].append(i)
    found_groups = sorted(sorted(group) for group in groups.values() if len(group) > 1)
    return LookAlikes([[items[i] for i in group] for group in found_groups], compared)


def _bigrams(key: str) -> list[tuple[str, int]]:
    """The key's bigrams, each numbered by its occurrence so repeats count as often."""
    seen: Counter[str] = Counter()
    out = []
    for i in range(len(key) - 1):
        seen[key[i : i + 2]] += 1
        out.append((key[i : i + 2], seen[key[i : i + 2]]))
    return out


def _rarest(grams: list, counts: Counter, length: int) -> list | None:
    """The bigrams a look-alike must share one of; None when it need share none."""
    need = _overlap_needed(length)
    if need <= 0:
        return None
    return sorted(grams, key=lambda gram: (counts[gram], gram))[: len(grams) - need + 1]


def _overlap_needed(length: int) -> int:
    """The fewest bigrams a key of `length` shares with any key it reaches NEAR with.

    ratio() = 2M / (la + lb) for M characters matched in k blocks. Blocks are apart
    by at least one unmatched character, so k - 1 <= la + lb - 2M, and the blocks
    hold M - k >= (1.5 NEAR - 1)(la + lb) - 1 shared bigrams; a look-alike is never
    shorter than length * NEAR / (2 - NEAR).
    """
    shortest = math.ceil(length * NEAR / (2 - NEAR) - 1e-9)
    return math.ceil((1.5 * NEAR - 1) * (length + shortest) - 1 - 1e-9)


def _group_line(group: list[tuple[str, str | None]]) -> str:
    shown = [f"{spelling!r} ({slug or 'unknown'})" for spelling, slug in group[:SHOWN]]
    more = f" ~ … (+{len(group) - SHOWN} more)" if len(group) > SHOWN else ""
    return " ~ ".join(shown) + more


def read_article(path: Path) -> tuple[str, bool]:
    """Return the text of an article as the build reads it, and whether it had a BOM."""
    raw = path.read_bytes()
    return raw.decode("utf-8-sig"), raw.startswith(codecs.BOM_UTF8)


def run(
    content: Path, taxonomy_file: Path, folders: list[str], fix: bool, out, limit: int = LIMIT
) -> int:
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
    unreadable: list[str] = []
    files = article_files(content, folders)
    for path in files:
        rel = path.relative_to(content).as_posix()
        try:
            text, bom = read_article(path)
        except UnicodeDecodeError as err:
            unreadable.append(
                f"{rel}: not valid UTF-8 (byte {err.start}); save the file as UTF-8 text"
            )
            continue
        except OSError as err:
            unreadable.append(f"{rel}: cannot read the file ({err.strerror}); check it")
            continue
        lines = text.splitlines(keepends=True)
        found = find_tags_line(lines)
        if found is None:
            continue
        for tag in found.tags:
            used_spellings.add(tag)
            match = taxonomy.lookup(tag)
            if match.slug is None:
                unknown.setdefault(rel, []).append(tag)
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
                path.write_bytes("".join(lines).encode("utf-8-sig" if bom else "utf-8"))
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
    show = partial(_section, out, limit=limit)
    if unreadable:
        show("Articles that cannot be read", unreadable)
    show("Unknown tags by file", _unknown_lines(unknown, taxonomy, limit))
    show(
        "Aliases in use" + (" (rewritten)" if fix else " (rewrite them with --fix)"),
        [f"{a!r} -> {slug}: {', '.join(sorted(fs))}" for (a, slug), fs in sorted(aliases.items())],
    )
    show(
        "Tags used once",
        [f"{t}: {fs[0]}" for t, fs in sorted(uses.items()) if len(fs) == 1],
    )
    show("Tags without articles", [s for s in taxonomy.tags if not uses.get(s)])
    show("Near-duplicate tags", near_duplicates(taxonomy, used_spellings))
    show("Guidance targets that do not exist", missing)
    if fix:
        show("Fixed", fixed)
    return 1 if unknown or missing or unreadable else 0


def _unknown_lines(unknown: dict[str, list[str]], taxonomy: Taxonomy, limit: int) -> list[str]:
    """One line per file; the closest known tags (a scan of the whole taxonomy per tag)
    are looked up only for the lines printed, once per spelling."""
    hints: dict[str, str] = {}

    def hint(tag: str) -> str:
        if tag not in hints:
            lookalike = taxonomy.lookup(tag).lookalike
            hints[tag] = (
                f"differs from {lookalike!r} only in symbols"
                if lookalike
                else "closest: " + (", ".join(taxonomy.suggest(tag)) or "none")
            )
        return hints[tag]

    lines = []
    for number, (rel, tags) in enumerate(sorted(unknown.items())):
        shown = limit <= 0 or number < limit
        lines.append(
            f"{rel}: " + ", ".join(f"{t!r} ({hint(t)})" if shown else repr(t) for t in tags)
        )
    return lines


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


def _section(out, title: str, lines: list[str], limit: int = LIMIT) -> None:
    print(f"\n{title}: {len(lines) or 'none'}", file=out)
    shown = lines[:limit] if limit > 0 else lines
    for line in shown:
        print(f"  {line}", file=out)
    if len(shown) < len(lines):
        print(f"  … and {len(lines) - len(shown)} more (pass --limit 0 to list them all)", file=out)


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
    parser.add_argument(
        "--limit",
        type=int,
        default=LIMIT,
        help=f"lines printed per section (default {LIMIT}; 0 prints them all)",
    )
    args = parser.parse_args(argv)
    content = Path(args.content)
    if not content.is_dir():
        print(f"{content}: not a folder; pass the content folder", file=sys.stderr)
        return 2
    taxonomy_file = Path(args.taxonomy) if args.taxonomy else content / "taxonomy.toml"
    folders = args.articles or ["articles"]
    return run(content, taxonomy_file, folders, args.fix, sys.stdout, args.limit)


if __name__ == "__main__":
    sys.exit(main())
