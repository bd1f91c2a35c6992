"""The generated corpus as a Hugo site, to time Hugo on the same posts.

Only used when `hugo` is on PATH (Debian: `apt-get install hugo`); nothing in
the project needs it. The site has what our build makes of the same posts,
in Hugo's plainest form: a page per post, paginated home, tag, category and
author listings (6 a page), Hugo's built-in RSS for each of them, `ref` links
between posts. Our sample articles, pages and newsletter are left out.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import time
from pathlib import Path

import yaml

CONFIG = """\
baseURL = "https://thenextsale.example/"
title = "The Next Sale"
languageCode = "en"
paginate = 6
summaryLength = 45
enableRobotsTXT = true
[markup.goldmark.renderer]
unsafe = true
[permalinks]
posts = "/:year/:slug/"
[taxonomies]
tag = "tags"
category = "categories"
author = "authors"
"""

BASEOF = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}"></head>
<body><main>{{ block "main" . }}{{ end }}</main></body></html>
"""

SINGLE = """\
{{ define "main" }}<article><h1>{{ .Title }}</h1>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
{{ .Date.Format "2 January 2006" }}</time>
{{ .Content }}
<ul>{{ range .GetTerms "tags" }}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>{{ end }}
"""

LIST = """\
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ range .Paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ .Summary }}</article>
{{ end }}{{ template "_internal/pagination.html" . }}{{ end }}
"""

LINK = re.compile(r"\{filename\}/articles/generated/(post-\d+\.md)")


def available() -> bool:
    return shutil.which("hugo") is not None


def version() -> str:
    done = subprocess.run(["hugo", "version"], capture_output=True, text=True, check=True)
    return done.stdout.split()[1] if done.stdout else "?"


def write_site(corpus: Path, site: Path) -> Path:
    """Write the corpus's generated posts as a Hugo site at `site` (replacing it)."""
    shutil.rmtree(site, ignore_errors=True)
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    (site / "config.toml").write_text(CONFIG, encoding="utf-8")
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name, text in (("baseof", BASEOF), ("single", SINGLE), ("list", LIST)):
        (layouts / f"{name}.html").write_text(text, encoding="utf-8")
    for source in sorted((corpus / "articles" / "generated").glob("*.md")):
        head, body = source.read_text(encoding="utf-8").split("\n\n", 1)
        meta = dict(line.split(": ", 1) for line in head.splitlines())
        front = {
            "title": meta["Title"],
            "date": meta["Date"].replace(" ", "T") + ":00Z",
            "slug": meta["Slug"],
            "summary": meta["Summary"],
            "categories": [meta["Category"]],
            "tags": [tag.strip() for tag in meta["Tags"].split(",")],
            "authors": [meta["Author"]],
        }
        if meta.get("Status") == "draft":
            front["draft"] = True
        body = LINK.sub(r'{{< ref "posts/\1" >}}', body)
        text = "---\n" + yaml.safe_dump(front, sort_keys=True, allow_unicode=True) + "---\n\n"
        (posts / source.name).write_text(text + body, encoding="utf-8")
    return site


def build(site: Path, output: Path) -> dict:
    """Run `hugo --quiet` on the site into an empty `output`; its wall and CPU seconds."""
    shutil.rmtree(output, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        ["hugo", "--quiet", "--source", str(site), "--destination", str(output)],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"seconds": seconds, "cpu_seconds": cpu}
