"""A live session renders again only the pages whose inputs changed (plugins/engine/memo.py).

The edit sequences (test_edit_sequences.py) show that the output stays that of
a clean build after every kind of edit; these show that the memo does keep
pages, and the cases where it must not: a value read in Python (a guidance
link reads its target page's title), a deleted article, a template it cannot
follow, an object it cannot see into.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from conftest import tree_differences
from edited_site import clean_build
from jinja2 import DictLoader, Environment
from pelican.urlwrappers import URLWrapper

from nextsale.live import AFTER_RELOAD, LiveSite
from plugins.engine import digests, memo, sharing

COUNTS = re.compile(r"engine: (\d+) pages rendered, (\d+) unchanged kept, (\d+) files gone")


def _rebuild(live: LiveSite, caplog) -> tuple[int, int, int]:
    caplog.clear()
    assert live.rebuild().ok
    found = COUNTS.findall(caplog.text)
    assert found, caplog.text[-2000:]
    return tuple(int(number) for number in found[-1])


def _live(project) -> tuple[LiveSite, Path, Path, dict, Path]:
    tmp_path, settings, content, _, overrides = project
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok  # the first build fills the memo
    return live, settings, content, overrides, tmp_path


def _same_as_clean(live, settings, content, overrides, tmp_path) -> None:
    clean = clean_build(settings, content, overrides, tmp_path / "clean")
    assert tree_differences(live.output.resolve(), clean) == []


def test_a_body_edit_renders_only_the_pages_that_show_that_article(edited_project, caplog):
    live, settings, content, overrides, tmp_path = _live(edited_project)
    caplog.set_level("INFO")
    total = len(list(live.output.rglob("*.html")))
    rendered, _, gone = _rebuild(live, caplog)
    assert (rendered, gone) == (0, 0)  # nothing changed, nothing rendered

    note = content / "articles" / "note-004.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    rendered, _, gone = _rebuild(live, caplog)
    # Its own page, and the few that show its text: not the site.
    assert 1 <= rendered < total / 10
    assert gone == 0
    page = live.output / "2022" / "note-004" / "index.html"
    assert "One more line." in page.read_text(encoding="utf-8")
    _same_as_clean(live, settings, content, overrides, tmp_path)
    # A title edit then finds every page's record, the skipped ones' too.
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("Title: Generated note 4", "Title: Note four"), encoding="utf-8")
    rendered, kept, _ = _rebuild(live, caplog)
    assert 1 <= rendered < total / 4 and kept > total / 2
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_kept_page_gets_no_folder_made_for_it(edited_project, caplog, monkeypatch):
    """A session writes each rebuild into a staging folder it keeps, then moves the
    pages into the output. Pelican's writer makes each page's folder before it
    opens the page; a page the memo keeps is written nowhere, so no folder is made
    for it: the staging folder holds only the folders of the files moved out."""
    import pelican.writers

    live, settings, content, overrides, tmp_path = _live(edited_project)
    caplog.set_level("INFO")
    moved = []
    replace = os.replace
    monkeypatch.setattr(os, "replace", lambda old, new: (moved.append(new), replace(old, new)))
    oldest = min(
        (content / "articles").glob("note-*.md"),
        key=lambda note: re.search(r"^Date: (.*)$", note.read_text("utf-8"), re.M)[1],
    )
    oldest.write_text(
        re.sub(r"^Title: .*$", "Title: Retitled", oldest.read_text("utf-8"), flags=re.M), "utf-8"
    )
    rendered, kept, _ = _rebuild(live, caplog)
    assert rendered > 0 and kept > rendered
    (staging,) = tmp_path.glob(".output.staging-*-kept")
    made = {path.relative_to(staging) for path in staging.rglob("*") if path.is_dir()}
    holding = {
        folder
        for path in moved
        for folder in Path(path).relative_to(live.output.resolve()).parents
        if folder != Path()
    }
    assert made and made <= holding
    assert pelican.writers.os is os  # Pelican's own again once the build is done
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_title_read_in_python_reaches_every_page_that_shows_it(edited_project, caplog):
    """Guidance links read their target page's title in Python, not in a template."""
    live, settings, content, overrides, tmp_path = _live(edited_project)
    caplog.set_level("INFO")
    _rebuild(live, caplog)
    guide = content / "pages" / "repeat-business-guide.md"
    text = guide.read_text(encoding="utf-8")
    old = re.search(r"^Title: (.*)$", text, re.MULTILINE)[1]
    guide.write_text(text.replace(f"Title: {old}", "Title: The guide, renamed"), encoding="utf-8")
    rendered, _, _ = _rebuild(live, caplog)
    assert rendered > 1
    showing = [
        page
        for page in live.output.rglob("*.html")
        if "The guide, renamed" in page.read_text(encoding="utf-8")
    ]
    assert len(showing) > 1  # the page itself and the articles it guides readers to
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_deleted_article_leaves_no_page_and_no_folder(edited_project, caplog):
    live, settings, content, overrides, tmp_path = _live(edited_project)
    caplog.set_level("INFO")
    _rebuild(live, caplog)
    folder = live.output / "2022" / "note-006"
    assert (folder / "index.html").is_file()
    (content / "articles" / "note-006.md").unlink()
    _, _, gone = _rebuild(live, caplog)
    assert gone >= 1
    assert not folder.exists()
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_template_names_follow_what_a_template_uses_and_give_up_on_a_variable_include():
    env = Environment(
        loader=DictLoader(
            {
                "base.html": "{{ SITENAME }}{% block body %}{% endblock %}"
                "{% include 'foot.html' %}",
                "foot.html": "{{ copyright_year }}",
                "page.html": "{% extends 'base.html' %}"
                "{% block body %}{{ page.title }}{% endblock %}",
                "any.html": "{% include chosen %}",
            }
        )
    )
    assert memo.template_names(env, "page.html") == {"SITENAME", "copyright_year", "page"}
    assert memo.template_names(env, "any.html") is None  # known only at render time


