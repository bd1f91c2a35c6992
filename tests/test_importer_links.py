"""Links between imported posts become `{filename}` links the build resolves; relative
links to the old site become absolute; `--fetch-images` brings the images home."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import struct
import threading
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES, ROOT, make_settings, run_pelican

from nextsale import sitecheck
from nextsale.importer import main
from nextsale.importer.images import fetch_images
from nextsale.importer.links import address_key, rewrite_links, same_import
from nextsale.importer.model import FileReport

EXPORT = FIXTURES / "import-wxr" / "wordpressexport.xml"
HOST = "thenextsale.example"
CURVE = ROOT / "content" / "images" / "repeat-purchase-curve.svg"


def our_export(*items: str) -> str:
    """A WXR file: the real export's channel head (authors, site), then `items`."""
    real = EXPORT.read_text(encoding="utf-8")
    return real[: real.index("<item>")] + "\n".join(items) + "\n </channel>\n</rss>\n"


def item(number: int, title: str, link: str, day: str, html: str) -> str:
    return f"""<item>
        <title>{title}</title>
        <link>{link}</link>
        <dc:creator>bob</dc:creator>
        <content:encoded><![CDATA[{html}]]></content:encoded>
        <wp:post_id>{number}</wp:post_id>
        <wp:post_date_gmt>{day} 09:30:00</wp:post_date_gmt>
        <wp:status>publish</wp:status>
        <wp:post_type>post</wp:post_type>
        <category domain="category" nicename="letters"><![CDATA[Letters]]></category>
    </item>"""


LETTERS = item(
    901,
    "Follow-up letters that get answered",
    "http://thisisa.test/2016/05/follow-up-letters/",
    "2016-05-10",
    "<p>A letter a week after the sale beats a discount code. Hand over"
    ' <a href="https://thisisa.test/2016/06/referral-cards#where-to-keep-them">referral'
    " cards</a> with it,"
    ' reread <a href="/with-excerpt/">the post with an excerpt</a> and'
    ' <a href="http://www.thisisa.test/tags/index.html">the one with tags</a>, or'
    ' <a href="../../../contact/">write to us</a>.</p>\n'
    '<p>Older letters are under <a href="/category/letters/">the letters category</a>.</p>',
)
CARDS = item(
    902,
    "Referral cards at the counter",
    "http://thisisa.test/2016/06/referral-cards/",
    "2016-06-02",
    "<h2>Where to keep them</h2><p>Keep a small stack of cards by the till and mention"
    " them once. They work best"
    ' together with <a href="http://thisisa.test/2016/05/follow-up-letters/">a follow-up'
    " letter</a> sent the week after.</p>",
)


def written_by_origin(entries: list[dict]) -> dict[str, Path]:
    """Each written file by its Imported-From value."""
    found = {}
    for entry in entries:
        if entry.get("output"):
            path = Path(entry["output"])
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith("Imported-From: "):
                    found[line.removeprefix("Imported-From: ")] = path
    return found


def run_import(tmp_path: Path, *args: str) -> tuple[int, list[dict], Path]:
    content = tmp_path / "content"
    report = tmp_path / "report.json"
    code = main([*args, "--dest", str(content / "articles"), "--report", str(report)])
    data = json.loads(report.read_text(encoding="utf-8"))
    return code, data["files"] if isinstance(data, dict) else data, content


def build(content: Path, tmp_path: Path) -> Path:
    output = tmp_path / "output"
    run_pelican(make_settings(content, output, False, {}))
    return output


