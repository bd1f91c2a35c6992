"""`--fetch-images`: bring each imported post's images into the site.

Every image of a post is listed in its report (`{"src", "alt"}`). With
`--fetch-images` each one on the web is downloaded into
`content/images/<post-slug>/<name>` and the post's Markdown points at the copy
(`{static}/images/<post-slug>/<name>`), so the site no longer depends on the
old host. Only real images are kept: the server must say `image/…`, the bytes
must be a PNG, JPEG, GIF, WebP, AVIF or an SVG the build would copy (no
script); at most MAX_BYTES each. A download that fails is reported for its
image, and the post keeps the remote address; no network means a note per
image, never a crash.
"""

from __future__ import annotations

import os
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from nextsale.static import svg_is_active

from .links import image_stem, rewrite_links, rewrite_targets
from .model import FileReport

MAX_BYTES = 10 * 1024 * 1024
USER_AGENT = "nextsale-importer (fetching a post's own images)"
# Leading bytes of each raster format, and the file extension it gets.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
)
_SVG = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^>]*>\s*)?<svg\b", re.S)


class ImageRefused(ValueError):
    """A download is not an image the site may serve; the message says why."""


def image_extension(data: bytes) -> str:
    """The extension the bytes' format takes, or raise ImageRefused."""
    for signature, extension in SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return ".avif"
    if _SVG.match(data[:4096]):
        if svg_is_active(data):
            raise ImageRefused("an SVG with script, event handlers or links; not copied")
        return ".svg"
    raise ImageRefused("the bytes are not a PNG, JPEG, GIF, WebP, AVIF or SVG image")


def download(url: str, timeout: float) -> bytes:
    """The image at `url`, or raise ImageRefused / OSError with the reason."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        kind = response.headers.get_content_type()
        if not kind.startswith("image/"):
            raise ImageRefused(f"the server sent {kind}, not an image")
        size = response.headers.get("Content-Length")
        if size and size.isdigit() and int(size) > MAX_BYTES:
            raise ImageRefused(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRefused(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def reason(error: Exception) -> str:
    """A short sentence for why a download failed."""
    if isinstance(error, urllib.error.HTTPError):
        return f"the server answered {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        cause = error.reason
        if isinstance(cause, socket.gaierror):
            return "cannot find the host (offline, or the old site is gone)"
        if isinstance(cause, (TimeoutError, socket.timeout)):
            return "no answer in time"
        if isinstance(cause, ConnectionRefusedError):
            return "the host refused the connection"
        return f"cannot reach the host ({cause})"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "no answer in time"
    return str(error) or type(error).__name__


def safe_name(url: str, extension: str) -> str:
    """A file name from the URL's last part: lower-case letters, digits and dashes."""
    return image_stem(url) + extension


def place(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` as `name` in `folder`, or beside it (`-2`, `-3` …) when another
    file has that name; the same bytes already there are reused."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, extension = Path(name).stem, Path(name).suffix
    number = 1
    while True:
        target = folder / (name if number == 1 else f"{stem}-{number}{extension}")
        if not target.exists():
            target.write_bytes(data)
            return target
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            return target
        number += 1


def static_link(image: Path, post: Path, images_dir: Path) -> str:
    """`{static}` path of a fetched image: from the content folder (the images
    folder's parent) when the post is inside it, else relative to the post."""
    content = images_dir.resolve().parent
    try:
        post.resolve().relative_to(content)
        return "{static}/" + image.resolve().relative_to(content).as_posix()
    except ValueError:
        return "{static}" + Path(os.path.relpath(image, post.parent)).as_posix()


def fetch_post_images(
    report: FileReport, post: Path, images_dir: Path, timeout: float, failed_hosts: dict
) -> None:
    """Download one post's images and point its Markdown at them."""
    fetched: dict[str, str] = {}  # web address -> {static} link
    entry_files: dict[str, str] = {}
    for entry in report.images:
        url = entry.get("src", "")
        if entry.get("file") or urlsplit(url).scheme not in ("http", "https"):
            continue
        if url in fetched:
            entry["file"] = entry_files[url]
            continue
        host = urlsplit(url).netloc
        try:
            if host in failed_hosts:
                raise ImageRefused(failed_hosts[host])
            data = download(url, timeout)
            name = safe_name(url, image_extension(data))
            target = place(images_dir / post.stem, name, data)
        except (ImageRefused, OSError, ValueError) as error:
            why = reason(error)
            if isinstance(error, urllib.error.URLError) and not isinstance(
                error, urllib.error.HTTPError
            ):
                failed_hosts[host] = why  # one wait per unreachable host, not one per image
            entry["error"] = why
            report.notes.append(f"image not fetched, its web address is kept: {url} ({why})")
            continue
        fetched[url] = static_link(target, post, images_dir)
        entry["file"] = entry_files[url] = str(target)
    if not fetched:
        return
    text = post.read_text(encoding="utf-8")
    changed = rewrite_targets(text, lambda url, _is_image: fetched.get(url))
    if changed != text:
        post.write_text(changed, encoding="utf-8")


def fetch_images(written: list[tuple[FileReport, Path]], images_dir: Path, *, timeout=10) -> None:
    """Download every web image of the written posts into `images_dir/<post-slug>/`,
    rewrite the posts to use them, and note each one that could not be fetched."""
    failed_hosts: dict[str, str] = {}
    for report, post in written:
        if post.is_file() and report.images:
            fetch_post_images(report, post, images_dir, timeout, failed_hosts)


def images_folder(settings: dict, dest: Path) -> Path:
    """Where fetched images go: the content folder's images/ when the posts go inside
    the content folder, else an images/ folder beside the posts' folder."""
    dest = Path(dest).resolve()
    content = Path(settings["PATH"]).resolve() if settings.get("PATH") else None
    if content is not None and dest.is_relative_to(content):
        return content / "images"
    return dest.parent / "images"


def finish_batch(
    reports: list[FileReport], dest: Path, settings: dict, *, fetch: bool = False
) -> None:
    """Once a batch is written: links between its posts, then (with --fetch-images) images."""
    written = [
        (report, Path(report.output))
        for report in reports
        if report.output and report.status in ("imported", "unchanged")
    ]
    rewrite_links(written, settings)
    if fetch:
        fetch_images(written, images_folder(settings, dest))
