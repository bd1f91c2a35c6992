"""The tag taxonomy: normalisation, validation, pages, guidance and related reading."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT, Site, article, make_settings, run_pelican
from hypothesis import given, settings
from hypothesis import strategies as st

from nextsale.taxonomy.core import TaxonomyError, parse_taxonomy
from nextsale.taxonomy.ranking import choose_guidance_tag

SMALL = (FIXTURES / "taxonomy" / "small.toml").read_text(encoding="utf-8")
GUIDE = "Title: The guide\nSlug: guide\n\nEverything about the second sale.\n"
ON = {"PLUGINS": ["taxonomy"]}


def site_files(**articles: str) -> dict[str, str]:
    """A small content folder: the test taxonomy, the guide page and `articles`."""
    files = {"taxonomy.toml": SMALL, "pages/guide.md": GUIDE}
    files.setdefault("articles/ltv.md", article("Lifetime value", slug="ltv", tags="LTV"))
    files.setdefault("articles/ask.md", article("Ask", slug="ask", tags="referrals"))
    files.update({f"articles/{name}.md": text for name, text in articles.items()})
    return files


def post(slug: str, tags: str | None, date: str = "2024-03-01 09:00", **meta) -> str:
    if tags is not None:
        meta["tags"] = tags
    return article(f"Post {slug}", slug=slug, date=date, **meta)


def related_slugs(site, rel: str) -> list[str]:
    """The "Related reading" list, a part of its own after the guidance band."""
    related = site.soup(rel).find("nav", class_="related")
    if related is None or related.find("ul") is None:
        return []
    return [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in related.find("ul").find_all("a")]


def guidance_link(site, rel: str) -> tuple[str, str]:
    aside = site.soup(rel).find("aside", class_="guidance")
    link = aside.find("p").find("a")
    return " ".join(aside.find("p").get_text(" ").split()), link["href"]


# --- matching ---


@pytest.mark.parametrize(
    ("written", "slug"),
    [
        ("repeat customers", "repeat-business"),
        ("Repeat Business", "repeat-business"),
        ("REPEAT-CUSTOMERS", "repeat-business"),
        ("repeat_customers!", "repeat-business"),
        ("Backend  Sales.", "repeat-business"),
        ("life-time value", "customer-lifetime-value"),
        ("ltv", "customer-lifetime-value"),
        ("Word-of-Mouth", "referrals"),
        ("trust", "trust"),
    ],
)
def test_spellings_resolve_to_the_canonical_tag(written, slug):
    assert parse_taxonomy(SMALL).lookup(written).slug == slug


def test_symbols_that_change_meaning_are_not_merged():
    text = SMALL + (
        '\n[tags.c-plus-plus]\nname = "C++"\ntopic = "retention"\ndescription = "x."\n'
        'guidance = "pages/guide.md"\ncta = "Go:"\n'
        '\n[tags.c-sharp]\nname = "C#"\ntopic = "retention"\ndescription = "y."\n'
        'guidance = "pages/guide.md"\ncta = "Go:"\n'
    )
    taxonomy = parse_taxonomy(text)
    assert taxonomy.lookup("c++").slug == "c-plus-plus"
    assert taxonomy.lookup("C#").slug == "c-sharp"
    plain = taxonomy.lookup("C")
    assert plain.slug is None
    assert plain.lookalike in ("C++", "C#")


# --- the taxonomy file ---


def _tag(slug: str, **fields: str) -> str:
    body = {
        "name": f'"{slug.title()}"',
        "topic": '"retention"',
        "description": '"About it."',
        "guidance": '"pages/guide.md"',
        "cta": '"Go:"',
    }
    body.update(fields)
    lines = [f"{key} = {value}" for key, value in body.items() if value is not None]
    return f"\n[tags.{slug}]\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        (
            _tag("backend", aliases='["word of mouth"]'),
            "tags.backend.aliases[0]",
            "also claimed by tags.referrals.aliases",
        ),
        (
            _tag("loyalty", aliases='["Trust"]'),
            "tags.loyalty.aliases[0]",
            "is the canonical tag tags.trust",
        ),
        (
            _tag("pricing", topic='"money"'),
            "tags.pricing.topic",
            "unknown topic 'money'",
        ),
        (_tag("repeatbusiness"), "tags.repeatbusiness", "duplicate slug"),
        (
            _tag("pricing", description=None),
            "tags.pricing.description",
            "add one or two sentences",
        ),
        (_tag("pricing", alias='["price"]'), "tags.pricing.alias", "unknown key"),
        (_tag("Pricing"), "tags.Pricing", "not a valid slug"),
        (
            _tag("pricing", guidance='"https://example.com/guide"'),
            "tags.pricing.guidance",
            "outside URL",
        ),
    ],
)
def test_each_file_error_names_the_key_and_the_fix(extra, key, words):
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(SMALL + extra, "content/taxonomy.toml")
    lines = [line for line in caught.value.problems if key in line]
    assert lines, caught.value.problems
    assert words in lines[0]
    assert lines[0].startswith("content/taxonomy.toml: ")


def test_a_slug_listed_twice_is_reported_with_its_line():
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(SMALL + _tag("trust"), "taxonomy.toml")
    assert "trust" in str(caught.value)
    assert "line" in str(caught.value)
    assert "merge the two tables" in str(caught.value)


def test_bad_file_is_an_error_and_tags_stay_as_written(build_site):
    files = site_files(a=post("a", "repeat customers"))
    files["taxonomy.toml"] = SMALL + _tag("backend", aliases='["word of mouth"]')
    site = build_site(files, **ON)
    errors = site.messages(logging.ERROR)
    assert any("tags.backend.aliases[0]" in m and "keep it on one tag only" in m for m in errors)
    assert site.path("tags/repeat-customers/index.html").exists()
    assert not site.path("topics/index.html").exists()


def test_missing_guidance_target_is_an_error(build_site):
    files = site_files(a=post("a", "trust"))
    files["taxonomy.toml"] = SMALL.replace("{filename}/articles/ltv.md", "articles/gone.md")
    site = build_site(files, **ON)
    errors = site.messages(logging.ERROR)
    assert any(
        "tags.customer-lifetime-value.guidance" in m
        and "articles/gone.md" in m
        and "create it or point to an existing one" in m
        for m in errors
    ), errors


def test_no_taxonomy_file_leaves_the_site_alone(build_site):
    site = build_site({"articles/a.md": post("a", "Anything Goes")}, **ON)
    assert site.messages(logging.WARNING) == []
    assert any("no " in m and "taxonomy.toml" in m for m in site.messages(logging.INFO))
    assert site.path("tags/anything-goes/index.html").exists()


# --- unknown tags ---


def test_unknown_tag_warns_in_development_and_is_kept(build_site):
    site = build_site(site_files(odd=post("odd", "referal, trust")), **ON)
    warnings = [m for m in site.messages(logging.WARNING) if "unknown tag" in m]
    assert len(warnings) == 1
    assert "articles/odd.md" in warnings[0]
    assert "'referal'" in warnings[0]
    assert "closest known tags: 'referrals'" in warnings[0]
    assert site.messages(logging.ERROR) == []
    assert site.path("tags/referal/index.html").exists()


def test_unknown_tag_fails_the_strict_publish_build(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    broken = content / "articles" / "likeable-beats-clever.md"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("Tags: ", "Tags: referal, ", 1), encoding="utf-8")
    conf = tmp_path / "strictconf.py"
    conf.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from publishconf import *  # noqa: F403\n"
        "TAXONOMY_STRICT = True\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"THEME = {str(ROOT / 'theme')!r}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nextsale.build",
            "--publish",
            "--settings",
            str(conf),
            "--content",
            str(content),
            "--output",
            str(tmp_path / "out"),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 1, log
    assert "Traceback" not in log
    line = next(line for line in log.splitlines() if "unknown tag 'referal'" in line)
    assert line.startswith("error:")
    assert "likeable-beats-clever.md" in line
    assert "'referrals'" in line


# --- pages ---


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The project's own content, built with the taxonomy plugin switched on."""
    root = tmp_path_factory.mktemp("taxonomy-sample")
    content, output = root / "content", root / "output"
    shutil.copytree(ROOT / "content", content)
    settings = make_settings(content, output, False, {})
    if "taxonomy" not in settings["PLUGINS"]:
        settings = make_settings(
            content, output, False, {"PLUGINS": [*settings["PLUGINS"], "taxonomy"]}
        )
    return Site(content, output, settings, run_pelican(settings))


