"""Substack exports: `posts.csv` and the HTML body of each post in `posts/`.

Substack's "Export your data" gives a zip; unzipped, its folder holds
`posts.csv` (one row per post: `post_id`, `post_date`, `is_published`,
`type`, `audience`, `title`, `subtitle`, ...) and `posts/<post_id>.html`, the
post's body as an HTML fragment (`post_id` is "123456.slug-words"). Naming the
folder, its `posts.csv` or its `posts/` imports the whole export; naming one
`posts/*.html` fragment imports that post with its row of the csv.

The export names no author (the site's AUTHOR is used), no tags and no
address. Posts for paying subscribers are imported as drafts, so that nothing
written for them is published for everyone by surprise. The subscriber list
and the email statistics are counted, never imported.
"""

from __future__ import annotations

import csv
import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup

from .model import ImportFailure
from .post import Post

CSV_NAME = "posts.csv"
REQUIRED = ("post_id", "post_date", "is_published", "title")
FRAGMENT_RE = re.compile(r"^\d+\.[^/]+\.html$")
AGAIN = "unzip the whole export Substack sent (Settings → Exports) and name its folder"
KINDS = {"newsletter": None, "page": None, "podcast": "a podcast episode", "thread": "a thread"}
PAID = {"only_paid": "paying subscribers", "founding": "founding members"}
# Substack's own widgets in a body: subscribe, comment and share buttons, sign-up forms.
CHROME = ("p.button-wrapper", "div.subscription-widget-wrap", "div.captioned-button-wrap")


def looks_like(path: Path) -> bool:
    """True for an export folder, its `posts.csv`, or one of its `posts/*.html` bodies."""
    if path.is_dir():
        return _csv_head_ok(path / CSV_NAME) or (
            path.name == "posts" and _csv_head_ok(path.parent / CSV_NAME)
        )
    if path.name == CSV_NAME:
        return _csv_head_ok(path)
    return (
        bool(FRAGMENT_RE.match(path.name))
        and path.parent.name == "posts"
        and (path.parent.parent / CSV_NAME).is_file()
    )


