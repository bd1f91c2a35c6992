"""HTML to Markdown for imported posts: cruft out, sanitised, then written by markdownify.

The order matters. The cruft rules and everything read from class and id
attributes (code languages, footnotes, heading permalinks, lazy images) work
on the raw tree; the import sanitiser then drops those attributes, and the
writer (`md_writer.PostConverter`) turns what is left into Markdown. What the
sanitiser would drop but the Markdown needs (a code block's language, a
footnote reference, an image's title) crosses it as Unicode noncharacters,
which no real text holds.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from markdown.extensions.toc import slugify as toc_slugify

from nextsale.cruft.clean import clean_html
from nextsale.cruft.rules import SHORTLINK_RULE, RuleSet, normalise
from nextsale.sanitise import sanitise

from .html import nesting_depth, record_dangerous
from .md_writer import (
    HEADINGS,
    LANG_CLOSE,
    LANG_OPEN,
    NOTE_CLOSE,
    NOTE_OPEN,
    TITLE_MARK,
    PostConverter,
    tidy,
)
from .model import FileReport, ImportFailure

# markdownify converts recursively: deeper trees exhaust Python's recursion limit.
MAX_DEPTH = 250

LANGUAGE_CLASS_RES = (
    re.compile(r"^(?:language|lang|highlight-source|highlight)-([\w#+.-]+)$", re.I),
    re.compile(r"\bbrush:\s*([\w#+.-]+)", re.I),
)
NO_LANGUAGE = {"default", "none", "nohighlight", "plain", "plaintext", "text", "txt"}
# Links a theme adds to headings (and Sphinx to captions) to copy their address.
PERMALINK_CLASSES = {
    "headerlink", "anchor", "anchorjs-link", "anchor-link", "header-anchor", "heading-anchor",
    "hash-link", "bookmark", "permalink", "heading-link", "deep-link", "direct-link",
}  # fmt: skip
PERMALINK_TEXTS = {"", "¶", "#", "§", "🔗", "⚓", "link", "permalink"}
LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-srcset", "data-lazy-srcset")
IMAGE_EXTENSION_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?)\b", re.I)
BACKLINK_TEXT = "↩↑^⤴\ufe0e\ufe0f \u00a0\t\r\n"


def html_to_markdown(
    html: str | Tag, rules: RuleSet, report: FileReport, *, base_url: str | None = None
) -> str:
    """Convert a post's HTML to clean Markdown, reporting what was removed or changed.

    `base_url` is the post's old address: relative links and images are made
    absolute against it. Raises ImportFailure for markup too deep to convert.
    """
    soup = _raw_tree(html, rules, report)
    _point_to_new_heading_ids(soup)
    _drop_permalinks(soup)
    _mark_code_languages(soup)
    _fix_lazy_images(soup)
    _move_table_captions(soup)
    record_dangerous(soup, report)
    notes = _take_footnotes(soup)
    body = _convert_fragment(str(soup), report, base_url)
    for label, note in notes:
        text = _convert_fragment(note.decode_contents(), report, base_url).strip()
        if text:
            body += f"\n\n[^{label}]: " + text.replace("\n", "\n    ")
    return tidy(body)


def _raw_tree(html: str | Tag, rules: RuleSet, report: FileReport) -> BeautifulSoup:
    """Parse the source, keep its body only, and take the cruft out."""
    soup = BeautifulSoup(str(html), "html.parser")
    if (depth := nesting_depth(soup)) > MAX_DEPTH:
        raise ImportFailure(
            f"{report.source}: nested too deeply to convert ({depth} elements inside one "
            f"another, at most {MAX_DEPTH}); flatten the markup or save the post as text, "
            "and import it again"
        )
    body = soup.find("body")
    if body is not None:
        soup = BeautifulSoup(body.decode_contents(), "html.parser")
    for el in soup.find_all(["head", "title", "meta", "link"]):
        el.decompose()
    # Code never shown goes first (listed as the sanitiser's), so the cruft rules
    # see the post's real last paragraphs: an author bio is only cruft at the end.
    for el in soup.find_all(["script", "style", "template"]):
        report.remove("sanitiser", f"<{el.name}> element")
        el.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    tables = _shield_tables(soup, rules, report)
    cleaned, removals = clean_html(str(soup), rules)
    for removal in removals:
        report.remove(removal.rule, removal.text)
    if removals:
        soup = BeautifulSoup(cleaned, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if str(comment) in tables:
            comment.replace_with(tables[str(comment)])
    return soup


def _shield_tables(soup: BeautifulSoup, rules: RuleSet, report: FileReport) -> dict[str, Tag]:
    """Take tables out while the line rules run: a cell reading "Home" or "May 2014" is data.

    Each table leaves a comment in its place; a cruft container around it still takes it.
    """
    tables: dict[str, Tag] = {}
    for number, table in enumerate(soup.find_all("table", recursive=True)):
        if table.find_parent("table") is not None:
            continue
        rule = next(
            (
                r
                for el in [table, *table.find_all(True)]
                if (r := rules.match_element({c.lower() for c in _classes(el)}))
            ),
            None,
        )
        if rule:
            report.remove(rule, table.get_text(" ") or "<table> element")
            table.decompose()
            continue
        for link in table.find_all("a", href=True):
            if rules.is_shortlink(str(link["href"])):
                report.remove(SHORTLINK_RULE, str(link["href"]))
                link.unwrap()
        key = f"nextsale-table-{number}"
        tables[key] = table.replace_with(Comment(key))
    return tables


def _classes(el: Tag) -> list[str]:
    value = el.get("class") or []
    return [str(c) for c in ([value] if isinstance(value, str) else value)]


def _point_to_new_heading_ids(soup: BeautifulSoup) -> None:
    """Same-page links to a heading lead to the id the site will give it.

    The heading's own id is not kept (Markdown has no place for it); the
    build's table-of-contents extension names headings from their text, so a
    link to `#old-id` becomes a link to that name."""
    new_ids: dict[str, str] = {}
    for heading in soup.find_all(HEADINGS):
        ids = [heading.get("id")] + [a.get("id") or a.get("name") for a in heading.find_all("a")]
        text = normalise(heading.get_text(" "))
        for old in filter(None, ids):
            new_ids.setdefault(str(old), toc_slugify(text, "-"))
    for link in soup.find_all("a", href=True):
        href = str(link["href"])
        if href.startswith("#") and new_ids.get(href[1:]) not in (None, "", href[1:]):
            link["href"] = "#" + new_ids[href[1:]]


def _drop_permalinks(soup: BeautifulSoup) -> None:
    """Remove "¶"/"#" permalinks and unwrap same-page links from headings."""
    for link in soup.find_all("a"):
        if link.decomposed:
            continue
        href = str(link.get("href") or "")
        classes = {c.lower() for c in _classes(link)}
        in_heading = link.find_parent(HEADINGS) is not None
        same_page = href.startswith("#") or not href
        if not same_page or not (classes & PERMALINK_CLASSES or in_heading):
            continue
        if normalise(link.get_text()) in PERMALINK_TEXTS and not link.find("img"):
            link.decompose()
        elif in_heading:
            link.unwrap()


def _code_language(pre: Tag) -> str | None:
    """Read a code block's language from its classes or its wrappers' classes."""
    candidates = [pre.find("code"), pre, *list(pre.parents)[:3]]
    for el in candidates:
        if not isinstance(el, Tag):
            continue
        for attr in ("data-lang", "data-language"):
            if el.get(attr):
                return str(el[attr])
        classes = _classes(el)
        if "sourceCode" in classes and len(classes) > 1:
            return next(c for c in classes if c != "sourceCode")
        for pattern in LANGUAGE_CLASS_RES:
            for text in (*classes, " ".join(classes)):
                match = pattern.search(text)
                if match:
                    return match.group(1)
    return None


def _mark_code_languages(soup: BeautifulSoup) -> None:
    for pre in soup.find_all("pre"):
        language = (_code_language(pre) or "").lower().strip(".-")
        if language and language not in NO_LANGUAGE:
            pre.insert(0, NavigableString(f"{LANG_OPEN}{language}{LANG_CLOSE}"))


def _fix_lazy_images(soup: BeautifulSoup) -> None:
    """Give lazy-loaded images their real address; keep an image's title in its alt."""
    for img in soup.find_all("img"):
        src = str(img.get("src") or "")
        lazy = next((str(img[a]) for a in LAZY_SOURCES if img.get(a)), "")
        srcset = lazy or str(img.get("srcset") or "")
        if (not src or src.startswith("data:")) and srcset:
            img["src"] = srcset.split(",")[0].split()[0]
        if img.get("title"):
            img["alt"] = f"{img.get('alt') or ''}{TITLE_MARK}{img['title']}"