def test_sample_tags_are_all_canonical(sample):
    assert not [m for m in sample.messages(logging.WARNING) if "tag" in m]
    tag_dirs = sorted(p.name for p in sample.path("tags").iterdir() if p.is_dir())
    known = (ROOT / "content" / "taxonomy.toml").read_text(encoding="utf-8")
    for slug in tag_dirs:
        assert f"[tags.{slug}]" in known
    for alias in ("repeat-customers", "ltv", "crm", "word-of-mouth", "life-time-value"):
        assert alias not in tag_dirs


def test_tag_page_shows_description_guidance_and_articles(sample):
    soup = sample.soup("tags/repeat-business/index.html")
    text = " ".join(soup.find("main").get_text(" ").split())
    assert "Repeat business" in soup.find("h1").get_text()
    assert "Customers who come back and buy again." in text
    assert "Read the complete guide to earning the next order:" in text
    assert soup.find("a", href=lambda h: h and h.endswith("repeat-business-guide/"))
    # Six published articles use the tag or one of its aliases; drafts never count.
    listed = {a["href"] for a in soup.find("main").find_all("a") if "/20" in a["href"]}
    assert len(listed) == 6
    assert any("second-sale-is-the-real-sale" in href for href in listed)  # "repeat customers"
    assert any("loyalty-without-points" in href for href in listed)  # "Repeat Business"
    assert not any("price-rise-letter" in href for href in listed)


