"""Old addresses of moved posts: which paths to redirect, and the files that do it.

A post brought in from another blog keeps its old address in `Imported-From:`
(when that is a URL) and may list more in `Aliases:` (`old/path/, /other.html`).
Only the path of an old address counts: an author who moved a blog from
another domain points that domain here, so `https://old.example/2015/03/post/`
becomes the path `/2015/03/post/` of this site (an address with a query, such
as WordPress's `/?p=12`, cannot be told apart by a static file and is left
alone). Each old path gets a small page
that sends the reader (and search engines) to the new address, and one line in
a redirects file (`_redirects`, the format Netlify and Cloudflare Pages read).

`plan` decides, for every post, which old paths can have a page: never one a
real page of the site is written at (the real page stays; a note names both),
and never one two posts claim (`RedirectClash` names both files).
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlparse

from nextsale.addresses import Outputs, path_problem

# Paths whose page a static host serves as HTML; others get only a redirects-file line.
PAGE_SUFFIXES = (".html", ".htm")
# The mark every redirect page carries, so a later build knows it may replace it.
MARK = "<!-- redirect:"


class RedirectClash(ValueError):
    """Two posts claim one old address; the message names both files."""


@dataclass(frozen=True)
class Redirect:
    """One old path of one post, and where it leads now."""

    old: str  # the old path, from the site's root: /2015/03/post/
    save_as: str | None  # the redirect page's output file, or None (redirects file only)
    url: str  # the post's new URL, relative to the site
    source: str  # the post's file, as the author sees it
    title: str
    lang: str


def _split(value: object) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def old_paths(metadata: Mapping[str, object]) -> list[str]:
    """Every old path a post's metadata names, from the site's root ('/2015/03/post/')."""
    found = []
    origin = str(metadata.get("imported-from") or "").strip()
    if urlparse(origin).scheme in ("http", "https"):
        found.append(origin)
    found += _split(metadata.get("aliases"))
    paths = []
    for value in found:
        parsed = urlparse(value)
        if parsed.query:
            continue  # a static file cannot tell ?p=12 from ?p=13: not redirected
        path = parsed.path if parsed.scheme or parsed.netloc else value.split("#")[0]
        path = "/" + unquote(path).lstrip("/")
        if path not in paths:
            paths.append(path)
    return paths


def output_path(old: str) -> str:
    """The file a redirect page for an old path goes in: a folder gets index.html."""
    rel = old.lstrip("/")
    if not rel or rel.endswith("/"):
        return rel + "index.html"
    if "." not in posixpath.basename(rel):
        return rel + "/index.html"
    return rel


def page_problem(save_as: str) -> str | None:
    """Why no page can be written at `save_as` (the redirects file may still serve it)."""
    why = path_problem(save_as)
    if why is not None:
        return why
    if not save_as.lower().endswith(PAGE_SUFFIXES):
        return "a static host would not serve a page there as HTML"
    return None


def plan(
    contents: Iterable, real: Mapping[str, str], display: Callable[[str], str]
) -> tuple[list[Redirect], list[tuple[str, str]]]:
    """(redirects to write, (source, note) for each old path left out).

    `contents` are the site's articles and pages, `real` maps each output file
    of the site to what writes it, `display(path)` names a source file.
    Raise RedirectClash when two posts claim one old path.
    """
    claims = Outputs()
    redirects, notes = [], []
    for item in sorted(contents, key=lambda c: c.source_path):
        source = display(item.source_path)
        for old in old_paths(item.metadata):
            save_as = output_path(old)
            if real.get(save_as) == source:
                continue  # the post is still at its old address
            if save_as in real:
                notes.append(
                    (
                        source,
                        f"its old address {old} is {save_as}, which is {real[save_as]};"
                        " that page stays and no redirect is written there (to stop this"
                        " note, take the address out of Aliases: or Imported-From:)",
                    )
                )
                continue
            earlier = claims.claim(save_as, source)
            if earlier is not None:
                raise RedirectClash(
                    f"{earlier} and {source} both give the old address {old} (in"
                    " Imported-From: or Aliases:); one address can lead to one post."
                    " Remove it from the file it does not belong to"
                )
            why = page_problem(save_as)
            if why is not None and path_problem(save_as) is not None:
                notes.append((source, f"its old address {old} cannot be a file here: {why}"))
                continue
            redirects.append(
                Redirect(
                    old=old,
                    save_as=None if why else save_as,
                    url=item.url,
                    source=source,
                    title=item.title,
                    lang=getattr(item, "lang", "") or "en",
                )
            )
    return redirects, notes


def link_from(save_as: str, url: str, site_url: str) -> str:
    """The new URL as the redirect page at `save_as` links to it."""
    if site_url:
        return f"{site_url.rstrip('/')}/{url}"
    depth = save_as.count("/")
    return "../" * depth + url if (depth or url) else "./"


def page(redirect: Redirect, target: str, canonical: str) -> str:
    """A tiny page that sends the reader to `target` at once, without script."""
    title = html.escape(redirect.title, quote=True)
    to, canon = html.escape(target, quote=True), html.escape(canonical, quote=True)
    source = redirect.source.replace("--", "- -")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(redirect.lang, quote=True)}">\n'
        f"{MARK} {source} -->\n"
        '<meta charset="utf-8">\n'
        f"<title>Moved: {title}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={to}">\n'
        f'<link rel="canonical" href="{canon}">\n'
        f'<p>This post has moved: <a href="{to}">{title}</a>.</p>\n'
        "</html>\n"
    )


def is_redirect_page(text: str) -> bool:
    """Whether an output file is a redirect page an earlier build wrote."""
    return text.startswith("<!DOCTYPE html>") and MARK in text[:400]


def _line_path(path: str) -> str:
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def redirects_file(redirects: Iterable[Redirect], base: str) -> str:
    """The redirects file: `/old /new 301`, grouped under a comment naming the source."""
    lines, last = [], None
    base = base.rstrip("/")
    for item in sorted(redirects, key=lambda r: (r.source, r.old)):
        if item.source != last:
            lines.append("# " + " ".join(item.source.splitlines()))
            last = item.source
        lines.append(f"{_line_path(item.old)} {_line_path(f'{base}/{item.url}')} 301")
    return "\n".join(lines) + "\n" if lines else ""
