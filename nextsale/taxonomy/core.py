"""The taxonomy file, with no dependency on Pelican (its ranking rules: ranking.py).

The build plugin (`taxonomy.py`), the linter (`lint.py`), the importer and the
benchmark all share these functions, so a tag resolves the same way in each.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# Where the taxonomy lives unless TAXONOMY_FILE says otherwise (relative to PATH).
DEFAULT_FILE = "taxonomy.toml"


def taxonomy_path(settings: Mapping) -> Path:
    """The taxonomy file of a site, as the build and every tool find it."""
    return Path(settings["PATH"]) / settings.get("TAXONOMY_FILE", DEFAULT_FILE)


SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Symbols that change what a tag means ("C++" is not "C#" is not "C"); every
# other punctuation mark, space, hyphen or underscore is ignored when matching.
MEANINGFUL_SYMBOLS = frozenset("#&@%*")
TOP_KEYS = ("site", "topics", "tags")
SITE_KEYS = ("guidance", "cta")
TOPIC_KEYS = ("name", "description", "guidance", "cta")
TAG_KEYS = ("name", "description", "topic", "aliases", "guidance", "cta")


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; `problems` holds one line per fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def loose_key(text: str) -> str:
    """Return the matching key: case, spaces, hyphens and punctuation dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def strict_key(text: str) -> str:
    """Return the loose key with meaningful symbols such as + and # kept."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(
        ch
        for ch in folded
        if ch.isalnum() or ch in MEANINGFUL_SYMBOLS or unicodedata.category(ch).startswith("S")
    )


def target_path(reference: str) -> str:
    """Turn `{filename}/pages/x.md` (or `pages/x.md`) into a source path."""
    path = reference.strip()
    if path.startswith("{filename}"):
        path = path[len("{filename}") :]
    return str(PurePosixPath(path.lstrip("/")))


@dataclass(frozen=True)
class TopicSpec:
    slug: str
    name: str
    description: str
    guidance: str | None = None
    cta: str | None = None


@dataclass(frozen=True)
class TagSpec:
    slug: str
    name: str
    description: str
    topic: str
    aliases: tuple[str, ...]
    guidance: str
    cta: str


@dataclass(frozen=True)
class Match:
    """How one spelling resolved: `slug` is None for unknown tags."""

    slug: str | None
    alias: bool = False
    lookalike: str | None = None  # a known spelling differing only in symbols


@dataclass
class Taxonomy:
    """A validated taxonomy file, indexed for lookups."""

    source: str
    topics: dict[str, TopicSpec]
    tags: dict[str, TagSpec]
    site_guidance: str | None = None
    site_cta: str | None = None
    # loose key -> strict key -> (tag slug, the spelling as written in the file)
    index: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    def lookup(self, name: str) -> Match:
        """Resolve one tag as an author wrote it."""
        bucket = self.index.get(loose_key(name))
        if not bucket:
            return Match(None)
        hit = bucket.get(strict_key(name))
        if hit is None:
            return Match(None, lookalike=sorted(bucket.values())[0][1])
        slug = hit[0]
        spec = self.tags[slug]
        return Match(slug, alias=name.strip() not in (spec.slug, spec.name))

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Return the canonical slugs of the known tags closest to `name`."""
        close = difflib.get_close_matches(loose_key(name), sorted(self.index), n=10, cutoff=0.6)
        found: list[str] = []
        for key in close:
            for slug, _ in sorted(self.index[key].values()):
                if slug not in found:
                    found.append(slug)
        return found[:limit]


def _text(table: Mapping, key: str, where: str, fix: str, problems: list[str]) -> str:
    value = table.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{where}.{key}: missing; {fix}")
        return ""
    if not isinstance(value, str):
        problems.append(f"{where}.{key}: must be a quoted string; {fix}")
        return ""
    return value.strip()


def _unknown_keys(table: Mapping, allowed: Sequence[str], where: str, problems: list[str]) -> None:
    for key in table:
        if key not in allowed:
            problems.append(
                f"{where}.{key}: unknown key; use only {', '.join(allowed)} (check the spelling)"
            )


def _guidance(table: Mapping, where: str, problems: list[str], required: bool) -> str | None:
    value = table.get("guidance")
    if value is None and not required:
        return None
    fix = 'point it at a page or article, e.g. "{filename}/pages/guide.md"'
    text = _text(table, "guidance", where, fix, problems)
    if text and re.match(r"[a-z][a-z0-9+.-]*://", text):
        problems.append(f"{where}.guidance: {text!r} is an outside URL; {fix}")
        return None
    return target_path(text) if text else None


def _tables(data: dict, key: str, problems: list[str]):
    """Yield (slug, table, where) for each well-formed [key.<slug>] table."""
    raw = data.get(key, {})
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{key}: missing; add at least one [{key}.<slug>] table")
        return
    for slug, table in raw.items():
        where = f"{key}.{slug}"
        if not isinstance(table, dict):
            problems.append(f"{where}: must be a table ([{where}])")
            continue
        _slug_ok(slug, where, problems)
        yield slug, table, where


def _slug_ok(slug: str, where: str, problems: list[str]) -> bool:
    if SLUG_RE.fullmatch(slug):
        return True
    problems.append(
        f"{where}: {slug!r} is not a valid slug; use lowercase letters, digits "
        "and single hyphens, e.g. repeat-business"
    )
    return False