def _move_table_captions(soup: BeautifulSoup) -> None:
    """A table's caption becomes a paragraph before it (pipe tables have none)."""
    for caption in soup.find_all("caption"):
        table = caption.find_parent("table")
        if table is None:
            caption.unwrap()
            continue
        para = soup.new_tag("p")
        para.extend(list(caption.contents))
        caption.decompose()
        table.insert_before(para)


def _is_note_ref(link: Tag) -> bool:
    classes = {c.lower() for c in _classes(link)}
    rel = {str(r).lower() for r in link.get("rel") or []}
    return (
        link.find_parent("sup") is not None
        or bool(classes & {"footnote-ref", "footnote", "fn-ref"})
        or "footnote" in rel
        or link.get("data-type") == "noteref"
        or link.get("role") == "doc-noteref"
    )


def _take_footnotes(soup: BeautifulSoup) -> list[tuple[str, Tag]]:
    """Replace footnote references with markers; return (label, note) in order of use."""
    labels: dict[int, str] = {}
    notes: list[tuple[str, Tag]] = []
    by_id = {str(el["id"]): el for el in soup.find_all(id=True)}
    for link in soup.find_all("a", href=re.compile(r"^#.")):
        if link.decomposed or not _is_note_ref(link):
            continue
        note = by_id.get(str(link["href"])[1:])
        if (
            note is None
            or note.name not in ("li", "p", "div", "aside", "dd", "section")
            or note in link.parents  # a link back from inside the note
            or note.find(HEADINGS)
        ):
            continue
        if id(note) not in labels:
            number = normalise(link.get_text()).strip("[]() ")
            label = number if re.fullmatch(r"[\w-]{1,20}", number) else str(len(notes) + 1)
            if label in labels.values():
                label = f"{label}-{len(notes) + 1}"
            labels[id(note)] = label
            notes.append((label, note))
        sup = link.find_parent("sup")
        whole_sup = sup is not None and normalise(sup.get_text()) == normalise(link.get_text())
        target = sup if whole_sup else link
        target.replace_with(NavigableString(f"{NOTE_OPEN}{labels[id(note)]}{NOTE_CLOSE}"))
    for _, note in notes:
        container = note.parent
        note.extract()
        _drop_backlinks(note)
        while container is not None and container.name != "[document]":
            if container.get_text(strip=True) or container.find("img"):
                break
            parent = container.parent
            container.decompose()
            container = parent
    return notes