class Shelf:
    """A plugin's object with data of its own."""


def test_digests_see_into_plugin_objects_and_never_trust_what_they_cannot_see():
    inputs = digests.BuildInputs({})
    shelf = Shelf()
    shelf.items = ["a", "b"]
    before = inputs._plain(shelf, digests.DEPTH)
    shelf.items.append("c")
    assert inputs._plain(shelf, digests.DEPTH) != before
    # A tag counts by its slug: what a page reads of it is noted on its own.
    tag = URLWrapper("Tools", {})
    assert inputs._plain(tag, digests.DEPTH) == "URLWrapper:tools"

    class Opaque:
        __slots__ = ()

    first, second = digests.BuildInputs({}), digests.BuildInputs({})
    assert first._plain(Opaque(), digests.DEPTH) != second._plain(Opaque(), digests.DEPTH)
    assert [name.rsplit(".", 1)[-1] for name in first.volatile] == ["Opaque"]


def test_a_listings_size_counts_alone_until_a_page_reads_more_of_its_paginator():
    """The shape of a listing page digests its paginator by its number of pages;
    a page that read more (the number of posts) digests it whole, reached through
    the paginator or through a page of it."""
    from pelican.paginator import Paginator

    settings = {"DEFAULT_ORPHANS": 0}
    shown = {}
    for count in (13, 14):  # three pages of 6 either way
        paginator = Paginator("index.html", "", list(range(count)), settings, 6)
        context = {"articles_paginator": paginator, "articles_page": paginator.page(1)}
        inputs = digests.BuildInputs({})
        for whole in (False, True):
            for names in (("articles_paginator",), ("articles_page",)):
                shown[count, whole, names] = inputs.shape("t", names, context, {}, whole)
    for names in (("articles_paginator",), ("articles_page",)):
        assert shown[13, False, names] == shown[14, False, names]
        assert shown[13, True, names] != shown[14, True, names]


