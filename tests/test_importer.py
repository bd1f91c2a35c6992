"""The importer: scraped text and HTML pages become clean Markdown articles."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from nextsale.importer import import_posts, main
from tests.conftest import FIXTURES, ROOT, article

SCRAPED = FIXTURES / "scraped"
EXPECTED = json.loads((SCRAPED / "expected.json").read_text(encoding="utf-8"))
SAMPLES = sorted(name for name in EXPECTED if not name.startswith("_"))
TAGS = SCRAPED / "taxonomy.toml"
GUIDE = "Title: The guide\nSlug: guide\n\nEverything about the second sale.\n"


def write_taxonomy(folder: Path, tags: dict[str, dict]) -> Path:
    """Write `tags` ({slug: {name, aliases}}) as a whole taxonomy the build accepts."""
    lines = [
        "[site]",
        'guidance = "{filename}/pages/guide.md"',
        'cta = "Start with the guide:"',
        "",
        "[topics.selling]",
        'name = "Selling"',
        'description = "Winning the next sale."',
    ]
    for slug, entry in tags.items():
        lines += [
            "",
            f"[tags.{slug}]",
            f"name = {json.dumps(entry['name'])}",
            f"aliases = {json.dumps(entry.get('aliases', []))}",
            'topic = "selling"',
            f"description = {json.dumps('Posts about ' + entry['name'] + '.')}",
            'guidance = "{filename}/pages/guide.md"',
            'cta = "Read the guide:"',
        ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "taxonomy.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sample_taxonomy(folder: Path) -> Path:
    """The samples' tags and aliases (tests/fixtures/scraped) as a whole taxonomy."""
    tags = tomllib.loads(TAGS.read_text(encoding="utf-8"))["tags"]
    return write_taxonomy(folder, tags)