def _drop_backlinks(note: Tag) -> None:
    """Remove the "↩" links a note holds back to its reference."""
    for link in note.find_all("a", href=re.compile(r"^#")):
        if len(normalise(link.get_text())) <= 3:
            link.decompose()
    for sup in note.find_all("sup"):
        if not sup.get_text(strip=True):
            sup.decompose()
    for reverse, strip in ((False, str.lstrip), (True, str.rstrip)):
        strings = note.find_all(string=True)
        for string in reversed(strings) if reverse else strings:
            kept = strip(str(string), BACKLINK_TEXT)
            string.replace_with(kept)
            if kept:
                break


def _convert_fragment(html: str, report: FileReport, base_url: str | None) -> str:
    """Sanitise raw HTML, resolve its addresses and convert it."""
    clean = BeautifulSoup(sanitise(html, "import"), "html.parser")
    _quote_cites(clean)
    _unlayout_tables(clean)
    _resolve_addresses(clean, report, base_url)
    return PostConverter().convert_soup(clean)


def _quote_cites(soup: BeautifulSoup) -> None:
    """Make a quote's attribution (cite, footer, figure caption) its last line: "— Name"."""
    for quote in soup.find_all("blockquote"):
        children = [c for c in quote.children if isinstance(c, Tag)]
        cite = None
        figure = quote.parent
        caption = None
        if figure is not None and figure.name == "figure" and figure.find("img") is None:
            caption = figure.find("figcaption", recursive=False)
        if caption is not None:
            cite = caption
        elif children and children[-1].name in ("cite", "footer"):
            cite = children[-1]
        elif children and children[-1].name == "p" and children[-1].find("cite"):
            outside = children[-1].get_text().replace(children[-1].find("cite").get_text(), "")
            if not outside.strip(" —–-~\u00a0\n"):
                cite = children[-1]
        if cite is None:
            continue
        name = normalise(cite.get_text(" ")).lstrip("—–-~ ").strip()
        cite.decompose()
        if name:
            line = soup.new_tag("p")
            line.string = f"— {name}"
            quote.append(line)