def test_links_between_imported_posts_resolve_in_the_built_site(tmp_path):
    ours = tmp_path / "letters.xml"
    ours.write_text(our_export(LETTERS, CARDS), encoding="utf-8")
    code, entries, content = run_import(tmp_path, str(EXPORT), str(ours))
    assert code == 0, entries
    files = written_by_origin(entries)
    letters = files["http://thisisa.test/2016/05/follow-up-letters/"]
    cards = files["http://thisisa.test/2016/06/referral-cards/"]

    def link(key: str) -> str:
        return "{filename}/" + files[key].relative_to(content).as_posix()

    text = letters.read_text(encoding="utf-8")
    cards_link = link("http://thisisa.test/2016/06/referral-cards/")
    assert f"[referral cards]({cards_link}#where-to-keep-them)" in text
    assert f"({link('http://thisisa.test/with-excerpt/')})" in text
    assert f"({link('http://thisisa.test/tags/')})" in text
    assert f"({link('http://thisisa.test/contact/')})" in text
    assert link("http://thisisa.test/contact/").startswith("{filename}/pages/")
    assert "(http://thisisa.test/category/letters/)" in text
    assert f"({link('http://thisisa.test/2016/05/follow-up-letters/')})" in (
        cards.read_text(encoding="utf-8")
    )
    report = next(e for e in entries if e.get("output") == str(letters))
    assert {"from": "/with-excerpt/", "why": "imported post"} in [
        {"from": e["from"], "why": e["why"]} for e in report["links"]
    ]

    output = build(content, tmp_path)
    assert sitecheck.broken_links(output, HOST) == [], sitecheck.broken_links(output, HOST)
    assert sitecheck.broken_redirects(output, HOST) == []
    page = next(output.rglob("follow-up-letters-that-get-answered/index.html"))
    hrefs = [a["href"] for a in BeautifulSoup(page.read_text(), "html.parser").find_all("a")]
    assert "../../2016/referral-cards-at-the-counter/#where-to-keep-them" in hrefs
    assert "../../contact/" in hrefs or "../../page/" in hrefs
    # The old address now sends the reader to the new one.
    old = output / "2016" / "05" / "follow-up-letters" / "index.html"
    assert "../../../2016/follow-up-letters-that-get-answered/" in old.read_text()

    # Importing the same exports again changes nothing.
    before = letters.read_text(encoding="utf-8")
    code, again, _content = run_import(tmp_path, str(EXPORT), str(ours))
    assert code == 0, again
    assert {e["status"] for e in again if e.get("output")} == {"unchanged"}
    assert letters.read_text(encoding="utf-8") == before


def test_a_jekyll_redirect_from_becomes_a_redirect_page(tmp_path):
    source = tmp_path / "src" / "2016-10-06-jekyll-3-3-is-here.md"
    source.parent.mkdir()
    jekyll = (FIXTURES / "import-markdown" / source.name).read_text(encoding="utf-8")
    source.write_text(
        jekyll.replace("author: parkr\n", "author: parkr\nredirect_from: [/news/3-3/]\n"),
        encoding="utf-8",
    )
    code, entries, content = run_import(tmp_path, str(source))
    assert code == 0, entries
    assert "Aliases: /news/3-3/\n" in Path(entries[0]["output"]).read_text(encoding="utf-8")
    output = build(content, tmp_path)
    moved = BeautifulSoup((output / "news/3-3/index.html").read_text(), "html.parser")
    target = moved.find("meta", attrs={"http-equiv": "refresh"})["content"].partition("url=")[2]
    post = (output / "news" / "3-3" / target / "index.html").resolve()
    assert "Jekyll 3.3 is here" in post.read_text(encoding="utf-8")
    assert sitecheck.broken_redirects(output, HOST) == []


def test_a_changed_post_is_not_taken_for_a_second_import():
    kept = "Title: A\nImported-From: https://old.example/a/\n\nSee [b]({filename}/articles/b.md).\n"
    new = "Title: A\nImported-From: https://old.example/a/\n\nSee [b](/b/).\n"
    assert same_import(kept, new)
    assert same_import(kept.replace("[b]", "[the b post]"), new.replace("[b]", "[the b post]"))
    assert not same_import(kept, new.replace("See", "Read"))
    assert not same_import(kept, new.replace("[b](/b/)", "![b](/b/)"))
    absolute = (
        "Title: A\nImported-From: https://old.example/a/\n\n![c](https://old.example/c.png)\n"
    )
    assert same_import(absolute, absolute.replace("https://old.example/c.png", "../c.png"))
    assert not same_import(absolute, absolute.replace("https://old.example/c.png", "../d.png"))


def _post(folder: Path, name: str, origin: str, body: str) -> Path:
    path = folder / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Title: {name}\nImported-From: {origin}\n\n{body}\n", encoding="utf-8")
    return path