def read_article(path: Path) -> tuple[dict[str, str], str]:
    """Split an imported file into its front matter and Markdown body."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        meta[key] = value
    return meta, body


def body_soup(body: str) -> BeautifulSoup:
    return BeautifulSoup(markdown.markdown(body), "html.parser")


def sentences(text: str) -> set[str]:
    """Sentences of a text, compared without case, quotes or closing punctuation."""
    parts = re.split(r"(?<=[.!?…:])\s+|\n+", text)
    cleaned = {re.sub(r"^[\s“”\"'•*–—-]+|[\s“”\"'.!?…:]+$", "", p).casefold() for p in parts}
    return {s for s in cleaned if len(s.split()) >= 2}


def import_one(tmp_path, source: Path, **options):
    taxonomy = sample_taxonomy(tmp_path / "taxonomy")
    reports = import_posts([source], tmp_path / "articles", taxonomy=taxonomy, **options)
    assert len(reports) == 1
    return reports[0]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_recovers_what_expected_json_says(tmp_path, name):
    expected = EXPECTED[name]
    report = import_one(tmp_path, SCRAPED / name)
    assert report.status == "imported", report.error
    meta, body = read_article(Path(report.output))
    soup = body_soup(body)
    output = Path(report.output).read_text(encoding="utf-8")

    assert meta["Title"] == expected["title"]
    if "date" in expected:
        assert meta["Date"].replace(" ", "T") == expected["date"]
    else:
        assert meta["Status"] == "draft"
        assert "date" in report.missing
    if "author" in expected:
        assert meta["Author"] == expected["author"]
    if "category_raw" in expected:
        # Recovered as the page gave it, then mapped into the site's categories
        # (IMPORT_CATEGORY_MAP), which this site leaves empty: the default, said.
        assert report.metadata["source_categories"] == [expected["category_raw"]]
        assert meta["Category"] == "misc"
        assert any("defaulted to 'misc'" in note for note in report.notes)
    if "list_items" in expected:
        assert [li.get_text() for li in soup.find_all("li")] == expected["list_items"]
    if "quote" in expected:
        quote = soup.find("blockquote")
        assert quote.find("cite").get_text() == expected["quote"]["cite"]
        assert quote.find("p").get_text() == expected["quote"]["text"]
    if "tags_raw" in expected:
        assert [t.casefold() for t in report.unknown_tags] == ["customer records"]
        mapped = meta["Tags"].split(", ")
        # The one the taxonomy does not know is kept for the author, not shown.
        assert meta["Imported-Tags"].casefold() == "customer records"
        assert len(mapped) + 1 == len(expected["tags_raw"])
        assert "repeat-business" in mapped and "customer-lifetime-value" in mapped
    if "duplicate_paragraphs_collapsed" in expected:
        dupes = [r for r in report.removed if r["rule"] == "duplicate-paragraph"]
        assert len(dupes) == expected["duplicate_paragraphs_collapsed"]
        paragraphs = [p.get_text() for p in soup.find_all("p")]
        assert len(paragraphs) == len(set(paragraphs))
    if "summary_from" in expected:
        assert meta["Summary"].endswith("…")
        assert "[…]" not in output
        assert not any(meta["Summary"][:-1] == p.get_text() for p in soup.find_all("p"))

    # Cruft is either removed by a rule or consumed as metadata (a tags line).
    removed_text = " ".join(r["text"] for r in report.removed + report.consumed)
    for cruft in expected["cruft_removed"]:
        assert cruft in removed_text, cruft
        assert cruft not in output, cruft


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_body_is_kept_whole_and_nothing_vanishes_silently(tmp_path, name):
    report = import_one(tmp_path, SCRAPED / name)
    meta, body = read_article(Path(report.output))
    source = sentences((SCRAPED / name).read_text(encoding="utf-8"))
    shown = sentences(body_soup(body).get_text("\n"))
    accounted = shown | sentences("\n".join(meta.values()))
    for entry in report.removed + report.consumed:
        accounted |= sentences(entry["text"])
    missing = {s for s in source if not any(s in a or a in s for a in accounted)}
    assert not missing
    # Every sentence of the body appears once.
    body_sentences = re.split(r"(?<=[.!?])\s+", body_soup(body).get_text(" "))
    assert len(body_sentences) == len(set(body_sentences))


def test_report_is_printed_and_written_as_json(tmp_path, capsys):
    report_file = tmp_path / "report.json"
    code = main(
        [str(SCRAPED / n) for n in SAMPLES]
        + ["--dest", str(tmp_path / "out"), "--report", str(report_file),
           "--taxonomy", str(sample_taxonomy(tmp_path))]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    data = json.loads(report_file.read_text(encoding="utf-8"))["files"]
    assert [Path(r["source"]).name for r in data] == SAMPLES
    for entry in data:
        assert entry["status"] == "imported"
        assert entry["removed"] and all({"rule", "text"} <= set(r) for r in entry["removed"])
        assert "title" in entry["metadata"]
        assert Path(entry["source"]).name in printed
    assert "unknown tags (not in the taxonomy): customer records" in printed
    assert "[comment-count]" in printed


def test_runs_as_a_script(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nextsale.importer",
         str(SCRAPED / "kubrick-style.txt"), "--dest", str(tmp_path),
         "--report", str(tmp_path / "r.json"),
         "--taxonomy", str(sample_taxonomy(tmp_path / "taxonomy"))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "busy-season-quiet-customers.md").is_file()


def test_missing_date_is_filled_from_the_date_option_never_invented(tmp_path):
    from datetime import date

    report = import_one(tmp_path, SCRAPED / "magazine-style.txt", date=date(2016, 5, 2))
    meta, _ = read_article(Path(report.output))
    assert meta["Date"] == "2016-05-02"
    assert "Status" not in meta
    assert "date" in report.missing


# --- HTML pages ------------------------------------------------------------------


def test_wordpress_page(tmp_path):
    report = import_one(tmp_path, SCRAPED / "wordpress-page.html")
    assert report.status == "imported", report.error
    meta, body = read_article(Path(report.output))
    soup = body_soup(body)
    output = Path(report.output).read_text(encoding="utf-8")
    assert meta["Title"] == "The reorder reminder nobody sends"
    assert meta["Date"] == "2012-06-04 08:30"
    assert meta["Author"] == "Owen Castell"
    assert set(meta["Tags"].split(", ")) == {
        "customer-retention",
        "repeat-business",
        "customer-lifetime-value",
    }
    assert len(soup.find_all("li")) == 3
    # The converter writes a quote's attribution as its last line.
    assert soup.find("blockquote").find_all("p")[-1].get_text().lstrip("—– ") == "Ruth Okafor"
    assert soup.find("strong").get_text() == "Write the date down"
    link = soup.find("a", string="the reorder card we use")
    assert link["href"] == "https://counter-talk.example/reorder-card/"
    gone = "Share this|Leave a Reply|Responses|bit.ly|Related|permalink|Posted on"
    gone += "|This entry|coffee beans|powered by"
    for cruft in gone.split("|"):
        assert cruft.lower() not in output.lower(), cruft
    rules = {r["rule"] for r in report.removed}
    assert {"comment-count", "share-prompt", "tracking-shortlink", "permalink"} <= rules
    # Images are kept with their alt text and listed (dropping them was a bug).
    assert soup.find("img", alt="calendar-icon")["src"].endswith("/uploads/calendar.jpg")
    assert any(i["alt"] == "calendar-icon" for i in report.images)


def test_blogger_page_with_comment_thread_and_share_bar(tmp_path):
    report = import_one(tmp_path, SCRAPED / "blogger-page.html")
    assert report.status == "imported", report.error
    meta, body = read_article(Path(report.output))
    soup = body_soup(body)
    output = Path(report.output).read_text(encoding="utf-8")
    assert meta["Title"] == "Ask the Quiet Ones"
    assert meta["Date"] == "2018-05-20"
    assert meta["Author"] == "Lena Marsh"
    assert meta["Tags"] == "follow-up, referrals"
    assert soup.find("li").get_text().startswith("Did the last order")
    assert len(soup.find_all("p")) >= 4  # <br><br> separated paragraphs stay apart
    assert soup.find("a")["href"] == "https://shopfloor-notes.example/calls"
    for cruft in ("said...", "Great post", "BlogThis", "Share to", "Older Post",
                  "Post a Comment", "tiny.cc"):  # fmt: skip
        assert cruft not in output, cruft
    removed = " ".join(r["text"] for r in report.removed)
    assert "Great post" in removed and "BlogThis" in removed and "tiny.cc/quietcalls" in removed


def test_hostile_html_is_sanitised(tmp_path, build_site):
    report = import_one(tmp_path, SCRAPED / "hostile.html")
    assert report.status == "imported", report.error
    output = Path(report.output).read_text(encoding="utf-8")
    for bad in ("<script", "alert", "onclick", "onerror", "onload", "onmouseover",
                "javascript:", "<iframe", "evil.example", "<svg", "<form"):  # fmt: skip
        assert bad not in output, bad
    sanitised = " ".join(r["text"] for r in report.removed if r["rule"] == "sanitiser")
    assert "<script>" in sanitised and "onclick" in sanitised and "javascript:" in sanitised

    site = build_site({"articles/hostile.md": output})
    page = next(p for p in site.files() if "trust-is-earned" in str(p))
    content = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one(".content")
    assert content.find(["script", "iframe", "form", "svg"]) is None
    for el in content.find_all(True):
        assert not [a for a in el.attrs if a.lower().startswith("on")]
        assert not str(el.get("href", "")).lower().startswith("javascript:")
    text = content.get_text(" ")
    assert "The <script> tag in this sentence is only words." in text
    assert "Read the full story of how one bakery kept its regulars." in text


def test_imported_articles_build_into_the_site(tmp_path, build_site):
    reports = import_posts(
        [SCRAPED], tmp_path / "articles", taxonomy=sample_taxonomy(tmp_path / "taxonomy")
    )
    files = {
        f"articles/{Path(r.output).name}": Path(r.output).read_text(encoding="utf-8")
        for r in reports
        if r.status == "imported"
    }
    ignored = [r for r in reports if r.status == "ignored"]
    assert [Path(r.source).name for r in ignored] == ["expected.json", "taxonomy.toml"]
    site = build_site(files)
    page = site.soup("2017/the-second-handshake/index.html")
    assert page.find("h1").get_text() == "The Second Handshake"
    assert len(page.select(".content li")) == 4
    quote = site.soup("2012/the-reorder-reminder-nobody-sends/index.html").select_one(
        ".content blockquote"
    )
    assert quote.find_all("p")[-1].get_text().lstrip("—– ") == "Ruth Okafor"
    drafts = [p for p in site.files() if "drafts" in p.parts]
    assert any("referrals-are-a-receipt-for-trust" in str(p) for p in drafts)


# --- bad input, re-runs -----------------------------------------------------------


def test_bad_inputs_fail_clearly_and_the_rest_of_the_batch_imports(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a-empty.txt").write_bytes(b"")
    (src / "b-blank.txt").write_bytes(b"  \n\n \t\n")
    (src / "c-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (src / "d-undecodable.txt").write_bytes(b"Caf\x81 \x8d\x90 notes\n\nabout \x9d things")
    (src / "e-nobody.html").write_bytes(
        b"<html><body><nav><a href='/'>Home</a></nav><p>Leave a Reply</p></body></html>"
    )
    (src / "f-only-cruft.txt").write_text("No comments:\n\nPost a Comment\n\nShare This\n")
    (src / "g-good.txt").write_bytes((SCRAPED / "kubrick-style.txt").read_bytes())
    code = main([str(src), "--dest", str(tmp_path / "out"), "--report",
                 str(tmp_path / "r.json")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    data = json.loads((tmp_path / "r.json").read_text())["files"]
    data = {Path(r["source"]).name: r for r in data}
    assert data["g-good.txt"]["status"] == "imported"
    assert (tmp_path / "out/busy-season-quiet-customers.md").is_file()
    expectations = {
        "a-empty.txt": "empty",
        "b-blank.txt": "empty",
        "c-binary.txt": "binary",
        "d-undecodable.txt": "cannot decode",
        "e-nobody.html": "no recognisable post body",
        "f-only-cruft.txt": "no recognisable post body",
    }
    for name, phrase in expectations.items():
        assert data[name]["status"] == "failed", name
        assert name in data[name]["error"] and phrase in data[name]["error"], data[name]
        assert name in captured.out


def test_non_utf8_text_uses_declared_charset_then_cp1252(tmp_path):
    cp1252 = tmp_path / "windows.txt"
    cp1252.write_bytes(
        "Caf\u00e9 regulars\n\nThe caf\u00e9 owner remembers every order \u2013 "
        "and every name.\n".encode("cp1252")
    )
    greek = tmp_path / "greek.html"
    greek.write_bytes(
        "<html><head><meta charset='iso-8859-7'></head><body><article><h1>Πελάτες</h1>"
        "<p>Οι πελάτες που επιστρέφουν είναι ο καλύτερος τρόπος.</p></article>"
        "</body></html>".encode("iso-8859-7")
    )
    reports = import_posts([cp1252, greek], tmp_path / "out")
    assert [r.status for r in reports] == ["imported", "imported"]
    text = Path(reports[0].output).read_text(encoding="utf-8")
    assert "The café owner remembers every order – and every name." in text
    assert "cp1252" in " ".join(reports[0].notes)
    assert "Οι πελάτες που επιστρέφουν" in Path(reports[1].output).read_text(encoding="utf-8")
    assert "iso-8859-7" in " ".join(reports[1].notes)


def test_reimport_is_idempotent_and_never_overwrites_without_force(tmp_path):
    dest = tmp_path / "articles"
    source = SCRAPED / "blogger-style.txt"
    first = import_posts([source], dest)[0]
    target = Path(first.output)
    original = target.read_bytes()
    second = import_posts([source], dest)[0]
    assert second.status == "unchanged"
    assert target.read_bytes() == original

    target.write_text(original.decode() + "\nA line the author added.\n", encoding="utf-8")
    edited = target.read_bytes()
    skipped = import_posts([source], dest)[0]
    assert skipped.status == "skipped"
    assert "--force" in skipped.error and str(target) in skipped.error
    assert target.read_bytes() == edited
    assert main([str(source), "--dest", str(dest), "--report", str(tmp_path / "r.json")]) == 1

    forced = import_posts([source], dest, force=True)[0]
    assert forced.status == "imported"
    assert target.read_bytes() == original


def test_two_sources_with_the_same_slug_do_not_overwrite_each_other(tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_text(
        (SCRAPED / "kubrick-style.txt").read_text(encoding="utf-8") + "\nOne more thought.\n",
        encoding="utf-8",
    )
    reports = import_posts([SCRAPED / "kubrick-style.txt", copy], tmp_path / "out", force=True)
    assert [r.status for r in reports] == ["imported", "failed"]
    assert "same slug" in reports[1].error and "kubrick-style.txt" in reports[1].error
    assert "One more thought" not in Path(reports[0].output).read_text(encoding="utf-8")


def test_plain_text_cannot_smuggle_html_or_markdown(tmp_path):
    source = tmp_path / "sneaky.txt"
    source.write_text(
        "Small print matters\n\nMarch 3, 2015\n\n"
        "A customer typed <script>alert(1)</script> into our form, and 2 * 3 = 6 "
        "is still true. Details at https://example.com/small_print_notes.\n\n"
        "# not a heading, just a hash\n",
        encoding="utf-8",
    )
    report = import_posts([source], tmp_path / "out")[0]
    _, body = read_article(Path(report.output))
    soup = body_soup(body)
    assert soup.find("script") is None and soup.find("h1") is None
    assert "<script>alert(1)</script>" in soup.get_text()
    assert "2 * 3 = 6" in soup.get_text()
    assert soup.find("a")["href"] == "https://example.com/small_print_notes"


# --- the site's own settings and taxonomy -------------------------------------------


def site_settings(root: Path, **settings) -> Path:
    """A settings file for a small site in `root` (content in root/content)."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    lines = ['PATH = "content"', *(f"{key} = {value!r}" for key, value in settings.items())]
    path = root / "siteconf.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_importer(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nextsale.importer", *map(str, args)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip


QUIET_CUSTOMER = """The quiet customer

March 3, 2015

Most of your best customers never complain and never praise; they simply keep coming
back, until one day they do not.

Call them before that day comes, and ask what would make the next order easier.

Leave a Reply

Printed from the Corner Shop archive.
"""


def test_import_cleans_with_the_sites_cruft_settings(tmp_path):
    source = tmp_path / "quiet.txt"
    source.write_text(QUIET_CUSTOMER, encoding="utf-8")
    default = site_settings(tmp_path / "default")
    tuned = site_settings(
        tmp_path / "tuned",
        CRUFT_DISABLED_RULES=["reply-prompt", "outside-post"],
        CRUFT_EXTRA_PATTERNS=[r"printed from the .{1,40} archive\.?"],
    )
    plain = run_importer(source, "--settings", default, "--report", tmp_path / "default.json")
    assert plain.returncode == 0, plain.stderr
    # `invoke import` passes the settings file on, and articles go to its PATH/articles.
    invoked = subprocess.run(
        [sys.executable, "-m", "invoke", "import", str(source), "--settings", str(tuned),
         "--report", str(tmp_path / "tuned.json")],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert invoked.returncode == 0, invoked.stdout + invoked.stderr

    written = {}
    for site in ("default", "tuned"):
        target = tmp_path / site / "content" / "articles" / "the-quiet-customer.md"
        written[site] = target.read_text(encoding="utf-8")
        assert "Call them before that day comes" in written[site]
    # By default the line below the comment prompt is the page around the post.
    assert "Leave a Reply" not in written["default"]
    assert "Printed from the Corner Shop archive." not in written["default"]
    assert "Leave a Reply" in written["tuned"]
    assert "Corner Shop" not in written["tuned"]

    removed = {
        site: {
            r["rule"]: r["text"]
            for r in json.loads((tmp_path / f"{site}.json").read_text())["files"][0]["removed"]
        }
        for site in ("default", "tuned")
    }
    assert removed["default"] == {
        "reply-prompt": "Leave a Reply",
        "outside-post": "Printed from the Corner Shop archive.",
    }
    assert removed["tuned"] == {"extra-pattern": "Printed from the Corner Shop archive."}
    assert "[extra-pattern]: Printed from the Corner Shop archive." in invoked.stdout


def test_a_bad_cruft_setting_stops_the_import_naming_it(tmp_path):
    settings = site_settings(tmp_path, CRUFT_DISABLED_RULES=["reply-promt"])
    result = run_importer(SCRAPED / "kubrick-style.txt", "--settings", settings)
    assert result.returncode == 1
    assert "CRUFT_DISABLED_RULES" in result.stderr and "reply-promt" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "content" / "articles").exists()