def test_a_listing_page_digests_by_its_paginator_and_number_whichever_object_it_is():
    """Pelican cuts a new page object each time (the page, its neighbours' next and
    previous); one build digests each once, and two listings never share a digest."""
    from collections import ChainMap

    from pelican.paginator import Paginator

    settings = {"DEFAULT_ORPHANS": 0}
    posts = list(range(20))
    inputs = digests.BuildInputs({})
    paginator = Paginator("index.html", "", posts, settings, 6)
    pages = [paginator.page(n) for n in (1, 2, 2, 3)]
    shown = [inputs._plain(page, digests.DEPTH) for page in pages]
    assert shown[1] == shown[2] and len(set(shown)) == 3
    assert "[6,7,8,9,10,11]" in shown[1]
    # Another listing with the same name and numbers, other posts: another digest.
    other = Paginator("index.html", "", posts[::-1], settings, 6)
    assert inputs._plain(other.page(2), digests.DEPTH) != shown[1]
    # A fresh build digests each afresh, as the first did.
    assert digests.BuildInputs({})._plain(pages[1], digests.DEPTH) == shown[1]
    # Jinja chains a template's globals; a name found in any of the maps counts.
    names = ("SITENAME", "extra")
    chained = ChainMap({"extra": 1}, {"SITENAME": "The Next Sale"})
    flat = {"extra": 1, "SITENAME": "The Next Sale"}
    assert inputs.shape("t", names, {}, chained) == inputs.shape("t", names, {}, flat)
    assert inputs.shape("t", names, {}, chained) != inputs.shape("t", names, {}, {"extra": 2})


def test_a_list_of_articles_digests_by_its_articles_whichever_list_holds_them(monkeypatch):
    """Pelican makes each listing's list anew (every tag's dates, every build): a list
    of the very same articles is digested once, this build or the last; another
    article, another order or a list of anything else is digested as it is."""
    from pelican.contents import Article

    posts = [Article("", {"title": f"Post {n}"}, source_path=f"posts/{n}.md") for n in range(40)]
    first = digests.BuildInputs({})
    shown = first._plain(list(posts), digests.DEPTH)
    assert shown.startswith("articles:40:")
    joined = []
    monkeypatch.setattr(digests, "_digest", lambda text: joined.append(text) or "d")
    # The same articles in a new list, and in the next build: not digested again.
    assert first._plain(list(posts), digests.DEPTH) == shown
    after = digests.BuildInputs({}, kept_lists=first.long_lists)
    assert after._plain(tuple(posts), digests.DEPTH) == shown
    assert joined == []
    monkeypatch.undo()
    assert after._plain(posts[::-1], digests.DEPTH) != shown
    moved = [*posts[:-1], Article("", {"title": "Post 39"}, source_path="posts/elsewhere.md")]
    assert after._plain(moved, digests.DEPTH) != shown
    # Anything but articles and pages is looked into, as before.
    tables = [{"n": n} for n in range(40)]
    assert after._plain(tables, digests.DEPTH).startswith("[{")
    # A listing page's few posts go by their articles too.
    assert after._articles(posts[:10]) == after._articles(list(posts[:10]))


