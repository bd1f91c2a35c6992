"""Rendering on two processes must give exactly the site one process gives."""

from __future__ import annotations

from conftest import article, tree_differences
from test_parallel_read import FILES


def test_parallel_write_builds_the_same_site(build_site):
    serial = build_site(FILES, PARALLEL_WRITE=False, PARALLEL_READ_WORKERS=1)
    shared = build_site(FILES, PARALLEL_WRITE_MIN_ARTICLES=1, PARALLEL_READ_WORKERS=1)
    assert tree_differences(serial.output, shared.output) == []


def test_warnings_while_rendering_reach_the_build_log(build_site):
    # A broken {filename} link is reported when the article page is rendered,
    # by whichever process renders it.
    files = {
        f"articles/broken-{n}.md": article(
            f"Broken {n}",
            f"See [this](nowhere-{n}.md) and [that]({{filename}}/missing-{n}.md).",
            summary="A summary that does not need the body.",
            date=f"2023-03-{n + 1:02d} 08:00",
        )
        for n in range(8)
    }
    site = build_site(files, PARALLEL_WRITE_MIN_ARTICLES=1, PARALLEL_READ_WORKERS=1)
    warned = " ".join(site.messages())
    assert all(f"missing-{n}.md" in warned for n in range(8)), warned
