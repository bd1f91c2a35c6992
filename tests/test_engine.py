"""The engine builds exactly the site Pelican builds alone, and keeps Pelican's plugin contracts.

Reading on every core, rendering on two processes and computing URLs once must
not change a byte; plugins listening to Pelican's signals must hear every file
in the main process; on a Pelican version `nextsale.compat` does not know, the
engine stays out of the build with one warning.
"""

from __future__ import annotations

import importlib
import logging
import os
import random
import shutil
import sys

import pytest
from conftest import ROOT, article, make_settings, run_pelican, tree_differences, write_files
from hypothesis import given, settings
from hypothesis import strategies as st
from pelican import signals
from pelican.settings import read_settings

from nextsale import compat

FILES = {
    f"articles/post-{n:02d}.md": article(
        f"Post {n}",
        f"## Heading {n}\n\nCall customer {n} back. [Earlier]({{filename}}/articles/post-00.md)",
        date=f"2023-01-{n + 1:02d} 08:00",
        tags="follow-up, trust",
    )
    for n in range(12)
}

# Small sites still fork: read on workers and render on two processes.
FORKING = {
    "PARALLEL_READ_WORKERS": 2,
    "PARALLEL_READ_MIN_FILES": 1,
    "PARALLEL_WRITE_MIN_ARTICLES": 1,
}
ONE_PROCESS = {"PARALLEL_READ_WORKERS": 1, "PARALLEL_WRITE": False}

SHARED = "articles rendered on two processes"

# A plugin from outside the project: it lists every file Pelican says it wrote.
SPY = """
import os

from pelican import signals

WRITTEN = []
WRITING = []
FINALIZED = []


def written(path, context):
    WRITTEN.append((path, os.getpid(), os.path.isfile(path), context.get("output_file")))


def writing(generator, content):
    WRITING.append((os.getpid(), content.source_path))


def finalized(generator, writer):
    FINALIZED.append(os.getpid())


def register():
    signals.content_written.connect(written)
"""

SPY_PER_ARTICLE = SPY.replace(
    "    signals.content_written.connect(written)\n",
    "    signals.content_written.connect(written)\n"
    "    signals.article_generator_write_article.connect(writing)\n"
    "    signals.article_writer_finalized.connect(finalized)\n",
)


def project_plugins(publish: bool = False) -> list[str]:
    return read_settings(str(ROOT / ("publishconf.py" if publish else "pelicanconf.py")))["PLUGINS"]


def without_engine() -> list[str]:
    return [name for name in project_plugins() if name != "engine"]


def debug_messages(site) -> str:
    return " ".join(site.messages(logging.DEBUG))


@pytest.fixture
def spy(tmp_path):
    """Write the outside plugin `name` with `source`; return its folder and a loader."""
    folder = tmp_path / "outside_plugins"
    folder.mkdir()

    def make(name: str, source: str):
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
        sys.modules.pop(name, None)
        return folder

    yield make
    for name in ("contract_spy", "per_article_spy", "fussy_reader"):
        sys.modules.pop(name, None)


def outside(build_site, files, folder, name, plugins, **overrides):
    """Build with the project's plugins plus the outside plugin `name`; return (site, module)."""
    site = build_site(
        files,
        PLUGIN_PATHS=[str(ROOT / "plugins"), str(folder)],
        PLUGINS=[*plugins, name],
        **overrides,
    )
    return site, importlib.import_module(name)


def relative(events, output) -> list[str]:
    return [os.path.relpath(path, output) for path, *_ in events]


# -- the compat gate -------------------------------------------------------------


def test_every_private_name_in_compat_exists_on_the_installed_pelican():
    assert compat.pelican_version() in compat.TESTED_VERSIONS
    assert compat.PRIVATE_NAMES
    assert compat.missing_names() == []
    assert compat.supported()