def test_earlier_imports_count_and_code_is_left_alone(tmp_path):
    articles = tmp_path / "content" / "articles"
    _post(articles, "earlier", "https://old.example/2014/earlier/", "Imported last week.")
    body = (
        "See [before](https://old.example/2014/earlier#why) and <https://old.example/2014/earlier/>.\n"
        "\n```\n[kept](https://old.example/2014/earlier/)\n```\n\n"
        "Also `[kept](/2014/earlier/)` and ![a photo](img/shop.jpg 'The shop').\n"
        "\n[note]: /2014/earlier/index.html\n"
    )
    new = _post(articles, "new", "https://old.example/2015/new/", body)
    report = FileReport("new.html", images=[{"src": "img/shop.jpg", "alt": "a photo"}])
    rewrite_links([(report, new)], {"PATH": str(tmp_path / "content")})
    text = new.read_text(encoding="utf-8")
    assert "[before]({filename}/articles/earlier.md#why)" in text
    assert "[earlier]({filename}/articles/earlier.md)" in text
    assert "[kept](https://old.example/2014/earlier/)\n```" in text
    assert "`[kept](/2014/earlier/)`" in text
    assert "![a photo](https://old.example/2015/new/img/shop.jpg 'The shop')" in text
    assert "[note]: {filename}/articles/earlier.md" in text
    assert report.images == [{"src": "https://old.example/2015/new/img/shop.jpg", "alt": "a photo"}]
    assert "relative to the old site" in report.links[-2]["why"]


def test_a_relative_link_with_no_known_old_address_is_kept_and_noted(tmp_path):
    post = _post(tmp_path / "content" / "articles", "plain", "plain.txt", "A [link](../x/).")
    report = FileReport("plain.txt")
    rewrite_links([(report, post)], {})
    assert "[link](../x/)" in post.read_text(encoding="utf-8")
    assert "../x/" in report.notes[0]


ELEVENTY = FIXTURES / "import-markdown" / "secondpost.md"


def test_raw_html_links_of_a_markdown_post_name_the_old_site_or_an_imported_file(tmp_path):
    # The real Eleventy post links to two sibling posts with raw HTML <a href>,
    # one from the site's root, one relative.
    code, [entry], _content = run_import(
        tmp_path, str(ELEVENTY), "--site-url", "https://old-blog.example/"
    )
    assert code == 0, entry
    text = Path(entry["output"]).read_text(encoding="utf-8")
    assert '<a href="https://old-blog.example/blog/firstpost.md">' in text
    assert '<a href="https://old-blog.example/blog/thirdpost.md">' in text
    assert {"from": "/blog/firstpost.md", "to": "https://old-blog.example/blog/firstpost.md",
            "why": "relative to the old site: made absolute"} in entry["links"]  # fmt: skip

    # Imported together with the post it names, the link leads to the new article.
    sibling = tmp_path / "posts"
    sibling.mkdir()
    shutil.copy(ELEVENTY, sibling / "secondpost.md")
    (sibling / "firstpost.md").write_text(
        "---\ntitle: The first one\ndate: 2018-05-01\n---\n\nWords enough to make a post.\n",
        encoding="utf-8",
    )
    code, entries, _content = run_import(tmp_path / "again", str(sibling))
    assert code == 0, entries
    second = next(Path(e["output"]) for e in entries if e["source"].endswith("secondpost.md"))
    assert '<a href="{filename}/articles/the-first-one.md">' in second.read_text(encoding="utf-8")


def test_the_printed_report_lists_images_and_rewritten_links(tmp_path, capsys):
    page = FIXTURES / "import-pages" / "wordpress" / "source.html"
    code, _entries, _content = run_import(
        tmp_path, str(page), str(ELEVENTY), "--site-url", "https://old-blog.example/"
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "  image: https://i0.wp.com/wptavern.com/wp-content/uploads/2016/07/" in printed
    assert (
        "  link: /blog/firstpost.md -> https://old-blog.example/blog/firstpost.md"
        " (relative to the old site: made absolute)"
    ) in printed


def test_site_url_must_be_an_address(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(ELEVENTY), "--site-url", "old-blog", "--dest", str(tmp_path)])
    assert "is not a site address; give it as https://old.example/" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    [
        "http://old.example/2015/03/post/",
        "https://www.old.example/2015/03/post",
        "/2015/03/post/index.html",
        "//old.example/2015/03/post/",
    ],
)
def test_every_spelling_of_an_old_address_is_one_key(url):
    assert address_key(url) == "/2015/03/post"