def _unlayout_tables(soup: BeautifulSoup) -> None:
    """Tables used for layout (holding tables, or one column) become their cells' blocks.

    A one-column table of an image over text (Blogger's captioned images)
    becomes a figure with its caption.
    """
    for table in soup.find_all("table"):
        if table.decomposed:
            continue
        rows = [r for r in table.find_all("tr") if r.find_parent("table") is table]
        cells = [c for r in rows for c in r.find_all(["td", "th"], recursive=False)]
        one_column = all(len(r.find_all(["td", "th"], recursive=False)) <= 1 for r in rows)
        if not (one_column or table.find("table")):
            continue
        captioned = (
            one_column
            and len(cells) >= 2
            and cells[0].find("img") is not None
            and not normalise(cells[0].get_text())
            and not any(c.find("img") for c in cells[1:])
        )
        holder = soup.new_tag("figure" if captioned else "div")
        for number, cell in enumerate(cells):
            part = soup.new_tag("figcaption" if captioned and number else "div")
            part.extend(list(cell.contents))
            holder.append(part)
        table.replace_with(holder)


def _resolve_addresses(soup: BeautifulSoup, report: FileReport, base_url: str | None) -> None:
    """Make relative links and images absolute (reported); list every image."""
    for el in soup.find_all(["a", "img"]):
        attr = "href" if el.name == "a" else "src"
        url = str(el.get(attr) or "").strip()
        if url.startswith("//") and not base_url:
            report.links.append({"from": url, "to": "https:" + url, "why": "no scheme, made https"})
            el[attr] = url = "https:" + url
        elif url and not url.startswith("#") and not urlsplit(url).scheme:
            if base_url:
                absolute = urljoin(base_url, url)
                why = "relative to the old site"
                report.links.append({"from": url, "to": absolute, "why": why})
                el[attr] = url = absolute
            else:
                report.links.append({"from": url, "to": url, "why": "relative, old site unknown"})
        if el.name != "img":
            continue
        alt, _, title = str(el.get("alt") or "").partition(TITLE_MARK)
        if not url:
            report.remove("sanitiser", f"<img> without a web address ({alt or 'no alt text'})")
            el.decompose()
            continue
        if not alt.strip():
            figure = el.find_parent("figure")
            caption = figure.find("figcaption") if figure is not None else None
            alt = normalise(caption.get_text(" ")) if caption is not None else ""
            alt = alt or _alt_from_file_name(url)
            report.notes.append(f"image {url} had no alt text; it now reads {alt!r}")
            el["alt"] = f"{alt}{TITLE_MARK}{title}" if title else alt
        report.images.append({"src": url, "alt": normalise(alt)})


def _alt_from_file_name(url: str) -> str:
    """The words of an image's file name: "team-lunch_2019-300x200.jpg" reads "team lunch 2019"."""
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    stem = IMAGE_EXTENSION_RE.split(name, maxsplit=1)[0]
    stem = re.sub(r"[-_]\d+x\d+$", "", stem)  # a thumbnail's size
    return " ".join(w for w in re.split(r"[\W_]+", stem) if w) or "image"