def parse_taxonomy(
    text: str, source: str = "taxonomy.toml", *, default_guidance: str | None = None
) -> Taxonomy:
    """Parse and validate a taxonomy file, raising TaxonomyError with every fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        hint = "fix the TOML syntax at that line"
        if "twice" in str(err) or "overwrite" in str(err):
            hint = "a slug may be listed only once: merge the two tables into one"
        raise TaxonomyError([f"{source}: {err}; {hint}"]) from None

    problems: list[str] = []
    _unknown_keys(data, TOP_KEYS, "(top level)", problems)

    site = data.get("site", {})
    if not isinstance(site, dict):
        problems.append("site: must be a table ([site]); see the plugin README")
        site = {}
    _unknown_keys(site, SITE_KEYS, "site", problems)
    site_guidance = _guidance(site, "site", problems, required=default_guidance is None)
    if default_guidance is not None:
        site_guidance = target_path(default_guidance)
    site_cta = site.get("cta")
    if site_guidance and not (isinstance(site_cta, str) and site_cta.strip()):
        problems.append(
            "site.cta: missing; add the one-line call to action shown with the site-wide guidance"
        )

    topics: dict[str, TopicSpec] = {}
    seen_topics: dict[str, str] = {}
    for slug, table, where in _tables(data, "topics", problems):
        if loose_key(slug) in seen_topics:
            problems.append(
                f"{where}: duplicate slug of topics.{seen_topics[loose_key(slug)]}; "
                "merge the two topics"
            )
        seen_topics[loose_key(slug)] = slug
        _unknown_keys(table, TOPIC_KEYS, where, problems)
        topics[slug] = TopicSpec(
            slug=slug,
            name=_text(table, "name", where, "add the display name", problems),
            description=_text(
                table,
                "description",
                where,
                "add one or two sentences saying what the topic covers",
                problems,
            ),
            guidance=_guidance(table, where, problems, required=False),
            cta=table.get("cta") if isinstance(table.get("cta"), str) else None,
        )
        if topics[slug].guidance and not topics[slug].cta:
            problems.append(f"{where}.cta: missing; add a one-line call to action")

    tags: dict[str, TagSpec] = {}
    for slug, table, where in _tables(data, "tags", problems):
        _unknown_keys(table, TAG_KEYS, where, problems)
        topic = table.get("topic")
        if not isinstance(topic, str) or topic not in topics:
            problems.append(
                f"{where}.topic: unknown topic {topic!r}; use one of "
                f"{', '.join(sorted(topics)) or '(none defined)'} or add "
                f"[topics.{topic if isinstance(topic, str) else '<slug>'}]"
            )
        aliases = table.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(f'{where}.aliases: must be a list of strings, e.g. ["a", "b"]')
            aliases = []
        tags[slug] = TagSpec(
            slug=slug,
            name=_text(table, "name", where, "add the display name", problems),
            description=_text(
                table,
                "description",
                where,
                "add one or two sentences on what the tag covers (shown on its page)",
                problems,
            ),
            topic=topic if isinstance(topic, str) else "",
            aliases=tuple(a.strip() for a in aliases),
            guidance=_guidance(table, where, problems, required=True) or "",
            cta=_text(table, "cta", where, "add a one-line call to action", problems),
        )

    index = _build_index(tags, problems)
    if problems:
        raise TaxonomyError([f"{source}: {p}" for p in problems])
    return Taxonomy(
        source=source,
        topics=topics,
        tags=tags,
        site_guidance=site_guidance,
        site_cta=site_cta.strip() if isinstance(site_cta, str) else None,
        index=index,
    )


def _build_index(
    tags: Mapping[str, TagSpec], problems: list[str]
) -> dict[str, dict[str, tuple[str, str]]]:
    """Index every spelling, reporting spellings that two tags both claim."""
    index: dict[str, dict[str, tuple[str, str]]] = {}
    owner: dict[tuple[str, str], tuple[str, str]] = {}  # key -> (slug, where)

    def claim(slug: str, spelling: str, where: str, canonical: bool) -> None:
        loose, strict = loose_key(spelling), strict_key(spelling)
        if not loose:
            problems.append(f"{where}: {spelling!r} has no letters or digits; remove it")
            return
        previous = owner.get((loose, strict))
        if previous is None:
            owner[loose, strict] = (slug, where)
            index.setdefault(loose, {})[strict] = (slug, spelling)
            return
        other, other_where = previous
        if other == slug:
            return  # the same tag spelt twice: harmless
        other_canonical = ".aliases[" not in other_where
        if canonical and other_canonical:
            problems.append(
                f"tags.{slug}: duplicate slug or name of tags.{other} once case, "
                "spaces, hyphens and punctuation are ignored; merge them into one "
                "tag and list the other spelling as an alias"
            )
        elif other_canonical:
            problems.append(
                f"{where}: alias {spelling!r} is the canonical tag tags.{other}; "
                f"remove it here, or merge tags.{slug} into tags.{other}"
            )
        else:
            problems.append(
                f"{where}: alias {spelling!r} is also claimed by {other_where}; "
                "keep it on one tag only"
            )

    # Canonical spellings first, so an alias is always compared with them.
    for slug, spec in tags.items():
        claim(slug, slug, f"tags.{slug}", True)
        if spec.name:
            claim(slug, spec.name, f"tags.{slug}.name", True)
    for slug, spec in tags.items():
        for number, alias in enumerate(spec.aliases):
            claim(slug, alias, f"tags.{slug}.aliases[{number}]", False)
    return index


def load_taxonomy(path: Path, *, default_guidance: str | None = None) -> Taxonomy:
    """Read and validate the taxonomy file at `path`."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading BOM, as the build reads articles
    except UnicodeDecodeError:
        raise TaxonomyError([f"{path}: not valid UTF-8; save the file as UTF-8 text"]) from None
    return parse_taxonomy(text, str(path), default_guidance=default_guidance)
