"""Medium exports: the `posts/*.html` of Medium's "Download your information".

Each post is a whole HTML document in microformats: `<article class="h-entry">`
with the title (`h1.p-name`), the subtitle (`section.p-summary`), the body
(`section.e-content`) and a footer naming the author (`a.p-author`), the date
(`time.dt-published`), the address (`a.p-canonical`) and, when Medium wrote
them, the tags (`a.p-tag`). Drafts are the files named `draft_...`; Medium's
responses (comments on other stories) sit among the posts and are counted,
not imported. The other folders of the export (profile, claps, highlights,
lists...) are counted; the profile names the author of drafts.

Naming the export's folder, its `posts/` folder or one post file imports that much.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from nextsale.cruft.rules import normalise

from .model import ImportFailure
from .post import Post

HEAD_BYTES = 32768
AGAIN = "download your information from Medium again (Settings → Security and apps)"
# Medium ends a story's address with its id: /@name/title-words-1a2b3c4d5e6f
ID_RE = re.compile(r"-+(?=[0-9a-f]*\d)[0-9a-f]{10,16}$")


def looks_like(path: Path) -> bool:
    """True for a Medium export folder, its `posts/` folder, or one exported post."""
    if path.is_dir():
        folder = path / "posts" if (path / "posts").is_dir() else path
        first = next(iter(sorted(folder.glob("*.html"))), None)
        return first is not None and _head_is_post(first)
    return path.suffix.lower() in (".html", ".htm") and _head_is_post(path)


def _head_is_post(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return False
    return b'class="h-entry"' in head and b'data-field="' in head


def post_files(path: Path) -> tuple[list[Path], Path | None]:
    """The post files under `path` and the export's root folder (None for one file)."""
    if path.is_file():
        return [path], None
    if (path / "posts").is_dir():
        return sorted((path / "posts").glob("*.html")), path
    root = path.parent if path.name == "posts" else None
    return sorted(path.glob("*.html")), root


def iter_posts(path: Path, settings: dict, counts: Counter) -> Iterator[Post]:
    """Yield every story and draft of the Medium export at `path`."""
    files, root = post_files(path)
    if not files:
        raise ImportFailure(f"{path}: holds no Medium post (posts/*.html); {AGAIN}")
    profile = _profile_name(root) if root is not None else None
    if root is not None:
        _count_folders(root, counts)
    seen: dict[str, str] = {}  # address → the file that gave it first
    for file in files:
        soup = _parse(file)
        body = soup.select_one('section[data-field="body"]')
        if soup.select_one("article.h-entry") is None or body is None:
            if path.is_file():
                raise ImportFailure(
                    f"{file}: not a post of a Medium export (no <section "
                    f'data-field="body">); name a file of the export\'s posts/ folder'
                )
            counts["files that are not Medium posts"] += 1
            continue
        if _is_response(soup, body):
            counts["responses"] += 1
            continue
        post = to_post(file, soup, body, profile)
        if post.url in seen:
            post.notes.append(
                f"{seen[post.url]} gives the same address {post.url}; it is kept there only"
            )
            post.url = post.slug = None
        elif post.url:
            seen[post.url] = post.ident
        if post.status == "draft":
            counts["drafts"] += 1
        yield post


def _parse(file: Path) -> BeautifulSoup:
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise ImportFailure(f"{file}: cannot be read ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise ImportFailure(f"{file}: is not UTF-8 text; {AGAIN}") from None
    return BeautifulSoup(text, "html.parser")


def _is_response(soup: BeautifulSoup, body: Tag) -> bool:
    """Medium's responses have neither a subtitle section nor a title heading."""
    has_subtitle = soup.select_one('section[data-field="subtitle"]') is not None
    return not has_subtitle and body.select_one(".graf--title") is None


def to_post(file: Path, soup: BeautifulSoup, body: Tag, profile: str | None) -> Post:
    """The `Post` for one exported Medium file."""
    post = Post(format="medium", ident=f"posts/{file.name}")
    heading = soup.select_one("h1.p-name") or soup.find("title")
    post.title = normalise(heading.get_text(" ")) if heading else ""
    subtitle = soup.select_one('section[data-field="subtitle"]')
    post.summary = normalise(subtitle.get_text(" ")) if subtitle else None
    draft = file.name.startswith("draft")
    published = soup.select_one("time.dt-published[datetime]")
    if published is not None:
        post.date = _date(published["datetime"], post)
    post.status = "draft" if draft or post.date is None else "published"
    if post.date is None and not draft:
        post.notes.append("no publication date in the export: imported as a draft")
    author = soup.select_one("a.p-author")
    post.author = normalise(author.get_text(" ")) if author else profile
    if author is None and profile:
        post.notes.append("the post names no author: the export's profile is used")
    canonical = soup.select_one("a.p-canonical[href]")
    if canonical is not None and not draft:
        post.url = canonical["href"]
        post.slug = _slug(post.url)
    post.tags = [normalise(a.get_text(" ")) for a in soup.select("a.p-tag")]
    if not post.tags:
        post.notes.append("Medium's export names no tags for this post; add Tags: by hand")
    post.body_html = _body(body, post)
    return post


def _date(value: str, post: Post) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        post.notes.append(f"the date '{value}' is not a date; left out")
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _slug(url: str) -> str | None:
    """The words of a story's address, without Medium's id; None when it has none."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    words = ID_RE.sub("", last)
    return words if not last.startswith("@") and re.search(r"[a-z]", words, re.I) else None


def _body(body: Tag, post: Post) -> str:
    """The body's HTML without the title Medium repeats in it and the leading rule."""
    for footer in body.find_all("footer"):
        footer.decompose()  # an unclosed tag in the body pulls the export's footer into it
    title = body.select_one(".graf--title")
    if title is not None and normalise(title.get_text(" ")).casefold() == post.title.casefold():
        title.decompose()
    first = body.find("section")
    rule = first.find("div", class_="section-divider", recursive=False) if first else None
    if rule is not None:
        rule.decompose()  # the first section's rule comes before anything: it separates nothing
    return body.decode_contents().strip()


def _profile_name(root: Path) -> str | None:
    """The display name in the export's profile/profile.html, if there is one."""
    page = root / "profile" / "profile.html"
    if not page.is_file():
        return None
    try:
        soup = BeautifulSoup(page.read_bytes().decode("utf-8-sig"), "html.parser")
    except (OSError, UnicodeDecodeError):
        return None
    name = soup.select_one(".h-card .p-name")
    return normalise(name.get_text(" ")) or None if name else None


def _count_folders(root: Path, counts: Counter) -> None:
    """Count the files of the export's other folders: none of them is a post."""
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "posts"):
        counts[f"{folder.name} files"] += sum(1 for p in folder.rglob("*") if p.is_file())