def test_tags_index_groups_by_topic_with_counts(sample):
    main = sample.soup("tags/index.html").find("main")
    headings = [h.get_text(strip=True) for h in main.find_all("h2")]
    assert headings == sorted(headings, key=str.casefold)
    assert "Retention" in headings and "Customer records" in headings
    retention = main.find("h2", string=lambda s: s and "Retention" in s)
    section = " ".join(retention.find_parent("section").get_text(" ").split())
    assert "Repeat business 6 posts" in section
    assert "Loyalty programmes 1 post" in section


def test_topic_hub_shows_tags_guidance_and_recent_articles(sample):
    main = sample.soup("topics/referrals/index.html").find("main")
    text = " ".join(main.get_text(" ").split())
    assert "Referrals" in main.find("h1").get_text()
    assert "Learn to ask for introductions" in text
    assert "Testimonials" in text
    dated = [t["datetime"] for t in main.find_all("time")]
    assert dated == sorted(dated, reverse=True)
    assert len(dated) == 3
    index = sample.soup("topics/index.html").find("main")
    assert len(index.find_all("h2")) == 6


def test_article_ends_with_guidance_and_related(sample):
    rel = "2019/second-sale-is-the-real-sale/index.html"
    text, href = guidance_link(sample, rel)
    # Its rarest guiding tag is customer lifetime value ("repeat customers" and
    # "trust" are on more articles), so its guidance wins.
    assert "Estimate a customer's lifetime value" in text
    assert href.endswith("2019/napkin-maths-for-lifetime-value/")
    related = related_slugs(sample, rel)
    assert 3 <= len(related) <= 5
    assert "napkin-maths-for-lifetime-value" not in related  # already linked above
    assert "the-upsell-that-helps" in related  # shares "life time value" and "trust"
    assert "price-rise-letter" not in related and "annual-customer-review" not in related


