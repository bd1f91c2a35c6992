"""A whole old blog, from every kind of source at once, imported into the site
with `invoke import`, and the site still passes `invoke check`: the strict
publish build, the Nu HTML checker, feeds, links and anchors, redirects and
the newsletter pre-send check."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

from bs4 import BeautifulSoup

from nextsale import redirects

# One real file of each kind (tests/fixtures/SOURCES.md says where each comes from).
SOURCES = [
    "import-wxr/wordpressexport.xml",
    "import-blogger/bloggerexport.xml",
    "import-feed/pelican-all.atom.xml",
    "import-ghost/ghost.json",
    "import-substack/export",
    "import-medium/pelican-export",
    "import-markdown/2016-10-06-jekyll-3-3-is-here.md",
    "import-markdown/rich-content.md",
    "import-markdown/secondpost.md",
    "import-pages/wordpress/source.html",
    "import-pages/medium-1/source.html",
    "import-pages/blogger/source.html",
    "import-scraped/tumblr.txt",
]


def invoke(project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_a_whole_blog_imports_and_the_site_passes_invoke_check(project_copy):
    fixtures = project_copy / "tests" / "fixtures"
    sources = shlex.join(str(fixtures / s) for s in SOURCES)
    done = invoke(project_copy, "import", sources, "--site-url", "https://old-blog.example/")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    report = json.loads((project_copy / "import-report.json").read_text(encoding="utf-8"))
    totals = report["totals"]
    for fmt in ("wordpress", "blogger", "feed", "ghost", "substack", "medium", "markdown",
                "html", "text"):  # fmt: skip
        assert totals[fmt]["failed"] == 0 and totals[fmt]["articles"] >= 1, (fmt, totals)

    checked = invoke(project_copy, "check")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
    assert "6 of 6 checks passed." in checked.stdout

    # The reader who follows an old WordPress address lands on the new article.
    build = invoke(project_copy, "build")
    assert build.returncode == 0, build.stderr[-2000:]
    output = project_copy / "output"
    page = (output / "with-excerpt" / "index.html").read_text(encoding="utf-8")
    assert redirects.is_redirect_page(page)
    target = BeautifulSoup(page, "html.parser").find("link", rel="canonical")["href"]
    new = output / target.split("://", 1)[-1].split("/", 1)[1] / "index.html"
    assert "With excerpt" in new.read_text(encoding="utf-8")
    assert "/with-excerpt/ " in (output / "_redirects").read_text(encoding="utf-8")
