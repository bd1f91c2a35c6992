"""Reading on every core must give exactly the site a one-core build gives."""

from __future__ import annotations

from conftest import article, tree_differences

FILES = {
    f"articles/post-{n:02d}.md": article(
        f"Post {n}",
        f"## Heading {n}\n\nCall customer {n} back. [Earlier]({{filename}}/articles/post-00.md)",
        date=f"2023-01-{n + 1:02d} 08:00",
        tags="follow-up, trust",
    )
    for n in range(12)
}


def test_parallel_read_builds_the_same_site(build_site):
    serial = build_site(FILES, PARALLEL_READ_WORKERS=1)
    parallel = build_site(FILES, PARALLEL_READ_WORKERS=2, PARALLEL_READ_MIN_FILES=1)
    assert any("read 12 articles on 2 workers" in m for m in parallel.messages(0))
    assert tree_differences(serial.output, parallel.output) == []


def test_warnings_from_workers_reach_the_build_log(build_site):
    files = dict(FILES)
    files["articles/twice.md"] = "Title: Twice\nDate: 2023-02-01\nDate: 2023-02-02\n\nBody text.\n"
    site = build_site(files, PARALLEL_READ_WORKERS=2, PARALLEL_READ_MIN_FILES=1)
    assert any("Duplicate definition of `date`" in m for m in site.messages())