def test_an_unknown_pelican_turns_the_engine_off_with_one_warning(build_site, monkeypatch):
    normal = build_site(FILES, **FORKING)
    monkeypatch.setattr(compat, "pelican_version", lambda: "4.99.0")
    assert not compat.supported()
    other = build_site(FILES, **FORKING)
    warnings = [m for m in other.messages() if "engine" in m]
    assert warnings == [
        "engine: tested with Pelican 4.12.0, found 4.99.0; building without it"
        " — output is the same, only slower"
    ]
    assert len(other.messages()) == len(normal.messages()) + 1
    assert SHARED in debug_messages(normal)
    assert "engine:" not in debug_messages(other).replace(warnings[0], "")
    assert tree_differences(normal.output, other.output) == []


# -- the same site -----------------------------------------------------------------


def test_reading_on_every_core_builds_the_same_site(build_site):
    serial = build_site(FILES, PARALLEL_READ_WORKERS=1)
    parallel = build_site(FILES, PARALLEL_READ_WORKERS=2, PARALLEL_READ_MIN_FILES=1)
    assert any("read 12 articles on 2 workers" in m for m in parallel.messages(0))
    assert tree_differences(serial.output, parallel.output) == []


def test_warnings_from_reading_workers_reach_the_build_log(build_site):
    files = dict(FILES)
    files["articles/twice.md"] = "Title: Twice\nDate: 2023-02-01\nDate: 2023-02-02\n\nBody text.\n"
    site = build_site(files, **FORKING)
    assert any("twice.md:3: 'Date' is given twice" in m for m in site.messages())


def test_files_of_a_disabled_reader_are_reported_from_the_one_walk(build_site, monkeypatch):
    """The engine walks the article folders once; Pelican's check for files only a
    disabled reader could read still finds them there (and ignores the rest)."""
    from pelican.readers import RstReader

    monkeypatch.setattr(RstReader, "enabled", False)  # (as without docutils)
    files = dict(FILES)
    files["articles/old-notes.rst"] = "Old notes\n=========\n\n:date: 2023-02-01\n\nText.\n"
    files["articles/.#post-01.md"] = "an editor's lock file, ignored\n"
    site = build_site(files, **FORKING)
    assert [m for m in site.messages() if "old-notes.rst" in m] == ["articles/old-notes.rst: "]
    assert not [m for m in site.messages() if ".#post-01" in m]


def test_files_the_workers_cannot_read_are_reported_as_when_read_inline(build_site):
    """The workers hand back each file's warnings, logged when Pelican's loop reaches
    the file: the log is the one of a build read inline."""
    files = dict(FILES)
    files["articles/bad.md"] = b"Title: Bad\nDate: 2023-02-01\n\n\xff\xfe body\n"
    files["articles/post-00a.md"] = "Title: Undated\nDate: not a date\n\nBody.\n"
    forked = build_site(files, **FORKING)
    inline = build_site(files, **ONE_PROCESS)

    def said(site):
        return [message.replace(str(site.content), "") for message in site.messages()]

    assert any("bad.md:4: not valid UTF-8" in message for message in said(forked))
    assert said(forked) == said(inline)
    assert tree_differences(inline.output, forked.output) == []


# A reader that fails in every process but the one that loaded it: a worker's failure.
FAILS_IN_WORKERS = """
import os
from pelican import signals

MAIN = os.getpid()


def wrap(readers):
    class Fussy(readers.reader_classes["md"]):
        def read(self, path):
            if os.getpid() != MAIN and path.endswith("post-03.md"):
                raise RuntimeError("not in a worker")
            return super().read(path)

    readers.reader_classes["md"] = Fussy


def register():
    signals.readers_init.connect(wrap)
"""


def test_a_file_whose_reading_raised_in_a_worker_is_read_inline(build_site, spy):
    folder = spy("fussy_reader", FAILS_IN_WORKERS)
    plugins = project_plugins()
    forked, _ = outside(build_site, FILES, folder, "fussy_reader", plugins, **FORKING)
    inline, _ = outside(build_site, FILES, folder, "fussy_reader", plugins, **ONE_PROCESS)
    assert any("read 11 articles on 2 workers" in m for m in forked.messages(0))
    assert forked.messages() == inline.messages() == []
    assert tree_differences(inline.output, forked.output) == []


