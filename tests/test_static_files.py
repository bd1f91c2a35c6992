"""Static files that would leak or run are never copied; links never leave content/."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from conftest import Site, article, make_settings, run_pelican, run_sitebuild, write_files

from nextsale import static

PLUGINS = {"PLUGINS": ["reading", "content_checks"]}
ARTICLE = {
    "articles/a.md": article(
        "Keep the receipt",
        '![Curve]({static}/images/ok.svg) and <img alt="x" src="{static}/images/evil.svg">'
        " and [conf]({filename}/../pelicanconf.py) and [up]({static}/../secret.txt)"
        " and [env]({static}/images/.env)",
        slug="a",
    ),
    "images/ok.svg": '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
    "images/evil.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "images/handler.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "images/foreign.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>'
    ),
    "images/page.html": "<script>alert(1)</script>",
    "images/data.xml": "<a/>",
    "images/.htaccess": "Options +Indexes",
    "images/.git/config": "[core]",
    "images/.env": "SECRET=1",
}


def warnings(site) -> list[str]:
    return site.messages(source=("content_checks",))


def one(site, needle: str) -> str:
    return site.one_message(needle, source=("content_checks",))


def leaky_site(tmp_path) -> Site:
    """A site with links out of content/, a FIFO, active files and hidden files."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("PRIVATE", encoding="utf-8")
    (outside / "private.md").write_text(article("PRIVATE notes", slug="private"), "utf-8")
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")
    # The output folder is deeper, so a file written next to it would be visible.
    content, output = tmp_path / "content", tmp_path / "built" / "output"
    write_files(content, ARTICLE)
    (content / "images" / "passwd.png").symlink_to("/etc/passwd")
    (content / "images" / "elsewhere").symlink_to(outside)
    (content / "images" / "loop").symlink_to(tmp_path)  # a folder above content/
    os.mkfifo(content / "images" / "pipe.png")
    (content / "articles" / "leak.md").symlink_to(outside / "private.md")
    (content / "articles" / "elsewhere").symlink_to(outside)
    (content / "pages").mkdir()
    (content / "pages" / ".#draft.md").symlink_to("nobody@host.1234")  # an editor's lock
    write_files(content, {"articles/.wip.md": article("Work in progress", slug="wip")})
    (content / "pages" / "loop").symlink_to(tmp_path)
    settings = make_settings(content, output, False, PLUGINS)
    return Site(content, output, settings, run_pelican(settings))


def test_nothing_that_leaks_or_runs_is_copied(tmp_path):
    site = leaky_site(tmp_path)
    copied = sorted(p.relative_to(site.output).as_posix() for p in site.files())
    images = [p for p in copied if p.startswith("images/")]
    assert images == ["images/ok.svg"], copied
    assert not any("secret" in p or "pelicanconf" in p for p in copied)
    assert list(site.output.parent.iterdir()) == [site.output]
    assert "is reached through the symbolic link images/passwd.png" in one(site, "passwd.png")
    assert "folder outside the content folder" in one(site, "images/elsewhere")
    assert "folder outside the content folder" in one(site, "images/loop")
    assert "not a regular file" in one(site, "pipe.png")
    assert "symbolic link articles/leak.md" in one(site, "articles/leak.md")
    assert "nothing in it is read" in one(site, "articles/elsewhere")
    assert "nothing in it is read" in one(site, "pages/loop")
    everything = "".join(p.read_text("utf-8", "replace") for p in site.files())
    assert "PRIVATE" not in everything
    assert not (site.output / "2024" / "wip").exists()
    assert not [r for r in site.records if r.levelno >= logging.ERROR], site.messages()
    for name in ("evil.svg:", "handler.svg", "foreign.svg"):
        assert "SVG with script" in one(site, name)
    assert "document" in one(site, "page.html")
    assert "document" in one(site, "data.xml")
    assert not any(".htaccess" in m or "images/.git" in m for m in warnings(site))
    assert "is a hidden file" in one(site, "images/.env: ")
    assert "outside the content folder" in one(site, "{filename}/../pelicanconf.py")
    assert "outside the content folder" in one(site, "{static}/../secret.txt")
    hrefs = [a.get("href", "") for a in site.soup("2024/a/index.html").find_all("a")]
    assert not any("pelicanconf" in h or "secret" in h for h in hrefs), hrefs


def test_strict_build_fails_naming_the_link(tmp_path):
    content, output = tmp_path / "content", tmp_path / "output"
    write_files(content, {"articles/a.md": ARTICLE["articles/a.md"]} | {"images/x.png": b"png"})
    (content / "images" / "passwd.png").symlink_to("/etc/passwd")
    result = run_sitebuild(content, output, publish=True)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "images/passwd.png: is reached through the symbolic link" in result.stderr
    assert not output.exists()


def test_a_static_file_is_never_copied_outside_the_output_folder(build_site):
    extra = {"images/robots.txt": {"save_as": "../robots.txt"}}
    site = build_site({"images/robots.txt": "User-agent: *"}, EXTRA_PATH_METADATA=extra, **PLUGINS)
    assert "outside the output folder" in one(site, "images/robots.txt")
    assert not (site.output.parent / "robots.txt").exists()


def test_the_sample_image_is_allowed():
    root = Path(__file__).resolve().parent.parent / "content"
    assert static.refusal(root, "images/repeat-purchase-curve.svg") is None


def test_svg_rules():
    assert static.svg_is_active(b"<svg><svg:script/></svg>")
    assert static.svg_is_active(b'<svg><a href="&#106;avascript:alert(1)">x</a></svg>')
    assert static.svg_is_active(b'<svg><image href="data:image/svg+xml,x"/></svg>')
    assert static.svg_is_active("<svg>\u00e9</svg>".encode("utf-16"))
    assert not static.svg_is_active(b'<svg><text x="1">Donation button</text></svg>')


def test_folder_answers_are_reused_without_changing_any(tmp_path):
    from plugins.content_checks.static_files import _outside_link

    content, outside = tmp_path / "content", tmp_path / "outside"
    (content / "articles" / "deep").mkdir(parents=True)
    outside.mkdir()
    (outside / "private.md").write_text("x")
    (content / "articles" / "post.md").write_text("x")
    (content / "articles" / "deep" / "post.md").write_text("x")
    (content / "articles" / "leak.md").symlink_to(outside / "private.md")
    (content / "articles" / "alias.md").symlink_to(content / "articles" / "post.md")
    (content / "articles" / "out").symlink_to(outside)
    (content / "articles" / "in").symlink_to(content / "articles" / "deep")
    rels = [
        "articles/post.md",
        "articles/leak.md",
        "articles/alias.md",
        "articles/deep/post.md",
        "articles/out/private.md",
        "articles/in/post.md",
        "articles/out/missing.md",
        "top.md",
    ]
    folders: dict = {}
    for rel in rels * 2:  # the second round answers from the folders seen
        assert _outside_link(str(content), rel, folders) == static.outside_link(content, rel)
    assert _outside_link(str(content), "articles/leak.md", folders) == "articles/leak.md"
    assert _outside_link(str(content), "articles/out/private.md", folders) == "articles/out"
