"""Markdown posts with YAML or TOML front matter (Jekyll, Hugo, Eleventy) stay Markdown.

A file that opens with a `---` YAML block or a `+++` TOML block followed by a
body is recognised by its content, whatever its extension. The front matter
is mapped to a `Post` (written by the one writer), the body is kept as written (never
escaped), only whole lines the cruft rules match are removed, and template
tags (Liquid `{% %}`/`{{ }}`, Hugo shortcodes `{{< >}}`/`{{% %}}`) are
reported by line and kept readable as inline code (a link to one keeps its
text, the tag shown after it).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path

import yaml

from nextsale.cruft.rules import compile_rules, normalise

from .model import MIN_BODY_WORDS, FileReport, ImportFailure
from .post import Post
from .sources import check_text, decode

FRONT_RE = re.compile(r"\A(---|\+\+\+)[ \t]*\r?\n(.*?)^\1[ \t]*(?:\r?\n|\Z)", re.S | re.M)
JEKYLL_NAME_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
TAG_RE = re.compile(r"\{\{<.*?>\}\}|\{\{%.*?%\}\}|\{%.*?%\}|\{\{.*?\}\}")
LINK_TAG_RE = re.compile(r"\[([^\]]*)\]\(\s*(" + TAG_RE.pattern + r")\s*\)")
FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")

# Keys mapped to the site's metadata, or that only matter to the old engine.
KNOWN_KEYS = {
    "title", "date", "draft", "published", "tags", "tag", "categories", "category",
    "author", "authors", "description", "excerpt", "summary", "slug", "aliases",
    "redirect_from", "layout",
}  # fmt: skip


def split_front_matter(text: str) -> tuple[str, str, str, int] | None:
    """Return (kind, front matter, body, first body line number) or None."""
    match = FRONT_RE.match(text.lstrip("\ufeff"))
    if not match:
        return None
    body = text.lstrip("\ufeff")[match.end() :]
    if not body.strip():
        return None
    kind = "yaml" if match.group(1) == "---" else "toml"
    return kind, match.group(2), body, match.group(0).count("\n") + 1


def parse_front_matter(kind: str, front: str, name: str) -> dict | None:
    """Parse the block, or fail with the file and line of the problem.

    None when it parses but is not keys and values: text between two `---`
    rules, which the plain-text path reads.
    """
    try:
        data = yaml.safe_load(front) if kind == "yaml" else tomllib.loads(front)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ImportFailure(
            f"{name}: line {line}: the YAML front matter does not parse ({problem})"
        ) from None
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"line (\d+)", str(err))
        line = int(found.group(1)) + 1 if found else 1
        raise ImportFailure(
            f"{name}: line {line}: the TOML front matter does not parse ({err})"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        return None
    return {str(k).lower(): v for k, v in data.items()}


def as_list(value, *, spaces: bool = True) -> list[str]:
    """A list of strings from a list, or a comma- (or space-) separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [normalise(str(v)) for v in value if str(v).strip()]
    text = str(value)
    parts = text.split(",") if "," in text or not spaces else text.split()
    return [normalise(p) for p in parts if p.strip()]


def as_date(value, source: Path) -> date | datetime | None:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        for candidate in (text, text.replace(" ", "T", 1), text[:19], text[:16], text[:10]):
            try:
                return datetime.fromisoformat(candidate)
            except ValueError:
                continue
    found = JEKYLL_NAME_RE.match(source.stem)
    if found:
        try:
            return date(*(int(x) for x in found.groups()[:3]))
        except ValueError:
            return None
    return None


def keep_body(body: str, first_line: int, settings: dict, report: FileReport) -> str:
    """The body as written, less cruft lines; template tags reported and kept readable."""
    rules = compile_rules(settings)
    out: list[str] = []
    fence = None
    for number, line in enumerate(body.splitlines(), start=first_line):
        marker = FENCE_RE.match(line)
        if fence:
            out.append(line)
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            out.append(line)
            continue
        tags = TAG_RE.findall(line)
        for tag in tags:
            what = "shortcode" if tag.startswith(("{{<", "{{%")) else "Liquid tag"
            report.notes.append(
                f"line {number}: {what} {tag} kept as inline code; rewrite it by hand"
            )
        if tags and "`" not in line:
            # A link to a tag loses its link; every tag shows as inline code.
            line = LINK_TAG_RE.sub(lambda m: f"{m.group(1)} ({m.group(2)})", line)  # noqa: PLW2901
            line = TAG_RE.sub(lambda m: f"`{m.group(0)}`", line)  # noqa: PLW2901
            if not line.replace("`", "").strip(" {}%<>"):
                out.append(line)
                continue
        if line.strip() and not line.startswith(("    ", "\t")):
            rule = rules.match_line(line)
            if rule:
                report.remove(rule, line)
                continue
        out.append(line)
    return "\n".join(out).strip("\n")


def front_matter_post(source: Path, text: str, settings: dict, report: FileReport) -> Post | None:
    """The post of a file with front matter, its body kept as Markdown; None if it has none."""
    parts = split_front_matter(text)
    if parts is None:
        return None
    kind, front, body, first_line = parts
    name = str(source)
    meta = parse_front_matter(kind, front, name)
    if meta is None:
        return None
    report.notes.append(f"{kind.upper()} front matter: the body is kept as Markdown")
    body = keep_body(body, first_line, settings, report)
    words = len(re.sub(r"[#*_>`-]", " ", body).split())
    if words < MIN_BODY_WORDS:
        raise ImportFailure(f"{name}: no recognisable post body (only {words} words)")
    post = Post("markdown", name, body_markdown=body)
    post.title = normalise(str(meta.get("title") or ""))
    if not post.title:
        found = JEKYLL_NAME_RE.match(source.stem)
        title = (found.group(4) if found else source.stem).replace("-", " ").replace("_", " ")
        post.title = title.strip().capitalize()
        report.notes.append("no title in the front matter; the file name was used")
    post.slug = normalise(str(meta.get("slug") or "")) or None
    post.date = as_date(meta.get("date"), source)
    if meta.get("date") is None and post.date is not None:
        report.notes.append("the date comes from the file name")
    if meta.get("draft") is True or meta.get("published") is False:
        post.status = "draft"
    post.authors = as_list(meta.get("authors") or meta.get("author"), spaces=False)
    post.categories = as_list(meta.get("categories") or meta.get("category"))
    post.tags = as_list(meta.get("tags") or meta.get("tag"))
    summary = next((meta[k] for k in ("summary", "description", "excerpt") if meta.get(k)), None)
    post.summary = normalise(str(summary)) if summary else None
    post.aliases = as_list(meta.get("aliases")) + as_list(meta.get("redirect_from"))
    unknown = sorted(k for k in meta if k not in KNOWN_KEYS)
    if unknown:
        report.notes.append(f"front matter keys not imported: {', '.join(unknown)}")
    return post


def read_front_matter_post(source: Path, settings: dict, report: FileReport) -> Post | None:
    """Read `source`: its Post when it has front matter, else None."""
    try:
        data = source.read_bytes()
    except OSError:
        return None  # the ordinary path reports it
    text, _ = decode(data, str(source))
    check_text(text, str(source))
    return front_matter_post(source, text, settings, report)