def test_guidance_skips_a_tag_that_points_at_the_article_itself(sample):
    # Napkin maths is tagged LTV and pricing, whose guidance is this very post.
    _, href = guidance_link(sample, "2019/napkin-maths-for-lifetime-value/index.html")
    assert href.endswith("repeat-business-guide/")


# --- guidance and related reading on small sites ---


def test_guidance_tie_breaks():
    guidance = {"a": "pages/a.md", "b": "pages/b.md", "c": "articles/self.md"}
    assert choose_guidance_tag(["b", "a"], {"a": 2, "b": 2}, guidance) == "a"
    assert choose_guidance_tag(["a", "b"], {"a": 3, "b": 2}, guidance) == "b"
    assert choose_guidance_tag(["c"], {"c": 1}, guidance, "articles/self.md") is None
    assert choose_guidance_tag(["unknown"], {}, guidance) is None


def test_article_without_tags_gets_site_guidance_and_no_related(build_site):
    site = build_site(site_files(bare=post("bare", None), other=post("other", "trust")), **ON)
    text, href = guidance_link(site, "2024/bare/index.html")
    assert "Start with the guide:" in text
    assert href.endswith("guide/")
    assert related_slugs(site, "2024/bare/index.html") == []


def test_single_article_has_no_related(build_site):
    files = {
        "taxonomy.toml": SMALL,
        "pages/guide.md": GUIDE,
        "articles/ltv.md": post("ltv", "LTV"),
        "articles/ask.md": post("ask", None),
    }
    site = build_site(files, **ON)
    assert related_slugs(site, "2024/ltv/index.html") == []


def test_all_articles_sharing_one_tag_relate_newest_first(build_site):
    posts = {f"p{n}": post(f"p{n}", "trust", date=f"2024-01-{n + 10:02d} 09:00") for n in range(8)}
    site = build_site(site_files(**posts), **ON)
    assert related_slugs(site, "2024/p0/index.html") == ["p7", "p6", "p5", "p4", "p3"]
    assert related_slugs(site, "2024/p7/index.html") == ["p6", "p5", "p4", "p3", "p2"]


def test_rarer_shared_tags_count_more(build_site):
    posts = {
        "me": post("me", "trust, referrals", date="2024-01-01 09:00"),
        # Shares the rare tag only, and is the oldest of the others.
        "rare": post("rare", "referrals", date="2024-01-02 09:00"),
        **{f"c{n}": post(f"c{n}", "trust", date=f"2024-02-{n + 1:02d} 09:00") for n in range(6)},
    }
    files = site_files(**posts)
    files["articles/ask.md"] = post("ask", "trust", date="2020-01-01 09:00")
    site = build_site(files, **ON)
    assert related_slugs(site, "2024/me/index.html")[0] == "rare"


def test_drafts_never_appear_as_related(build_site):
    posts = {"a": post("a", "trust"), "b": post("b", "trust", status="draft")}
    site = build_site(site_files(**posts), **ON)
    assert "b" not in related_slugs(site, "2024/a/index.html")


def test_two_builds_are_identical(build_site):
    files = site_files(
        **{
            f"p{n}": post(
                f"p{n}",
                "trust, repeat customers" if n % 2 else "LTV, word of mouth, honesty",
            )
            for n in range(7)
        }
    )
    first, second = build_site(files, **ON), build_site(files, **ON)
    names = [p.relative_to(first.output) for p in first.files()]
    assert names == [p.relative_to(second.output) for p in second.files()]
    for name in names:
        assert (first.output / name).read_bytes() == (second.output / name).read_bytes(), name


# --- the linter ---


def lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nextsale.taxonomy.lint", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_lint_reports_and_fixes_only_the_tags_line(tmp_path):
    content = tmp_path / "content"
    body = "Tags: in the body stay as they are: repeat customers.\n"
    files = site_files(
        a=post("a", "repeat customers, backend sales, LTV", date="2024-01-01 09:00") + body,
        b=post("b", "refferals"),
    )
    for rel, text in files.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")

    report = lint(str(content))
    assert report.returncode == 1
    out = report.stdout
    assert "articles/b.md: 'refferals' (closest: referrals)" in out
    assert "'repeat customers' -> repeat-business: articles/a.md" in out
    assert "Tags without articles: 1\n  trust\n" in out
    once = out.split("Tags used once")[1].split("\n\n")[0]
    assert "repeat-business: articles/a.md" in once  # written three ways, one file
    assert "customer-lifetime-value" not in once  # a.md and ltv.md
    assert "'referrals' (referrals) ~ 'refferals' (unknown)" in out

    fixed = lint("--fix", str(content))
    a = (content / "articles" / "a.md").read_text(encoding="utf-8")
    assert "Tags: repeat-business, customer-lifetime-value\n" in a
    assert a.endswith(body)  # the body is untouched
    assert "articles/a.md: 'repeat customers' -> repeat-business" in fixed.stdout
    assert "refferals" in (content / "articles" / "b.md").read_text(encoding="utf-8")


def test_lint_is_clean_on_the_sample_content():
    report = lint(str(ROOT / "content"))
    assert report.returncode == 0, report.stdout
    assert "Unknown tags by file: none" in report.stdout
    assert "'LTV' -> customer-lifetime-value" in report.stdout


def test_a_taxonomy_file_with_a_byte_order_mark_is_read(tmp_path):
    from nextsale.taxonomy.core import load_taxonomy

    source = (ROOT / "content" / "taxonomy.toml").read_text(encoding="utf-8")
    marked = tmp_path / "taxonomy.toml"
    marked.write_text("\ufeff" + source, encoding="utf-8")
    assert (
        load_taxonomy(marked).tags.keys()
        == load_taxonomy(ROOT / "content" / "taxonomy.toml").tags.keys()
    )


def _articles(*specs):
    from datetime import datetime
    from types import SimpleNamespace

    return [
        SimpleNamespace(
            source_path=f"/c/{slug}.md",
            slug=slug,
            date=datetime(2024, 1, day),
            tags=[SimpleNamespace(slug=t) for t in tags],
        )
        for slug, day, tags in specs
    ]


def test_related_reading_is_kept_only_while_tags_dates_and_slugs_hold():
    from nextsale.taxonomy.related import RelatedMemo

    memory: dict = {}
    calls = []

    def find(answer):
        def run(**limits):
            calls.append(limits)
            return answer

        return run

    first = _articles(("a", 2, ["x"]), ("b", 1, ["x"]))
    memo = RelatedMemo(memory, first, (5, 50))
    assert memo.related(first[0], ["x"], find([first[1]]), limit=6) == [first[1]]
    # The next build: new objects, same tags, dates and slugs: nothing is searched.
    again = _articles(("a", 2, ["x"]), ("b", 1, ["x"]))
    memo = RelatedMemo(memory, again, (5, 50))
    assert memo.related(again[0], ["x"], find([]), limit=6)[0] is again[1]
    assert len(calls) == 1
    # A changed tag set, date or slug anywhere, or other limits: searched again.
    for changed, limits in (
        (_articles(("a", 2, ["x"]), ("b", 1, ["y"])), (5, 50)),
        (_articles(("a", 2, ["x"]), ("b", 3, ["x"])), (5, 50)),
        (_articles(("a", 2, ["x"]), ("c", 1, ["x"])), (5, 50)),
        (_articles(("a", 2, ["x"]), ("b", 1, ["x"])), (4, 50)),
    ):
        memo = RelatedMemo(memory, changed, limits)
        memo.related(changed[0], ["x"], find([]), limit=6)
    assert len(calls) == 5
    # Without a live session nothing is kept.
    memo = RelatedMemo(None, again, (5, 50))
    memo.related(again[0], ["x"], find([]), limit=6)
    assert len(calls) == 6


