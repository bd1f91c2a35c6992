"""The importer: scraped text and HTML pages become clean Markdown articles."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from nextsale.importer.importer import import_posts, main
from tests.conftest import FIXTURES

SCRAPED = FIXTURES / "scraped"
EXPECTED = json.loads((SCRAPED / "expected.json").read_text(encoding="utf-8"))
SAMPLES = sorted(name for name in EXPECTED if not name.startswith("_"))
TAXONOMY = SCRAPED / "taxonomy.toml"


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
    reports = import_posts([source], tmp_path / "articles", taxonomy=TAXONOMY, **options)
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
        assert meta["Category"] == expected["category_raw"]
    if "list_items" in expected:
        assert [li.get_text() for li in soup.find_all("li")] == expected["list_items"]
    if "quote" in expected:
        quote = soup.find("blockquote")
        assert quote.find("cite").get_text() == expected["quote"]["cite"]
        assert quote.find("p").get_text() == expected["quote"]["text"]
    if "tags_raw" in expected:
        assert [t.casefold() for t in report.unknown_tags] == ["customer records"]
        mapped = meta["Tags"].split(", ")
        assert len(mapped) == len(expected["tags_raw"])
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
           "--taxonomy", str(TAXONOMY)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    data = json.loads(report_file.read_text(encoding="utf-8"))
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
         "--report", str(tmp_path / "r.json"), "--taxonomy", str(TAXONOMY)],
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
    assert soup.find("blockquote").find("cite").get_text() == "Ruth Okafor"
    assert soup.find("strong").get_text() == "Write the date down"
    link = soup.find("a", string="the reorder card we use")
    assert link["href"] == "https://counter-talk.example/reorder-card/"
    gone = "Share this|Leave a Reply|Responses|bit.ly|Related|permalink|Posted on"
    gone += "|This entry|coffee beans|powered by"
    for cruft in gone.split("|"):
        assert cruft.lower() not in output.lower(), cruft
    rules = {r["rule"] for r in report.removed}
    assert {"comment-count", "share-prompt", "tracking-shortlink", "permalink"} <= rules
    assert any(r["rule"] == "image" and r["text"] == "calendar-icon" for r in report.removed)


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
    reports = import_posts([SCRAPED], tmp_path / "articles", taxonomy=TAXONOMY)
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
    assert quote.find("cite").get_text() == "Ruth Okafor"
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
    data = {Path(r["source"]).name: r for r in json.loads((tmp_path / "r.json").read_text())}
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