ISSUE = (
    "Subject: First issue\nDate: 2023-02-01 07:00\nArticles: since-previous\n\n"
    "The posts on calling back.\n"
)


def test_rendering_on_two_processes_builds_the_same_site(build_site):
    files = {**FILES, "newsletter/001-first.md": ISSUE}
    serial = build_site(files, **ONE_PROCESS)
    shared = build_site(files, PARALLEL_WRITE_MIN_ARTICLES=1, PARALLEL_READ_WORKERS=1)
    assert SHARED in debug_messages(shared)
    # The sitemap, the feeds and the newsletter's emails were made while the child
    # rendered pages.
    prepared = "prepared while pages were shared: SitemapGenerator, FeedsGenerator, Newsl"
    assert prepared in debug_messages(shared)
    assert "prepared while" not in debug_messages(serial)
    assert serial.path("newsletter/001-first/issue.eml").is_file()
    assert serial.path("feeds/all.atom.xml").is_file()
    assert "<loc>" in serial.text("sitemap.xml")
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
    site = build_site(files, **FORKING)
    assert SHARED in debug_messages(site)
    warned = " ".join(site.messages())
    assert all(f"missing-{n}.md" in warned for n in range(8)), warned


KEEP_GENERATORS = """
GENERATORS = []


def keep(generators):
    GENERATORS[:] = [g for g in generators if hasattr(g, "drafts")]


_register = register


def register():
    _register()
    signals.all_generators_finalized.connect(keep)
"""


def test_the_engine_changes_no_byte_and_sets_no_url_override(build_site, spy):
    files = {
        "articles/one.md": article(
            "One", "See [two]({filename}/articles/two.md).", tags="trust", slug="one"
        ),
        "articles/two.md": article(
            "Two",
            "Back to [one]({filename}/articles/one.md).",
            category="Referrals",
            date="2024-04-01",
            slug="two",
        ),
        "articles/draft.md": article("Draft", "Soon.", status="draft", slug="draft"),
        "pages/about.md": "Title: About\nSlug: about\n\nAbout us.\n",
    }
    folder = spy("contract_spy", SPY + KEEP_GENERATORS)
    without, _ = outside(build_site, files, folder, "contract_spy", without_engine())
    engine, module = outside(
        build_site, files, folder, "contract_spy", project_plugins(), **FORKING
    )
    assert tree_differences(without.output, engine.output) == []
    assert (engine.output / "drafts" / "draft" / "index.html").exists()
    contents = [c for g in module.GENERATORS for c in getattr(g, "articles", []) + g.drafts]
    assert len(contents) == 3
    for content in contents:
        assert not hasattr(content, "override_url")
        assert not hasattr(content, "override_save_as")
        for wrapper in [*getattr(content, "tags", []), content.category, *content.authors]:
            wrapper.name = wrapper.name  # built by its constructor, even when read in a worker


# -- Pelican's plugin contracts ------------------------------------------------------


def test_an_outside_content_written_receiver_sees_every_file_in_the_main_process(build_site, spy):
    folder = spy("contract_spy", SPY)
    alone, module = outside(build_site, FILES, folder, "contract_spy", without_engine())
    expected = relative(module.WRITTEN, alone.output)
    module.WRITTEN.clear()
    site, module = outside(build_site, FILES, folder, "contract_spy", project_plugins(), **FORKING)
    assert SHARED in debug_messages(site)
    assert any("read 12 articles on 2 workers" in m for m in site.messages(0))
    # Every file, once, in Pelican's own order, each already on disk, all in this process.
    assert relative(module.WRITTEN, site.output) == expected
    assert all(pid == os.getpid() and on_disk for _, pid, on_disk, _ in module.WRITTEN)
    pages = {os.path.relpath(p, site.output) for p in map(str, site.files()) if p.endswith(".html")}
    assert len([path for path in expected if path.startswith("2023/post-")]) == len(FILES)
    assert set(expected) <= pages | {"robots.txt"}
    assert tree_differences(alone.output, site.output) == []