def test_source_paths_are_kept_by_file_and_content_folder():
    from types import SimpleNamespace

    from nextsale.taxonomy.related import RelatedMemo

    def one(path: str):
        return SimpleNamespace(
            source_path="/c/a.md",
            settings={"PATH": path},
            get_relative_source_path=lambda: f"from {path}",
        )

    memory: dict = {}
    assert RelatedMemo(memory, [], (5, 50)).source(one("/c")) == "from /c"
    assert RelatedMemo(memory, [], (5, 50)).source(one("/")) == "from /"
    assert RelatedMemo(None, [], (5, 50)).source(one("/d")) == "from /d"


def _related_everywhere(articles, memory, limits=(3, 4), shared=None):
    """Every article's related reading as the taxonomy finds it, through a RelatedMemo."""
    from functools import partial

    from nextsale.taxonomy.ranking import idf_weights, newest_first, related_items
    from nextsale.taxonomy.related import RelatedMemo

    published = sorted(articles, key=newest_first)
    postings: dict[str, list] = {}
    for item in published:
        for tag in item.tags:
            postings.setdefault(tag.slug, []).append(item)
    weights = idf_weights({slug: len(items) for slug, items in postings.items()}, len(published))
    ranks = {id(item): number for number, item in enumerate(published)}
    memo = (
        RelatedMemo(memory, published, limits, postings=postings, weights=weights)
        if memory is not None
        else None
    )
    found = {}
    for item in published:
        slugs = [tag.slug for tag in item.tags]
        find = partial(related_items, item, slugs, postings, weights=weights, shared=shared)
        limit, scan = limits
        chosen = (
            memo.related(item, slugs, find, rank=ranks, limit=limit, scan=scan)
            if memo is not None
            else find(rank=ranks, limit=limit, scan=scan)
        )
        found[item.slug] = [other.slug for other in chosen]
    return found


def _sites(tags: str, max_size: int):
    """Generated sites: (day, tags) of each article."""
    return st.lists(
        st.tuples(st.integers(1, 28), st.lists(st.sampled_from(tags), max_size=3)),
        min_size=2,
        max_size=max_size,
    )


@settings(max_examples=60, deadline=None)
@given(
    _sites("abcd", 30),
    st.integers(1, 6),
    st.integers(1, 8),
)
def test_items_with_the_same_tags_share_one_search_and_each_leaves_itself_out(site, limit, scan):
    specs = [[f"p{number}", day, tags] for number, (day, tags) in enumerate(site)]
    articles = _paths_kept(specs)
    limits = (limit, max(scan, limit))
    shared: dict = {}
    assert _related_everywhere(articles, None, limits, shared) == _related_everywhere(
        articles, None, limits
    )
    distinct = {frozenset(tag.slug for tag in article.tags) for article in articles}
    searches = [key for key in shared if isinstance(key, tuple)]  # (tags, limit, scan)
    assert 0 < len(searches) <= len(distinct)