def test_pages_a_second_process_rendered_are_remembered_as_well(edited_project, caplog):
    """Every build that checks pages shares them with a second process: the pages it
    kept and the records it made count, and the output is a clean build's."""
    tmp_path, settings, content, _, overrides = edited_project
    overrides = {**overrides, "PARALLEL_WRITE_MIN_ARTICLES": 2}
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    caplog.set_level("DEBUG")
    _rebuild(live, caplog)  # the session's first build fills the memo
    assert "rendered on two processes" in caplog.text
    # What each template names is known here too, whichever process first rendered it.
    named = live.memory["pages"].names
    assert {"index.html", "archives.html", "tags.html", "tag.html", "article.html"} <= set(named)
    assert all(named[name] for name in named)
    # The next build's order of reads is worked out once the rebuild is shown; a
    # session that has not tidied yet holds one such task, not one per build.
    assert _rebuild(live, caplog)[0] == 0
    assert list(live.memory[AFTER_RELOAD]) == ["page memo"]
    session = live.memory["pages"]
    live.tidy()
    assert AFTER_RELOAD not in live.memory
    records, reads = session.settle_order
    assert records is session.records
    assert reads == sorted({read for record in records.values() for read in record.touched})
    assert _rebuild(live, caplog)[0] == 0  # every page is known, whoever rendered it
    note = content / "articles" / "note-004.md"
    edits = {
        "title": lambda: note.write_text(
            re.sub(r"^Title: .*$", "Title: Retitled", note.read_text("utf-8"), flags=re.M), "utf-8"
        ),
        "date": lambda: note.write_text(
            re.sub(r"^Date: .*$", "Date: 2024-01-02 09:00", note.read_text("utf-8"), flags=re.M),
            "utf-8",
        ),
        "tags": lambda: _set_tags(content / "articles" / "note-002.md", "trust, complaints"),
        "new": lambda: (content / "articles" / "note-090.md").write_text(
            (content / "articles" / "note-001.md")
            .read_text(encoding="utf-8")
            .replace("Slug: note-001", "Slug: note-090")
            .replace("Title: Generated note 1", "Title: A note written today"),
            encoding="utf-8",
        ),
        "delete": (content / "articles" / "note-008.md").unlink,
    }
    for kind, edit in edits.items():
        live.tidy()  # as `invoke livereload` does after each reload
        edit()
        rendered, kept, _ = _rebuild(live, caplog)
        assert "rendered on two processes" in caplog.text, kind
        # The processes shared the work of the memo's verdicts and took each other's.
        assert "reads of the page memo worked out by both processes" in caplog.text, kind
        assert kept > 0 and rendered > 0, kind
        # What either process rendered or kept is counted: (nearly) every page.
        assert rendered + kept > 0.9 * len(list(live.output.rglob("*.html"))), kind
        _same_as_clean(live, settings, content, overrides, tmp_path)