def test_outside_receivers_of_per_article_signals_get_one_process(build_site, spy):
    folder = spy("per_article_spy", SPY_PER_ARTICLE)
    site, module = outside(
        build_site, FILES, folder, "per_article_spy", project_plugins(), **FORKING
    )
    debug = debug_messages(site)
    assert SHARED not in debug
    assert "rendering on one process: per_article_spy.writing listens to" in debug
    assert sorted(path for _, path in module.WRITING) == sorted(
        str(site.content / name) for name in FILES
    )
    assert {pid for pid, _ in module.WRITING} == {os.getpid()}
    assert [os.getpid()] == module.FINALIZED
    assert len(module.WRITTEN) == len({path for path, *_ in module.WRITTEN})
    assert all(pid == os.getpid() and on_disk for _, pid, on_disk, _ in module.WRITTEN)


def test_a_failed_shared_build_leaves_the_next_build_whole(build_site, spy):
    folder = spy("contract_spy", SPY)
    broken = dict(FILES)
    broken["articles/post-05.md"] = FILES["articles/post-05.md"].replace(
        "Category:", "Template: nowhere\nCategory:"
    )
    # A template that exists but fails while rendering (an unknown one is refused earlier).
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "nowhere.html").write_text("{{ article.nowhere.at_all }}")
    overrides = {**FORKING, "THEME_TEMPLATES_OVERRIDES": [str(folder / "templates")]}
    with pytest.raises(Exception, match=r"nowhere|rendering process failed"):
        outside(build_site, broken, folder, "contract_spy", project_plugins(), **overrides)
    # Neither a child nor a muted signal is left: the next build, with or
    # without the engine, tells the plugin about every page.
    for plugins in (without_engine(), project_plugins()):
        module = importlib.import_module("contract_spy")
        module.WRITTEN.clear()
        site, module = outside(build_site, FILES, folder, "contract_spy", plugins, **FORKING)
        written = relative(module.WRITTEN, site.output)
        assert len([path for path in written if path.startswith("2023/post-")]) == len(FILES)


def sitemap_build(tmp_path, name: str, **overrides):
    """The sample site with the official pelican-sitemap plugin listed after ours."""
    root = tmp_path / name
    content, output = root / "content", root / "output"
    shutil.copytree(ROOT / "content", content)
    settings = make_settings(content, output, False, overrides)
    settings["PLUGINS"] = [*settings["PLUGINS"], "pelican.plugins.sitemap"]
    settings["SITEMAP"] = {"format": "txt"}  # sitemap.xml is our own sitemap_xml's
    records = run_pelican(settings)
    return output, [r.getMessage() for r in records]


def test_the_official_sitemap_plugin_lists_every_page_of_a_forking_build(tmp_path):
    pytest.importorskip("pelican.plugins.sitemap")
    output, messages = sitemap_build(tmp_path, "forking", **FORKING)
    assert any(SHARED in m for m in messages)
    listed = (output / "sitemap.txt").read_text(encoding="utf-8").splitlines()
    urls = {line.removeprefix("/") for line in listed}
    assert len(urls) == len(listed)
    # Every web page the site wrote, but drafts (the plugin leaves out anything
    # not published) and the newsletter's email bodies (not pages of the site).
    pages = set()
    for path in output.rglob("*.html"):
        rel = path.relative_to(output).as_posix()
        if not rel.startswith("drafts/") and path.name != "email.html":
            pages.add(rel.removesuffix("index.html"))
    assert pages <= urls
    assert urls - pages == {"robots.txt"}
    assert len({p for p in pages if p[:4].isdigit()}) >= 10  # the articles
    for expected in ("", "about/", "tags/", "category/", "authors/", "archives/", "404.html"):
        assert expected in urls
    assert any(p.startswith("tags/") and p != "tags/" for p in urls)
    assert any(p.startswith("category/") and p != "category/" for p in urls)
    assert any(p.startswith("page/") or "/page/" in p for p in urls)
    assert not any(u.startswith("drafts/") for u in urls)
    # The same list as a build on one process.
    alone, _ = sitemap_build(tmp_path, "alone", **ONE_PROCESS)
    assert (alone / "sitemap.txt").read_bytes() == (output / "sitemap.txt").read_bytes()