# --- images ----------------------------------------------------------------


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    """A real PNG: a few orange pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([230, 120, 30]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def image_server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving images, a page and a scripted SVG."""
    root = tmp_path / "served"
    (root / "shop").mkdir(parents=True)
    shutil.copy(CURVE, root / "shop" / "Purchase Curve.svg")
    (root / "shop" / "till.png").write_bytes(png_bytes())
    (root / "shop" / "notes.html").write_text("<p>Not an image.</p>", encoding="utf-8")
    (root / "shop" / "fake.png").write_text("<p>Not an image either.</p>", encoding="utf-8")
    (root / "shop" / "badge.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        encoding="utf-8",
    )
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/shop"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_fetch_images_end_to_end(tmp_path, image_server):
    images = {
        "curve": f"{image_server}/Purchase%20Curve.svg",
        "till": f"{image_server}/till.png",
        "missing": f"{image_server}/gone.jpg",
        "page": f"{image_server}/notes.html",
        "fake": f"{image_server}/fake.png",
        "script": f"{image_server}/badge.svg",
    }
    html = "<p>What the counter looks like after a good month of repeat orders.</p>" + "".join(
        f'<p><img src="{url}" alt="The {name} picture"></p>' for name, url in images.items()
    )
    html += f'<p><a href="{images["till"]}"><img src="{images["till"]}" alt="Again"></a></p>'
    source = tmp_path / "counter.xml"
    post = item(
        903, "The counter in May", "http://thisisa.test/2016/05/counter/", "2016-05-20", html
    )
    source.write_text(our_export(post), encoding="utf-8")
    code, entries, content = run_import(tmp_path, str(source), "--fetch-images")
    entry = next(e for e in entries if e.get("output"))
    written = Path(entry["output"])
    text = written.read_text(encoding="utf-8")
    folder = content / "images" / written.stem
    assert (folder / "purchase-curve.svg").read_bytes() == CURVE.read_bytes()
    assert (folder / "till.png").read_bytes() == png_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["purchase-curve.svg", "till.png"]
    static = f"{{static}}/images/{written.stem}"
    assert f"![The curve picture]({static}/purchase-curve.svg)" in text
    assert f"[![Again]({static}/till.png)]({static}/till.png)" in text
    for name in ("missing", "page", "fake", "script"):
        assert f"![The {name} picture]({images[name]})" in text
    reported = {image["src"]: image for image in entry["images"]}
    assert reported[images["till"]]["file"] == str(folder / "till.png")
    assert "404" in reported[images["missing"]]["error"]
    assert "text/html" in reported[images["page"]]["error"]
    assert "not a PNG" in reported[images["fake"]]["error"]
    assert "script" in reported[images["script"]]["error"]
    assert sum("image not fetched" in note for note in entry["notes"]) == 4
    assert code == 0, entry
    code, again, _content = run_import(tmp_path, str(source), "--fetch-images")
    assert [e["status"] for e in again if e.get("output")] == ["unchanged"]
    assert written.read_text(encoding="utf-8") == text

    output = build(content, tmp_path)
    page = next(output.rglob("the-counter-in-may/index.html"))
    srcs = [img["src"] for img in BeautifulSoup(page.read_text(), "html.parser").find_all("img")]
    assert f"../../images/{written.stem}/till.png" in srcs
    assert (output / "images" / written.stem / "purchase-curve.svg").is_file()


def test_offline_is_a_note_per_image_not_a_crash(tmp_path):
    post = _post(tmp_path / "content" / "articles", "away", "https://old.example/away/", "")
    refused = "http://127.0.0.1:9/closed.png"  # the discard port: nothing listens there
    post.write_text(post.read_text() + f"![shut]({refused})\n![also]({refused}?2)\n")
    report = FileReport("away.html", images=[{"src": refused}, {"src": f"{refused}?2"}])
    fetch_images([(report, post)], tmp_path / "content" / "images", timeout=2)
    assert f"![shut]({refused})" in post.read_text()
    assert [image["error"] for image in report.images] == ["the host refused the connection"] * 2
    assert len(report.notes) == 2
    nowhere = "http://images.old-blog.invalid/logo.png"  # .invalid never resolves
    post.write_text(post.read_text() + f"![logo]({nowhere})\n")
    report = FileReport("away.html", images=[{"src": nowhere, "alt": "logo"}])
    fetch_images([(report, post)], tmp_path / "content" / "images", timeout=2)
    assert "cannot find the host (offline" in report.notes[0] and nowhere in report.notes[0]
    assert not (tmp_path / "content" / "images").exists()