def tagged_post(title: str, tags: str) -> str:
    return (
        f"{title}\n\nMarch 3, 2015\n\nA short post about the languages our customers write "
        f"their order systems in, and why it matters for the next sale.\n\nTags: {tags}\n"
    )


def tag_slugs(page: BeautifulSoup) -> list[str]:
    links = page.select("ul.tags a[rel~=tag]")
    return [link["href"].rstrip("/").rsplit("/", 1)[-1] for link in links]


def test_tags_match_as_the_build_matches_them_never_merging_symbols(tmp_path, build_site):
    settings = site_settings(tmp_path / "site", PLUGINS=["taxonomy"])
    content = settings.parent / "content"
    write_taxonomy(
        content,
        {"c": {"name": "C"}, "cpp": {"name": "Cpp", "aliases": ["C++"]},
         "follow-up": {"name": "Follow-up", "aliases": ["follow up"]}},
    )  # fmt: skip
    sources = tmp_path / "sources"
    sources.mkdir()
    posts = {
        "cpp.txt": ("Orders in cpp", "C++, Follow Up"),
        "c.txt": ("Orders in c", "C"),
        "csharp.txt": ("Orders in c sharp", "C#"),
    }
    for name, (title, tags) in posts.items():
        (sources / name).write_text(tagged_post(title, tags), encoding="utf-8")
    # No --taxonomy: the one the build uses, PATH/TAXONOMY_FILE of the settings.
    result = run_importer(sources, "--settings", settings, "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    assert f"taxonomy: {content / 'taxonomy.toml'}" in result.stdout

    articles = content / "articles"
    imported = {
        path.stem: (meta.get("Tags"), meta.get("Imported-Tags"))
        for path in sorted(articles.glob("*.md"))
        for meta in [read_article(path)[0]]
    }
    assert imported == {
        "orders-in-cpp": ("cpp, follow-up", None),
        "orders-in-c": ("c", None),
        # Unknown to the taxonomy (and not merged with C): kept, not shown.
        "orders-in-c-sharp": (None, "C#"),
    }
    report = json.loads((tmp_path / "r.json").read_text())["files"]
    report = {Path(r["source"]).name: r for r in report}
    assert report["cpp.txt"]["unknown_tags"] == [] and report["c.txt"]["unknown_tags"] == []
    assert report["csharp.txt"]["unknown_tags"] == ["C#"]
    assert any(
        "'C#'" in note and "only in symbols" in note for note in report["csharp.txt"]["notes"]
    )
    assert "unknown tags (not in the taxonomy): C#" in result.stdout

    # The build gives the imported articles exactly the tags it gives the posts'
    # own spellings.
    files = {"taxonomy.toml": (content / "taxonomy.toml").read_text(), "pages/guide.md": GUIDE}
    for slug in ("orders-in-cpp", "orders-in-c"):
        files[f"articles/{slug}.md"] = (articles / f"{slug}.md").read_text(encoding="utf-8")
    files["articles/raw-cpp.md"] = article("Raw cpp", slug="raw-cpp", tags="C++, Follow Up")
    files["articles/raw-c.md"] = article("Raw c", slug="raw-c", tags="C")
    site = build_site(files)
    built = {
        slug: tag_slugs(site.soup(f"{year}/{slug}/index.html"))
        for year, slug in [("2015", "orders-in-cpp"), ("2015", "orders-in-c"),
                           ("2024", "raw-cpp"), ("2024", "raw-c")]
    }  # fmt: skip
    assert built["orders-in-cpp"] == built["raw-cpp"] == ["cpp", "follow-up"]
    assert built["orders-in-c"] == built["raw-c"] == ["c"]