def _set_tags(path: Path, tags: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^Tags: .*$", f"Tags: {tags}", text, flags=re.MULTILINE), "utf-8")


def test_a_count_a_plugin_keeps_on_a_tag_reaches_the_pages_that_show_it(edited_project, caplog):
    """A theme may show what a plugin sets on tag objects (the taxonomy's `count`)."""
    tmp_path, settings, content, theme, overrides = edited_project
    macros = theme / "templates" / "partials" / "macros.html"  # (the tag_list macro)
    macros.write_text(
        macros.read_text(encoding="utf-8").replace(
            'rel="tag">{{ tag.name }}</a>', 'rel="tag">{{ tag.name }}</a> ({{ tag.count }})'
        ),
        encoding="utf-8",
    )
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok
    caplog.set_level("INFO")
    _rebuild(live, caplog)
    (content / "articles" / "note-091.md").write_text(
        "Title: One more about trust\nDate: 2022-06-01 10:00\nCategory: Retention\n"
        "Tags: trust\nSlug: note-091\n\nA short note on trust.\n",
        encoding="utf-8",
    )
    _, kept, _ = _rebuild(live, caplog)
    assert kept > 0
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_second_process_that_fails_while_settling_fails_the_build_at_once(
    edited_project, caplog, monkeypatch
):
    """The main process does not wait for verdicts that will never come: the rebuild
    fails with the child's error, and the next one is whole again."""
    tmp_path, settings, content, _, overrides = edited_project
    overrides = {**overrides, "PARALLEL_WRITE_MIN_ARTICLES": 2}
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    caplog.set_level("DEBUG")
    _rebuild(live, caplog)
    main = os.getpid()
    # The engine as Pelican loaded it, from PLUGIN_PATHS.
    page_memo = sys.modules["engine.memo"].PageMemo
    settle = page_memo.settle

    def failing_in_the_child(self, reads):
        if os.getpid() != main:
            raise RuntimeError("settling failed")
        time.sleep(0.05)  # the child surely claims a piece meanwhile
        return settle(self, reads)

    monkeypatch.setattr(page_memo, "settle", failing_in_the_child)
    monkeypatch.setattr(sys.modules["engine.sharing"], "SETTLE_PIECE", 1)
    note = content / "articles" / "note-004.md"
    note.write_text(
        re.sub(r"^Title: .*$", "Title: Retitled", note.read_text("utf-8"), flags=re.M), "utf-8"
    )
    caplog.clear()
    started = time.perf_counter()
    assert not live.rebuild().ok
    assert time.perf_counter() - started < sharing.SETTLE_TIMEOUT / 2
    assert "settling failed" in caplog.text
    assert "worked out by both processes" not in caplog.text  # the main process went on alone
    monkeypatch.setattr(page_memo, "settle", settle)
    _rebuild(live, caplog)
    assert "worked out by both processes" in caplog.text
    _same_as_clean(live, settings, content, overrides, tmp_path)


def _alive_or_unreaped(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_a_second_process_that_dies_without_a_report_fails_the_build_and_is_reaped(
    edited_project, caplog, monkeypatch
):
    """The parent waits for the child's word that its report is written, not for the
    child to exit; a child killed before that word fails the build, and no child is
    left behind as a zombie once the next build shares its pages."""
    tmp_path, settings, content, _, overrides = edited_project
    overrides = {**overrides, "PARALLEL_WRITE_MIN_ARTICLES": 2}
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    caplog.set_level("DEBUG")
    _rebuild(live, caplog)
    engine_sharing = sys.modules["engine.sharing"]  # the engine as Pelican loaded it
    first = list(engine_sharing._exiting)
    assert len(first) <= 1  # the child said it was done; it is reaped when it has exited
    live.tidy()  # as `invoke livereload` does once the rebuild is shown
    assert engine_sharing._exiting == []
    assert not any(_alive_or_unreaped(pid) for pid in first)

    main = os.getpid()
    page_memo = sys.modules["engine.memo"].PageMemo
    report = page_memo.report

    def killed_in_the_child(self):
        if os.getpid() != main:
            os.kill(os.getpid(), 9)  # as the kernel's OOM killer would
        return report(self)

    monkeypatch.setattr(page_memo, "report", killed_in_the_child)
    note = content / "articles" / "note-004.md"
    note.write_text(
        re.sub(r"^Title: .*$", "Title: Retitled", note.read_text("utf-8"), flags=re.M), "utf-8"
    )
    result = live.rebuild()
    assert not result.ok
    assert result.failed == "RuntimeError: engine: a second rendering process failed (see above)"
    monkeypatch.setattr(page_memo, "report", report)
    _rebuild(live, caplog)
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_moved_article_reaches_every_page_that_links_to_it(edited_project, caplog):
    """Once the URL memo settles, a URL is answered without reading the date it is
    made of: pages that show it depend on the URL itself."""
    live, settings, content, overrides, tmp_path = _live(edited_project)
    caplog.set_level("INFO")
    total = len(list(live.output.rglob("*.html")))
    linking = {}
    for note in sorted((content / "articles").glob("note-*.md")):
        found = re.search(r"\{filename\}/articles/(note-\d+)\.md", note.read_text("utf-8"))
        if found and "Status: draft" not in note.read_text("utf-8"):
            linking.setdefault(found[1], note.stem)
    target, source = next(
        (target, source)
        for target, source in sorted(linking.items())
        if "Status: draft" not in (content / "articles" / f"{target}.md").read_text("utf-8")
    )
    moved = content / "articles" / f"{target}.md"
    text = moved.read_text(encoding="utf-8")
    moved.write_text(re.sub(r"^Date: 2022", "Date: 2023", text, flags=re.MULTILINE), "utf-8")
    rendered, kept, _ = _rebuild(live, caplog)
    assert 1 <= rendered < total / 3 and kept > total / 2
    page = (live.output / "2022" / source / "index.html").read_text(encoding="utf-8")
    assert f"/2023/{target}/" in page and f"/2022/{target}/" not in page
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_call_kept_whole_never_reaches_pelicans_writer(edited_project, caplog, monkeypatch):
    """When every page a `write_file` call makes can be kept, Pelican's writer does
    nothing for it: an unchanged rebuild hands it no call, a title edit only the
    calls that make pages showing the title."""
    from pelican.writers import Writer

    live, settings, content, overrides, tmp_path = _live(edited_project)
    caplog.set_level("INFO")
    made: list[str] = []
    pelicans = Writer.write_file

    def counting(self, name, *args, **kwargs):
        made.append(name)
        return pelicans(self, name, *args, **kwargs)

    monkeypatch.setattr(Writer, "write_file", counting)
    total = len(list(live.output.rglob("*.html")))
    _rebuild(live, caplog)
    made.clear()
    rendered, _, _ = _rebuild(live, caplog)
    assert (made, rendered) == ([], 0)

    note = content / "articles" / "note-004.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("Title: Generated note 4", "Title: Note four"), encoding="utf-8")
    rendered, kept, _ = _rebuild(live, caplog)
    assert "2022/note-004/index.html" in made
    assert 1 <= len(made) <= rendered < total / 4
    assert rendered + kept >= total - 2  # every page was looked at: most kept whole
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_file_left_unwritten_meets_pelicans_overwrite_rules(tmp_path):
    """The engine's writer leaves a kept page's file as it is, but Pelican's writer
    must still see it as written: a second write to it fails as it would in Pelican."""
    from jinja2 import Template
    from pelican.writers import FileOverwriteFailedError, Writer

    from nextsale import compat

    writer = Writer(str(tmp_path), settings={"PAGINATED_TEMPLATES": {}})
    kept = str(tmp_path / "kept" / "index.html")
    compat.note_unwritten(writer, kept, override=False)
    page = Template("<p>{{ output_file }}</p>")
    with pytest.raises(FileOverwriteFailedError):
        writer.write_file("kept/index.html", page, {})
    assert not (tmp_path / "kept" / "index.html").exists()  # nothing written, either time
    with pytest.raises(FileOverwriteFailedError):
        compat.note_unwritten(writer, kept, override=False)
    # One write that overrides is allowed, as in Pelican; a second is not.
    compat.note_unwritten(writer, kept, override=True)
    with pytest.raises(FileOverwriteFailedError):
        compat.note_unwritten(writer, kept, override=True)


def test_a_page_notes_an_articles_summary_and_url_not_what_pelican_reads_to_make_them():
    """The memo digests an article's HTML and summary by what they are made of and a
    URL by its value, so what Pelican reads while working them out (the metadata, the
    slug, the date) is not noted; what a template reads itself is."""
    import copy
    import datetime

    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG

    metadata = {"title": "Back", "date": datetime.datetime(2024, 1, 2), "slug": "back"}
    article = Article(
        "<p>Call them back.</p>",
        metadata={**metadata, "subtitle": "Soon"},
        settings=copy.deepcopy(DEFAULT_CONFIG),
        context={"localsiteurl": ""},
        source_path="content/back.md",
    )
    env = Environment()

    def reads(source: str) -> tuple[str, list[str]]:
        tracker = memo.Tracker()
        try:
            html = env.from_string(source).render(a=article)
        finally:
            tracker.stop()
        return html, sorted(name for _, names in tracker.read.values() for name in names)

    html, names = reads("{{ a.summary }} {{ a.url }} {{ a.get_content('') }}|{{ a.subtitle }}")
    assert html.count("Call them back.") == 2 and "back.html" in html and html.endswith("|Soon")
    assert names == ["get_content", "subtitle", "summary", "url"]
    assert reads("{{ a.metadata.subtitle }}") == ("Soon", ["metadata"])


def _publish_oldest(content: Path, number: int) -> None:
    """Publish a draft note, dated before every other post: it joins the last pages
    of the listings."""
    note = content / "articles" / f"note-{number:03d}.md"
    text = note.read_text(encoding="utf-8").replace("Status: draft\n", "")
    note.write_text(re.sub(r"^Date: .*$", "Date: 2001-01-01 09:00", text, flags=re.M), "utf-8")


@pytest.mark.parametrize("shows_count", [False, True])
def test_a_listing_page_depends_on_how_many_posts_only_when_it_shows_it(
    edited_project, caplog, shows_count
):
    """A post that joins the last page of a listing leaves the earlier pages as they
    were: they show how many pages there are, not how many posts. A theme that
    shows the count on every page gets every page again."""
    tmp_path, settings, content, theme, overrides = edited_project
    if shows_count:
        index = theme / "templates" / "index.html"
        index.write_text(
            index.read_text(encoding="utf-8").replace(
                "<h1>Older posts</h1>",
                "<h1>Older posts, {{ articles_paginator.count }} in all</h1>",
            ),
            encoding="utf-8",
        )
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok
    pages = sorted((live.output / "page").glob("*/index.html"), key=lambda p: int(p.parent.name))
    assert len(pages) >= 4  # the home page's older posts, on more pages than the two last
    before = {page: page.stat().st_mtime_ns for page in pages}
    time.sleep(0.01)
    _publish_oldest(content, 3)  # (a draft: see edited_site)
    caplog.set_level("INFO")
    _rebuild(live, caplog)
    changed = [page for page in pages if page.stat().st_mtime_ns != before[page]]
    assert pages[-1] in changed
    if shows_count:
        assert changed == pages
        assert "Older posts," in pages[0].read_text(encoding="utf-8")
    else:
        # (a page may still change for what it shows: a summary linking to the post)
        assert [page for page in pages[:-2] if page not in changed]
    _same_as_clean(live, settings, content, overrides, tmp_path)


def test_a_generated_file_with_the_same_bytes_stays_in_place(edited_project, caplog):
    """Feeds, the sitemap and the newsletter's files are written by their generators
    themselves: after an edit, those that come out the same are left as the last
    build wrote them, and only those that show the edit are written."""
    tmp_path, settings, content, _, overrides = edited_project
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok
    generated = [
        *(live.output / "feeds").rglob("*.*"),
        live.output / "sitemap.xml",
        *(live.output / "newsletter").rglob("*.eml"),
    ]
    before = {path: path.stat().st_mtime_ns for path in generated}
    time.sleep(0.01)
    note = content / "articles" / "note-004.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("Title: Generated note 4", "Title: Note four"), "utf-8")
    caplog.set_level("INFO")
    _rebuild(live, caplog)
    written = {path for path in generated if path.stat().st_mtime_ns != before[path]}
    showing = {path for path in generated if "Note four" in path.read_text(encoding="utf-8")}
    assert showing and written == showing  # (the sitemap and emails do not show titles)
    assert len(written) < len(generated) / 2
    _same_as_clean(live, settings, content, overrides, tmp_path)
    # A file removed from the output meanwhile is written again, same bytes or not.
    (live.output / "sitemap.xml").unlink()
    _rebuild(live, caplog)
    assert (live.output / "sitemap.xml").is_file()


def test_kept_generated_files_stay_when_every_page_is_rendered_again(edited_project, caplog):
    """A new page changes every page (the menu; robots.txt, here, its count of pages)
    while the feeds stay the same: they must still be part of the site the build
    puts in place, though no page was kept."""
    tmp_path, settings, content, theme, overrides = edited_project
    robots = theme / "templates" / "robots.txt"
    robots.write_text(robots.read_text("utf-8") + "# {{ pages|length }} pages\n", "utf-8")
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    assert live.rebuild().ok
    feeds = sorted(path.relative_to(live.output) for path in (live.output / "feeds").rglob("*.*"))
    assert feeds
    (content / "pages" / "colophon.md").write_text(
        "Title: Colophon\nSlug: colophon\n\nHow this site is made.\n", encoding="utf-8"
    )
    caplog.set_level("INFO")
    _, kept, _ = _rebuild(live, caplog)
    assert kept == 0
    assert sorted(p.relative_to(live.output) for p in (live.output / "feeds").rglob("*.*")) == feeds
    _same_as_clean(live, settings, content, overrides, tmp_path)