def _csv_head_ok(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return False
    return b"post_id" in first and b"is_published" in first


def iter_posts(path: Path, settings: dict, counts: Counter) -> Iterator[Post]:
    """Yield the posts of the Substack export at `path` (folder, csv or one fragment)."""
    only = None
    if path.is_dir():
        folder = path if (path / CSV_NAME).exists() or path.name != "posts" else path.parent
    elif path.name == CSV_NAME:
        folder = path.parent
    else:
        folder, only = path.parent.parent, path.name[: -len(".html")]
    table = folder / CSV_NAME
    rows = read_rows(table)
    if only is not None:
        rows = [r for r in rows if r["post_id"] == only]
        if not rows:
            raise ImportFailure(
                f"{path}: {table} has no row for post '{only}'; name the whole export folder"
            )
    else:
        _count_leftovers(folder, counts)
    bodies = folder / "posts"
    missing = [r["post_id"] for r in rows if not (bodies / f"{r['post_id']}.html").is_file()]
    if rows and len(missing) == len(rows):
        raise ImportFailure(
            f"{table}: none of its {len(rows)} posts has its body in {bodies} "
            f"(looked for {bodies / (missing[0] + '.html')}); {AGAIN}"
        )
    for row in rows:
        if row["post_id"] in missing:
            counts["posts without a body file"] += 1
            continue
        post = to_post(row, bodies / f"{row['post_id']}.html", settings)
        if post.status == "draft":
            counts["drafts"] += 1
        yield post


def read_rows(table: Path) -> list[dict[str, str]]:
    """Every row of `posts.csv`; ImportFailure naming the file and what is wrong."""
    try:
        with table.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            lacking = [name for name in REQUIRED if name not in fields]
            if lacking:
                raise ImportFailure(
                    f"{table}: no column {', '.join(lacking)} in its first line "
                    f"(found: {', '.join(fields) or 'nothing'}); this is not Substack's "
                    f"posts.csv, or it was edited: {AGAIN}"
                )
            rows = []
            for row in reader:
                if None in row or not (row.get("post_id") or "").strip():
                    raise ImportFailure(
                        f"{table}: line {reader.line_num}: the row does not match the "
                        f"columns (a cut or edited file?); {AGAIN}"
                    )
                rows.append({k: (v or "").strip() for k, v in row.items()})
            return rows
    except FileNotFoundError:
        raise ImportFailure(f"{table}: not found; {AGAIN}") from None
    except UnicodeDecodeError:
        raise ImportFailure(f"{table}: is not UTF-8 text; {AGAIN}") from None
    except (OSError, csv.Error) as err:
        raise ImportFailure(f"{table}: cannot be read as CSV ({err}); {AGAIN}") from None


def to_post(row: dict[str, str], body: Path, settings: dict) -> Post:
    """The `Post` for one row of `posts.csv` and its body file."""
    post_id = row["post_id"]
    post = Post(format="substack", ident=f"{CSV_NAME}#post-{post_id}")
    post.title = html.unescape(row.get("title", ""))
    post.summary = html.unescape(row.get("subtitle", "")) or None
    post.slug = post_id.split(".", 1)[1] if "." in post_id else None
    kind = row.get("type") or "newsletter"
    post.kind = "page" if kind == "page" else "article"
    post.date = _date(row.get("post_date", ""), post)
    published = row.get("is_published", "").lower() == "true"
    post.status = "published" if published else "draft"
    if not published:
        post.notes.append("not published on Substack: imported as a draft")
    audience = PAID.get(row.get("audience", ""))
    if audience and published:
        post.status = "draft"
        post.notes.append(
            f"only {audience} could read it on Substack: imported as a draft so it is "
            "not published for everyone; remove 'Status: draft' to publish it"
        )
    author = str(settings.get("AUTHOR") or "").strip()
    if author:
        post.author = author
        post.notes.append("Substack's export names no author: the site's AUTHOR is used")
    else:
        post.notes.append("Substack's export names no author: set AUTHOR in the settings")
    post.body_html = without_chrome(_read_body(body), post.notes)
    if kind not in KINDS:
        post.notes.append(f"Substack post type '{kind}' imported as an article")
    elif KINDS[kind]:
        post.notes.append(f"{KINDS[kind]} on Substack, imported as an article")
    audio = row.get("podcast_url", "")
    if audio:
        post.body_html += f'\n<p><a href="{html.escape(audio)}">Listen to the episode</a></p>'
        post.notes.append(f"the episode's audio stays at {audio}; the post links to it")
    return post


def without_chrome(fragment: str, notes: list[str]) -> str:
    """The body without Substack's buttons and sign-up boxes, named in `notes`."""
    soup = BeautifulSoup(fragment, "html.parser")
    removed = []
    for element in soup.select(", ".join(CHROME)):
        removed.append(" ".join(element.get_text(" ").split()) or element.name)
        element.decompose()
    if not removed:
        return fragment
    for element in reversed(soup.find_all(recursive=False)):
        if element.name != "hr" and not (element.name == "div" and _only_rule(element)):
            break
        element.decompose()  # a rule that led to the removed buttons now ends nothing
    notes.append(f"Substack's buttons removed: {', '.join(repr(r) for r in removed)}")
    return str(soup)


def _only_rule(element) -> bool:
    children = element.find_all(recursive=False)
    return len(children) == 1 and children[0].name == "hr" and not element.get_text(strip=True)


def _read_body(body: Path) -> str:
    try:
        return body.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailure(f"{body}: is not UTF-8 text; {AGAIN}") from None
    except OSError as err:
        raise ImportFailure(f"{body}: cannot be read ({err.strerror or err})") from None


def _date(value: str, post: Post) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        post.notes.append(f"post_date '{value}' is not a date; left out")
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # Substack writes UTC


def _count_leftovers(folder: Path, counts: Counter) -> None:
    """Count what the export holds besides posts: subscribers, email statistics."""
    for table in sorted(folder.glob("email_list*.csv")):
        try:
            with table.open(encoding="utf-8-sig", newline="") as handle:
                counts["subscribers"] += max(0, sum(1 for _ in csv.reader(handle)) - 1)
        except (OSError, UnicodeDecodeError, csv.Error):
            counts["unreadable files"] += 1
    if (folder / "posts").is_dir():
        stats = sum(1 for _ in (folder / "posts").glob("*.csv"))
        if stats:
            counts["email statistics files"] += stats