def test_listing_content_written_turns_off_selective_rebuilds(tmp_path, spy, caplog):
    from conftest import _disconnect_new_receivers, _pelican_signals

    from nextsale import build as sitebuild

    folder = spy("contract_spy", SPY)
    content, output, cache = tmp_path / "content", tmp_path / "output", tmp_path / "cache"
    write_files(content, FILES)
    overrides = {
        "CACHE_PATH": str(cache),
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins"), str(folder)],
        "PLUGINS": [*project_plugins(), "contract_spy"],
        "LOAD_CONTENT_CACHE": True,
        "CACHE_CONTENT": True,
    }
    caplog.set_level("INFO")
    for _ in range(2):
        before = {signal: set(signal.receivers) for signal in _pelican_signals()}
        try:
            result = sitebuild.build(
                ROOT / "pelicanconf.py", output, content=content, overrides=overrides
            )
        finally:
            _disconnect_new_receivers(before)
        assert result.ok, result.failed
    assert "rendering everything (contract_spy.written listens to content_written)" in caplog.text
    module = importlib.import_module("contract_spy")
    # Both builds told the plugin about every article page.
    pages = [p for p, *_ in module.WRITTEN if "/2023/post-" in p]
    assert len(pages) == 2 * len(FILES)


def _engine_part(name: str):
    """One self-contained module of the engine, loaded from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        f"engine_{name}", ROOT / "plugins" / "engine" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_url_memo_answers_afresh_when_a_plugin_changes_what_the_url_is_made_of():
    from pelican.contents import Article
    from pelican.utils import SafeDatetime

    urls = _engine_part("urls")
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    kept: dict = {}
    memo = urls.Memo(settings, kept)
    post = Article(
        "<p>Body.</p>",
        metadata={"title": "Post", "date": SafeDatetime(2023, 5, 1), "slug": "first"},
        settings=settings,
        source_path=str(ROOT / "content" / "articles" / "post.md"),
    )
    assert urls.remember(post, memo)
    assert not urls.remember(post, memo)
    assert (post.url, post.save_as) == ("2023/first/", "2023/first/index.html")
    post.slug = "second"
    assert post.url == "2023/second/"
    post.status = "draft"
    assert post.save_as == "drafts/second/index.html"
    # A later build's memo, with the same URL settings, starts from the answers kept.
    again = urls.Memo(settings, kept)
    assert again.answers is memo.answers
    other = urls.Memo({**settings, "ARTICLE_URL": "posts/{slug}.html"}, kept)
    assert other.answers is not memo.answers


def test_a_settled_url_memo_answers_each_key_as_it_did_the_first_time():
    """Once Pelican asks for a writer nothing may change a URL: the memo stops
    working out what each answer is made of."""
    from pelican.contents import Article
    from pelican.utils import SafeDatetime

    urls = _engine_part("urls")
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    memo = urls.Memo(settings, {})
    post = Article(
        "<p>Body.</p>",
        metadata={"title": "Post", "date": SafeDatetime(2023, 5, 1), "slug": "first"},
        settings=settings,
        source_path=str(ROOT / "content" / "articles" / "post.md"),
    )
    urls.remember(post, memo)
    asked = []
    inputs = urls.RememberedUrls.inputs

    def counting(self, key):
        asked.append(key)
        return inputs(self, key)

    made_of = urls.RememberedUrls._made_of
    worked_out = []

    def counting_made_of(self):
        worked_out.append(self.content)
        return made_of(self)

    urls.RememberedUrls.inputs = counting
    urls.RememberedUrls._made_of = counting_made_of
    try:
        assert post.url == "2023/first/"
        memo.settle()
        assert post.url == post.url == "2023/first/"
        assert asked == ["url", "url"]  # before settling, and once after
        # What every key's answer is made of is worked out once for all keys.
        assert post.save_as == post.save_as == "2023/first/index.html"
        assert asked == ["url", "url", "save_as"] and len(worked_out) == 2
    finally:
        urls.RememberedUrls.inputs = inputs
        urls.RememberedUrls._made_of = made_of


def test_urls_settle_for_writing_unless_another_plugin_hears_pages_written(build_site):
    def said(site) -> str:
        return "\n".join(record.getMessage() for record in site.records)

    assert "engine: URLs settled for writing" in said(build_site({"articles/a.md": article("A")}))

    def retitle(page_generator, content=None) -> None:
        pass

    signals.page_generator_write_page.connect(retitle)
    try:
        text = said(build_site({"articles/a.md": article("A")}))
    finally:
        signals.page_generator_write_page.disconnect(retitle)
    assert "engine: URLs not settled:" in text and "retitle" in text
    assert "URLs settled for writing" not in text


def test_a_page_without_a_date_is_answered_from_the_memo_unless_some_url_names_the_date():
    from pelican.contents import Page

    urls = _engine_part("urls")
    settings = read_settings(str(ROOT / "pelicanconf.py"))

    def page(memo):
        about = Page(
            "<p>Hello.</p>",
            metadata={"title": "About", "slug": "about"},
            settings=memo_settings,
            source_path=str(ROOT / "content" / "pages" / "about.md"),
        )
        urls.remember(about, memo)
        return about

    memo_settings = settings
    memo = urls.Memo(settings, {})
    first, second = page(memo), page(memo)
    assert first.url == second.url == "about/"
    assert len(memo.answers) == 1  # the second page's URL was the first one's answer

    # A URL that names the date gets the time of the call from Pelican: never kept.
    memo_settings = {**settings, "PAGE_URL": "{date:%Y}/{slug}/"}
    memo = urls.Memo(memo_settings, {})
    assert page(memo).url.endswith("/about/")
    assert memo.answers == {}


def test_indexed_article_lists_answer_in_as_a_scan_would():
    listings = _engine_part("listings")

    class Post:
        pass

    class Equal:
        __hash__ = object.__hash__

        def __eq__(self, other):
            return True

    posts = [Post() for _ in range(4)]
    members = listings.Members(posts[:2])
    assert posts[0] in members and posts[3] not in members
    members.append(posts[3])
    members.remove(posts[0])
    members += [posts[2]]
    assert [post in members for post in posts] == [False, True, True, True]
    assert members == [posts[1], posts[3], posts[2]]
    assert Equal() in members  # its own equality is asked, as a scan would
    assert posts[0] in listings.Members([Equal()])


def test_period_archives_are_pelicans_own_with_each_periods_articles_found_at_once():

    from pelican.contents import Article
    from pelican.generators import ArticlesGenerator
    from pelican.utils import SafeDatetime

    listings = _engine_part("listings")
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    settings["DAY_ARCHIVE_SAVE_AS"] = "archives/{date:%Y}/{date:%m}/{date:%d}/index.html"
    rng = random.Random(5)
    posts = [
        Article(
            "<p>Text.</p>",
            metadata={
                "title": f"Post {number}",
                "date": SafeDatetime(rng.choice((2019, 2020, 2024)), rng.randint(1, 3), 1),
            },
            settings=settings,
        )
        for number in range(60)
    ]
    by_date = sorted(posts, key=lambda post: post.date, reverse=True)
    site_order = sorted(posts[:-5], key=lambda post: post.title)  # some in no listing
    # Pelican's own, as the engine gets it: through the compat gate.
    owns = []
    compat.wrap_period_archives(
        ArticlesGenerator.__new__(ArticlesGenerator), lambda own: owns.append(own) or own
    )
    own = owns[0]

    expected = own(by_date, site_order, settings)
    found = listings.period_archives(own)(by_date, site_order, settings)
    assert found == expected
    assert sum(len(archive["articles"]) for archive in found["year"]) == 55
    assert [len(found[kind]) for kind in ("year", "month", "day")] == [3, 9, 9]


@settings(max_examples=60, deadline=None)
@given(
    posts=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),  # slug: the translation id
            st.sampled_from(["en", "fr", "de"]),
            st.sampled_from([None, "true", "false"]),  # the `Translation:` metadata
        ),
        max_size=14,
    ),
    translation_id=st.sampled_from(["slug", ("slug", "lang"), None]),
)
def test_translations_grouped_one_id_at_a_time_are_pelicans_answer(posts, translation_id):
    """The engine runs Pelican's own `process_translations` per translation id: the
    same originals, translations, sort order, `translations` attributes and warnings."""
    from pelican.contents import Article
    from pelican.utils import process_translations

    listings = _engine_part("listings")
    settings = read_settings(str(ROOT / "pelicanconf.py"))

    def made() -> list:
        made_now = []
        for number, (slug, lang, translation) in enumerate(posts):
            metadata = {"title": f"Post {number}", "slug": slug, "lang": lang}
            if translation is not None:
                metadata["translation"] = translation
            path = str(ROOT / "content" / "articles" / f"post-{number}.md")
            made_now.append(
                Article("<p>T.</p>", metadata=metadata, settings=settings, source_path=path)
            )
        return made_now

    def answer(process, contents) -> tuple:
        compat.reset_log_dedup()  # (Pelican's log says a message once per build)
        heard = _Heard()
        logging.getLogger("pelican.utils").addHandler(heard)
        try:
            originals, translations = process(contents, translation_id)
        finally:
            logging.getLogger("pelican.utils").removeHandler(heard)

        def names(items):
            return [item.title for item in items]

        return (
            names(originals),
            names(translations),
            names(contents),
            [names(getattr(item, "translations", [])) for item in contents],
            heard.messages,
        )

    assert answer(listings.translations_by_group(process_translations), made()) == answer(
        process_translations, made()
    )


def test_the_engine_puts_pelicans_own_translations_back_and_leaves_a_plugins_alone():
    import pelican.generators
    from pelican.utils import process_translations

    def stand_in(contents, translation_id=None):
        return contents, []

    compat.wrap_process_translations(lambda own: stand_in)
    assert pelican.generators.process_translations is stand_in
    compat.unwrap_process_translations()
    assert pelican.generators.process_translations is process_translations

    def plugins_own(contents, translation_id=None):  # (it may need every content at once)
        return process_translations(contents, translation_id)

    pelican.generators.process_translations = plugins_own
    try:
        compat.wrap_process_translations(lambda own: stand_in)
        assert pelican.generators.process_translations is plugins_own
        compat.unwrap_process_translations()
        assert pelican.generators.process_translations is plugins_own
    finally:
        pelican.generators.process_translations = process_translations


class _Heard(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_url_memo_names_an_authors_slug_by_the_name_it_is_made_from():
    from pelican.contents import Article
    from pelican.urlwrappers import Author
    from pelican.utils import SafeDatetime

    urls = _engine_part("urls")
    settings = {**read_settings(str(ROOT / "pelicanconf.py")), "ARTICLE_URL": "{author}/{slug}/"}
    kept: dict = {}

    def post(author: Author) -> Article:
        made = Article(
            "<p>Body.</p>",
            metadata={"title": "Post", "date": SafeDatetime(2023, 5, 1), "slug": "post"},
            settings=settings,
            source_path=str(ROOT / "content" / "articles" / "post.md"),
        )
        made.author = author
        urls.remember(made, memo)
        return made

    memo = urls.Memo(settings, kept)
    assert post(Author("Mara Ellison", settings)).url == "mara-ellison/post/"
    # The next build's new author object of the same name: answered without a slugify.
    again = Author("Mara Ellison", settings)
    memo = urls.Memo(settings, kept)
    assert post(again).url == "mara-ellison/post/" and again._slug is None
    renamed = Author("Mara Ellison", settings)
    renamed.name = "Mara Okafor"
    assert post(renamed).url == "mara-okafor/post/"
    chosen = Author("Mara Ellison", settings)
    chosen.slug = "mara"  # set by a plugin: no longer made from the name
    assert post(chosen).url == "mara/post/"
    # A live session's kept article keeps the author object of the build that made it,
    # with that build's settings (another dict, the same slug settings): keyed by its
    # name all the same. One made with other slug settings is keyed by its own slug.
    earlier = Author("Mara Ellison", dict(settings))
    assert post(earlier).url == "mara-ellison/post/" and earlier._slug is None
    cased = Author("Mara Ellison", {**settings, "SLUGIFY_PRESERVE_CASE": True})
    assert post(cased).url == "Mara-Ellison/post/"
    # Other slug settings, other answers.
    settings = {**settings, "SLUGIFY_PRESERVE_CASE": True}
    memo = urls.Memo(settings, kept)
    assert post(Author("Mara Ellison", settings)).url == "Mara-Ellison/post/"


def test_the_article_files_are_found_once_per_build(build_site, monkeypatch):
    """The engine's pre-read, Pelican's reading loop and its check for files of
    disabled readers ask for the article folders' files: Pelican's `get_files` walks
    the folders once (for every extension), and each sees the files it asked for."""
    from pelican.generators import ArticlesGenerator

    asked = []
    get_files = ArticlesGenerator.get_files

    def counting(self, paths, exclude=None, extensions=None):
        found = get_files(self, paths, exclude=exclude, extensions=extensions)
        asked.append(sorted(found))
        return found

    monkeypatch.setattr(ArticlesGenerator, "get_files", counting)
    site = build_site(FILES, **FORKING)
    assert asked == [sorted(f"articles/post-{n:02d}.md" for n in range(12))]
    assert "engine: read 12 articles on 2 workers" in debug_messages(site)
    assert len(list(site.output.glob("2023/*/index.html"))) == len(FILES)


def test_a_page_records_tag_is_found_in_the_sites_lists_and_a_drafts_own_in_the_draft():
    """The page memo finds the tag a record names among the site's tags first; it
    looks through every content's own tags only for one no list names (a draft's)."""
    from pelican.contents import Article
    from pelican.urlwrappers import Tag
    from pelican.utils import SafeDatetime

    digests = _engine_part("digests")
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    listed, drafted = Tag("Follow-up", settings), Tag("Win-back", settings)

    def post(name: str, tag: Tag, **metadata) -> Article:
        return Article(
            "<p>Body.</p>",
            metadata={"title": name, "date": SafeDatetime(2023, 5, 1), "tags": [tag], **metadata},
            settings=settings,
            source_path=str(ROOT / "content" / "articles" / f"{name}.md"),
        )

    class Looked(dict):
        times = 0

        def values(self):
            Looked.times += 1
            return super().values()

    published, draft = post("published", listed), post("draft", drafted, status="draft")
    contents = Looked({"published.md": published, "draft.md": draft})
    context = {"tags": [(listed, [published])], "generated_content": contents}
    inputs = digests.BuildInputs(context)
    assert inputs.find(inputs.key(Tag("Follow-up", settings))) is listed
    assert Looked.times == 0
    assert inputs.find(inputs.key(drafted)) is drafted
    assert inputs.find(inputs.key(Tag("Nowhere", settings))) is None
    assert Looked.times == 1
