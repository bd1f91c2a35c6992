"""The benchmark command works end to end on a tiny corpus (times are not asserted)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_corpus_is_deterministic_and_shaped_like_posts(tmp_path):
    from bench import corpus

    first = corpus.generate(tmp_path / "a", 20)
    second = corpus.generate(tmp_path / "b", 20)
    posts = sorted((first / "articles" / "generated").glob("*.md"))
    assert len(posts) == 20
    for post in posts:
        twin = second / "articles" / "generated" / post.name
        assert post.read_bytes() == twin.read_bytes()
        text = post.read_text(encoding="utf-8")
        body = text.split("\n\n", 1)[1]
        tags = next(line for line in text.splitlines() if line.startswith("Tags:"))
        assert 3 <= len(tags.split(":", 1)[1].split(",")) <= 5
        assert 650 <= len(body.split()) <= 1000
        assert "\n## " in body and "\n- " in body and "\n> " in body
    assert any("{filename}" in p.read_text(encoding="utf-8") for p in posts)


def test_bench_runs_and_writes_results(tmp_path):
    results = tmp_path / "RESULTS.md"
    notes = "## The edit loop after abc1234\n\nWhat this round changed, by hand.\n"
    results.write_text(f"# Benchmark results\n\n{notes}", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench.py"),
            "--sizes",
            "20",
            "--repeats",
            "1",
            "--plugin-costs",
            "--one-core",
            "--results",
            str(results),
            "--work",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = results.read_text(encoding="utf-8")
    assert report.endswith(notes)  # the team's notes stay, after this run
    assert "| 20 |" in report and "A/B" in report
    assert "incremental / full: cache only" in report and "changed pages only" in report
    assert "### One core" in report and "taskset -c 0" in report
    # Timed against Hugo when it is installed, and said so when it is not.
    assert "A/Hugo (pairs)" in report or "`hugo` is not on PATH" in report
    for plugin in ("taxonomy", "feeds", "newsletter"):
        assert plugin in report
    for page in ("index", "article", "tag page", "tags index"):
        assert f"| {page} |" in report
    assert "001-three-ways-to-earn-the-second-order" in report
    assert "Taxonomy plugin scaling" in report and "µs/article" in report


def test_edit_loop_rebuilds_after_every_kind_of_edit(tmp_path):
    from bench import corpus, editloop

    site = corpus.generate(tmp_path / "corpus", 20)
    results = editloop.run(site, tmp_path / "work", edits=1, through_watcher=True)
    assert set(results) == set(editloop.KINDS)
    for kind, runs in results.items():
        assert len(runs) == 1, kind
        assert runs[0]["changed"], f"the {kind} edit does not show in the rebuilt site"
        assert runs[0]["seconds"] >= runs[0]["rebuild_seconds"] > 0
    # The edits really happened to the corpus the loop built.
    generated = site / "articles" / "generated"
    assert len(list(generated.glob("new-*.md"))) == 1
    assert len(list(generated.glob("post-*.md"))) == 19
    assert not any("Status: draft" in p.read_text("utf-8") for p in generated.glob("*.md"))


def test_a_run_replaces_the_last_run_and_keeps_every_note():
    from bench.report import BEGIN, END, merged

    notes = "# Benchmark results\n\nDate: then\n\n## Round two\n\nBy hand.\n"
    first = merged(notes, "## Latest `invoke bench` run\n\nfirst\n")
    assert first.startswith("# Benchmark results\n\n" + BEGIN) and first.endswith(
        "Date: then\n\n## Round two\n\nBy hand.\n"
    )
    second = merged(first, "## Latest `invoke bench` run\n\nsecond\n")
    assert "second" in second and "first" not in second
    assert second.count(BEGIN) == second.count(END) == 1
    assert second.replace("second", "first") == first
    assert merged(None, "run\n") == f"# Benchmark results\n\n{BEGIN}\nrun\n{END}\n"