@settings(max_examples=150, deadline=None)
@given(
    _sites("abcdefg", 14),
    st.lists(
        st.tuples(
            st.integers(0, 13),
            st.sampled_from(["date", "tags", "slug"]),
            st.integers(1, 28),
            st.lists(st.sampled_from("abcdefg"), max_size=3),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_kept_related_reading_is_what_a_fresh_search_finds_after_any_edits(site, edits):
    """Articles sharing no tag with an edited one keep their list; it is the fresh one."""
    specs = [[f"p{number}", day, tags] for number, (day, tags) in enumerate(site)]
    memory: dict = {}
    _related_everywhere(_paths_kept(specs), memory)
    for which, kind, day, tags in edits:
        spec = specs[which % len(specs)]
        if kind == "date":
            spec[1] = day
        elif kind == "tags":
            spec[2] = tags
        else:
            spec[0] += "x"
        articles = _paths_kept(specs)
        assert _related_everywhere(articles, memory) == _related_everywhere(articles, None)


def _paths_kept(specs):
    """Articles whose source path stays the same when their slug changes."""
    made = _articles(*[tuple(spec) for spec in specs])
    for number, item in enumerate(made):
        item.source_path = f"/c/{number}.md"
    return made


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 28), st.lists(st.sampled_from("abcdefghij"), max_size=9)),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 6),
    st.integers(1, 12),
)
def test_the_search_by_shared_tags_finds_what_scoring_each_candidate_finds(site, limit, scan):
    """Two ways to rank, one answer, the one sorting every candidate gives: walking
    the combinations of an item's tags (few tags) and scoring candidates one by one
    (more than SUBSET_TAGS tags)."""
    from nextsale.taxonomy import ranking

    published = sorted(
        _articles(*[(f"p{n}", day, tags) for n, (day, tags) in enumerate(site)]),
        key=ranking.newest_first,
    )
    postings: dict[str, list] = {}
    for item in published:
        for tag in dict.fromkeys(t.slug for t in item.tags):
            postings.setdefault(tag, []).append(item)
    weights = ranking.idf_weights({s: len(items) for s, items in postings.items()}, len(published))
    ranks = {id(item): number for number, item in enumerate(published)}
    scan = max(scan, limit)

    def sorting_every_candidate(item) -> list[str]:
        mine = {t.slug for t in item.tags}
        found = {id(o): o for slug in mine for o in postings[slug][: scan + 1]}.values()
        score = {id(o): sum(weights[t] for t in mine & {t.slug for t in o.tags}) for o in found}
        best = sorted(found, key=lambda o: (-round(score[id(o)], 9), ranks[id(o)]))
        return [o.slug for o in best[: limit + 1] if o is not item][:limit]

    def related(item, shared: dict) -> list[str]:
        found = ranking.related_items(
            item,
            [t.slug for t in item.tags],
            postings,
            weights=weights,
            rank=ranks,
            limit=limit,
            scan=scan,
            shared=shared,
        )
        return [o.slug for o in found]

    by_combinations, shared = {}, {}
    for item in published:
        by_combinations[item.slug] = related(item, shared)
        assert by_combinations[item.slug] == sorting_every_candidate(item)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ranking, "SUBSET_TAGS", 0)  # every item scored one by one
        one_by_one = {item.slug: related(item, {}) for item in published}
    assert one_by_one == by_combinations


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from(["ab", "abc"]).flatmap(lambda tags: _sites(tags, 14)),
    st.lists(st.tuples(st.integers(0, 13), st.integers(1, 28)), min_size=1, max_size=3),
    st.sampled_from([(1, 1), (2, 2), (2, 3), (3, 4)]),
)
def test_an_article_that_only_moved_leaves_the_lists_it_cannot_enter(site, moves, limits):
    """New dates only: every weight holds. The lists kept are still what a fresh
    search finds, though only those the moved articles are in, or may enter, and
    those of a tag whose scanned entries changed, are searched again."""
    specs = [[f"p{number}", day, tags] for number, (day, tags) in enumerate(site)]
    memory: dict = {}
    _related_everywhere(_paths_kept(specs), memory, limits)
    for which, day in moves:
        specs[which % len(specs)][1] = day
    articles = _paths_kept(specs)
    assert _related_everywhere(articles, memory, limits) == _related_everywhere(
        articles, None, limits
    )


def test_topic_order_by_rank_is_newest_first_with_unranked_articles_last():
    from nextsale.taxonomy.ranking import by_rank, newest_first

    published = sorted(_articles(("a", 3, []), ("b", 9, []), ("c", 5, [])), key=newest_first)
    stray = _articles(("z", 28, []), ("y", 1, []))  # in a tag's list, yet not published
    ranks = {id(item): number for number, item in enumerate(published)}
    ordered = sorted([*stray, *reversed(published)], key=by_rank(ranks))
    assert [item.slug for item in ordered] == ["b", "c", "a", "z", "y"]
