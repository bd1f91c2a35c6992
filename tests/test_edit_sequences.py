"""After every edit, the live-reload rebuild gives the very bytes a clean build gives.

A small site (the sample content plus generated articles) is built once the way
`invoke livereload` builds it, then edited step by step with a seeded random
sequence of every kind of edit an author makes. After each step the live
session rebuilds in this process, a clean build of the same content runs in a
fresh process with an empty cache, and the two output trees must be identical.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import tree_differences
from edited_site import GENERATED, SEED, TAGS, clean_build, generated_note, sentence

from nextsale.live import LiveSite

STEPS = 16
# The edits an author makes to articles and pages; settings, template and
# plugin code changes are applied once each, at fixed steps, and must rebuild
# everything (plugin code in a new process: a running one keeps the old code).
KINDS = ("body", "title", "date", "tags", "new", "delete", "publish", "page")
SETTINGS_STEP, TEMPLATE_STEP, PLUGIN_STEP = 5, 11, 14


def _set_field(path: Path, key: str, value: str | None) -> None:
    """Replace (or add, or with None remove) one front-matter line."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    lines = [line for line in head.splitlines() if not line.startswith(f"{key}:")]
    if value is not None:
        lines.append(f"{key}: {value}")
    path.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")


class Author:
    """Edits the site's content the way an author does, from a seeded generator."""

    def __init__(self, content: Path, rng: random.Random) -> None:
        self.content, self.rng = content, rng
        self.next_number = GENERATED

    def notes(self) -> list[Path]:
        return sorted((self.content / "articles").glob("note-*.md"))

    def articles(self) -> list[Path]:
        return sorted((self.content / "articles").glob("*.md"))

    def edit(self, kind: str) -> str:
        rng = self.rng
        if kind == "body":
            path = rng.choice(self.articles())
            with path.open("a", encoding="utf-8") as text:
                text.write(f"\n{sentence(rng)}\n")
        elif kind == "title":
            path = rng.choice(self.articles())
            title = f"{sentence(rng).strip()} & <more> “quoted”"
            _set_field(path, "Title", title[: rng.randint(12, len(title))])
        elif kind == "date":
            path = rng.choice(self.articles())
            _set_field(path, "Date", f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-03 09:00")
        elif kind == "tags":
            path = rng.choice(self.articles())
            _set_field(path, "Tags", ", ".join(rng.sample(TAGS, rng.randint(1, 3))))
        elif kind == "new":
            path = self.content / "articles" / f"note-{self.next_number:03d}.md"
            path.write_text(generated_note(self.next_number, rng), encoding="utf-8")
            self.next_number += 1
        elif kind == "delete":
            path = rng.choice(self.notes())
            path.unlink()
        elif kind == "publish":
            drafts = [p for p in self.notes() if "Status: draft" in p.read_text(encoding="utf-8")]
            path = rng.choice(drafts or self.notes())
            _set_field(path, "Status", None if drafts else "draft")
        else:
            path = self.content / "pages" / "about.md"
            with path.open("a", encoding="utf-8") as text:
                text.write(f"\n{sentence(rng)}\n")
        return f"{kind} {path.name}"


@pytest.mark.parametrize("processes", [1, 2])
def test_every_edit_gives_the_bytes_of_a_clean_build(edited_project, caplog, processes):
    """On one process, and with the pages shared with a second one (as on a site
    big enough to fork), with another random sequence."""
    tmp_path, settings, content, theme, overrides = edited_project
    if processes == 2:
        overrides = {**overrides, "PARALLEL_WRITE_MIN_ARTICLES": 2}
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok
    rng = random.Random(SEED + processes)
    author = Author(content, rng)
    # Every kind at least once; body edits, the commonest, fill the other steps.
    kinds = list(KINDS) + [rng.choice(("body", "body", *KINDS)) for _ in range(STEPS - len(KINDS))]
    rng.shuffle(kinds)
    caplog.set_level("DEBUG")
    selective = shared = 0
    for step, kind in enumerate(kinds):
        if step == SETTINGS_STEP:
            with settings.open("a", encoding="utf-8") as text:
                text.write("\nDEFAULT_PAGINATION = 4\n")
            done = "settings: DEFAULT_PAGINATION"
        elif step == TEMPLATE_STEP:
            page = theme / "templates" / "article.html"
            page.write_text(
                page.read_text(encoding="utf-8").replace(
                    "</article>", "<p>Edited.</p></article>", 1
                ),
                encoding="utf-8",
            )
            done = "template: article.html"
        elif step == PLUGIN_STEP:
            code = tmp_path / "plugins" / "sitemap_xml" / "sitemap_xml.py"
            code.write_text(code.read_text(encoding="utf-8") + "\n# Edited.\n", encoding="utf-8")
            done = "plugin: sitemap_xml.py"
        else:
            done = author.edit(kind)
        caplog.clear()
        result = live.rebuild()
        assert result.ok, f"step {step} ({done}): {result.failed}"
        selective += "rendering only" in caplog.text
        shared += "rendered on two processes" in caplog.text
        if step in (SETTINGS_STEP, TEMPLATE_STEP):
            assert re.search(r"rendering everything|full build", caplog.text), done
        if step >= PLUGIN_STEP:
            assert "in a new process" in caplog.text, done
        clean = clean_build(settings, content, overrides, tmp_path / "clean")
        differences = tree_differences(live.output, clean)
        assert differences == [], f"step {step} ({done}): {differences[:10]}"
    assert selective, "no step rendered only what changed: the sequence tests nothing new"
    assert bool(shared) == (processes == 2)
