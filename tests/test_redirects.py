"""Old addresses of imported posts lead to their new pages: a redirect page per old path,
a `_redirects` file, never over a real page, and `invoke check` finds a broken one."""

from __future__ import annotations

import logging
import shutil

import pytest
from conftest import article, run_sitebuild, write_files

from nextsale import redirects, sitecheck

HOST = "thenextsale.example"

FIRST = article(
    "Ask for the second order",
    slug="second-order",
    imported_from="https://oldblog.example.net/2015/03/ask-for-the-second-order/",
    aliases="/archives/112.html, old/second-order/",
)
SECOND = article(
    "Thank-you notes that sell",
    slug="thank-you-notes",
    date="2016-05-02 08:00",
    imported_from="http://oldblog.example.net/thank-you-notes.html",
)
ABOUT = "Title: About\nSlug: about\n\nWho writes these posts, and why.\n"


def refresh_target(soup) -> str:
    meta = soup.find("meta", attrs={"http-equiv": "refresh"})
    return meta["content"].partition("url=")[2]


def test_each_old_address_gets_a_page_that_sends_the_reader_on(build_site):
    site = build_site({"articles/first.md": FIRST, "articles/second.md": SECOND})
    assert site.messages(source=("redirects",)) == []
    old = site.soup("2015/03/ask-for-the-second-order/index.html")
    assert old.html["lang"] == "en"
    assert old.title.string == "Moved: Ask for the second order"
    assert refresh_target(old) == "../../../2024/second-order/"
    assert old.find("link", rel="canonical")["href"] == f"https://{HOST}/2024/second-order/"
    assert old.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert old.a["href"] == "../../../2024/second-order/"
    assert old.a.get_text() == "Ask for the second order"
    assert old.find("script") is None
    # The page it points to is the post itself.
    new = site.path("2015/03/ask-for-the-second-order") / refresh_target(old)
    assert "Ask for the second order" in (new / "index.html").read_text(encoding="utf-8")
    assert refresh_target(site.soup("archives/112.html")) == "../2024/second-order/"
    assert refresh_target(site.soup("old/second-order/index.html")) == "../../2024/second-order/"
    assert refresh_target(site.soup("thank-you-notes.html")) == "2016/thank-you-notes/"
    assert len(site.text("thank-you-notes.html").encode()) < 1024
    assert site.text("_redirects").splitlines() == [
        "# articles/first.md",
        "/2015/03/ask-for-the-second-order/ /2024/second-order/ 301",
        "/archives/112.html /2024/second-order/ 301",
        "/old/second-order/ /2024/second-order/ 301",
        "# articles/second.md",
        "/thank-you-notes.html /2016/thank-you-notes/ 301",
    ]
    assert sitecheck.broken_redirects(site.output, HOST) == []
    assert sitecheck.broken_links(site.output, HOST) == []


def test_redirect_pages_are_valid_html(build_site, tmp_path):
    site = build_site({"articles/first.md": FIRST, "articles/second.md": SECOND})
    pages = tmp_path / "redirect-pages"
    for number, page in enumerate(sorted(site.output.rglob("*.html"))):
        if redirects.is_redirect_page(page.read_text(encoding="utf-8")):
            pages.mkdir(exist_ok=True)
            shutil.copy(page, pages / f"{number}.html")
    assert len(list(pages.iterdir())) == 4
    try:
        assert sitecheck.nu_html_problems(pages) == []
    except sitecheck.ToolMissing as missing:
        pytest.skip(str(missing))


def test_publish_build_points_at_the_absolute_address(build_site):
    site = build_site({"articles/first.md": FIRST}, publish=True)
    old = site.soup("archives/112.html")
    assert refresh_target(old) == f"https://{HOST}/2024/second-order/"
    assert sitecheck.broken_redirects(site.output, HOST) == []


def test_an_old_address_that_is_a_real_page_keeps_the_page(build_site):
    claims_about = article(
        "Keep in touch",
        slug="keep-in-touch",
        aliases="/about/, /keep.php",
        imported_from="notes.txt",
    )
    site = build_site({"articles/keep.md": claims_about, "pages/about.md": ABOUT})
    # Said, at info level: nothing is broken, so a strict build goes on.
    assert site.messages(source=("redirects",)) == []
    noted = [m for m in site.messages(logging.INFO, source=("redirects",)) if "/about/" in m]
    assert len(noted) == 1
    assert "articles/keep.md" in noted[0] and "pages/about.md" in noted[0]
    assert "Who writes these posts" in site.text("about/index.html")
    assert not redirects.is_redirect_page(site.text("about/index.html"))
    # No page where a host would not serve HTML, but the redirects file still has the line.
    assert not site.path("keep.php").exists()
    assert site.text("_redirects").splitlines()[1:] == ["/keep.php /2024/keep-in-touch/ 301"]


def test_two_posts_with_one_old_address_stop_the_build_naming_both(tmp_path):
    content = tmp_path / "content"
    write_files(
        content,
        {
            "articles/first.md": FIRST,
            "articles/other.md": article("Another post", slug="other", aliases="archives/112.html"),
        },
    )
    done = run_sitebuild(content, tmp_path / "output")
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "articles/first.md and articles/other.md both give the old address" in said
    assert "/archives/112.html" in said
    assert not (tmp_path / "output" / "archives").exists()


def test_check_finds_a_redirect_whose_post_is_gone(build_site):
    site = build_site({"articles/first.md": FIRST, "articles/second.md": SECOND})
    shutil.rmtree(site.path("2024/second-order"))
    found = sitecheck.broken_redirects(site.output, HOST)
    assert "archives/112.html (for articles/first.md) -> ../2024/second-order/: no such page" in (
        found
    )
    assert "_redirects:3 (for articles/first.md) -> /2024/second-order/: no such page" in found
    assert not any("second.md" in line for line in found)


def test_no_redirects_file_when_the_setting_is_none(build_site):
    site = build_site({"articles/first.md": FIRST}, REDIRECTS_FILE=None)
    assert site.path("archives/112.html").is_file()
    assert not site.path("_redirects").exists()


def test_a_bad_redirects_file_setting_is_a_clear_error(build_site):
    with pytest.raises(ValueError, match=r"REDIRECTS_FILE '\.\./x' cannot work"):
        build_site({"articles/first.md": FIRST}, REDIRECTS_FILE="../x")


@pytest.mark.parametrize(
    ("old", "save_as"),
    [
        ("/2015/03/post/", "2015/03/post/index.html"),
        ("/post.html", "post.html"),
        ("/post", "post/index.html"),
        ("/", "index.html"),
    ],
)
def test_output_path_of_an_old_address(old, save_as):
    assert redirects.output_path(old) == save_as


def test_old_paths_read_urls_paths_and_lists():
    meta = {
        "imported-from": "https://old.example/caf%C3%A9/#top",
        "aliases": "a/b/, /c.html, https://other.example/d/, https://old.example/?p=12",
    }
    assert redirects.old_paths(meta) == ["/café/", "/a/b/", "/c.html", "/d/"]
    assert redirects.old_paths({"imported-from": "post.txt"}) == []
