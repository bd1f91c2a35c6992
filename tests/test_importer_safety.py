"""The importer never loses a post: usable addresses for any title, no slug taken twice,
one broken file failing alone, and clear errors for a destination or report of the
wrong kind. Each test runs the real command on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nextsale.importer import cli, main
from tests.conftest import ROOT

BODY = "The customer who comes back is the one who trusts you most of all, so call them."


def page(title: str, body: str = BODY) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}</p></article></body></html>"
    )


def run_import(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nextsale.importer", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )


def report_of(path: Path) -> dict[str, dict]:
    return {
        Path(r["source"]).name: r for r in json.loads(path.read_text(encoding="utf-8"))["files"]
    }


def front(path: Path) -> dict[str, str]:
    head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in head.splitlines())


# --- addresses -----------------------------------------------------------------------


def test_an_emoji_only_title_gets_a_usable_file_name_that_builds(tmp_path, build_site):
    src, dest, report = tmp_path / "src", tmp_path / "articles", tmp_path / "r.json"
    src.mkdir()
    (src / "launch-party.html").write_text(page("🎉🎉"), encoding="utf-8")
    (src / "🎉.html").write_text(page("✨ 🎉"), encoding="utf-8")
    done = run_import(src, "--dest", dest, "--report", report, "--date", "2024-05-01")
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(p.name for p in dest.iterdir())
    assert ".md" not in names
    data = report_of(report)
    party = Path(data["launch-party.html"]["output"])
    assert party.name == "launch-party.md"
    assert front(party)["Slug"] == "launch-party"
    assert any("the slug 'launch-party' comes from the file name" in n
               for n in data["launch-party.html"]["notes"])  # fmt: skip
    other = Path(data["🎉.html"]["output"])
    assert other.name.startswith("post-") and other.name != "post-.md"
    assert any("set a better Slug" in n for n in data["🎉.html"]["notes"])

    site = build_site({f"articles/{p.name}": p.read_text(encoding="utf-8") for p in [party, other]})
    assert site.soup("2024/launch-party/index.html").find("h1").get_text() == "🎉🎉"
    assert (site.output / "2024" / other.stem / "index.html").is_file()


def test_an_invisible_title_is_replaced_by_the_file_name(tmp_path):
    src, dest, report = tmp_path / "src", tmp_path / "articles", tmp_path / "r.json"
    src.mkdir()
    (src / "quiet-regulars.html").write_text(page("\u200b\u200b"), encoding="utf-8")
    (src / "\u200b.html").write_text(page("\u202e\u200b"), encoding="utf-8")
    done = run_import(src, "--dest", dest, "--report", report)
    assert done.returncode == 0, done.stdout + done.stderr
    data = report_of(report)
    quiet = front(Path(data["quiet-regulars.html"]["output"]))
    assert quiet["Title"] == "Quiet Regulars" and quiet["Slug"] == "quiet-regulars"
    assert (
        "the title '\\u200b\\u200b' has nothing visible; the file name was used"
        in (data["quiet-regulars.html"]["notes"])
    )
    nameless = front(Path(data["\u200b.html"]["output"]))
    assert nameless["Title"] == "Untitled post" and nameless["Slug"] == "untitled-post"


def test_a_title_too_long_for_a_file_name_gets_a_short_slug(tmp_path):
    source = tmp_path / "long.html"
    source.write_text(page(" ".join(["referrals"] * 500)), encoding="utf-8")
    done = run_import(source, "--dest", tmp_path / "out", "--report", tmp_path / "r.json")
    assert done.returncode == 0, done.stdout + done.stderr
    written = Path(report_of(tmp_path / "r.json")["long.html"]["output"])
    assert written.is_file() and len(written.stem) <= 80
    assert front(written)["Slug"] == written.stem
    assert "the slug was shortened" in done.stdout


def test_a_slug_an_existing_article_uses_gets_a_unique_one(tmp_path, build_site):
    dest, report = tmp_path / "articles", tmp_path / "r.json"
    dest.mkdir()
    mine = (
        "Title: My own post about the second sale\nDate: 2024-01-02\n"
        "Slug: the-second-sale\n\nThe author's own words, published long ago.\n"
    )
    (dest / "my-own-post.md").write_text(mine, encoding="utf-8")
    # No Slug: its address comes from its title, as in the build.
    (dest / "thanks.md").write_text(
        "Title: Thank you notes\nDate: 2024-01-03\n\nWritten by hand.\n", encoding="utf-8"
    )
    # An article of the author's own at the very file name an import would take.
    (dest / "the-referral-habit.md").write_text(
        "Title: Habits\nDate: 2024-01-04\nSlug: habits\n\nThe author's file.\n", encoding="utf-8"
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.html").write_text(page("The Second Sale"), encoding="utf-8")
    (src / "b.html").write_text(page("Thank You Notes"), encoding="utf-8")
    (src / "c.html").write_text(page("The Referral Habit"), encoding="utf-8")
    args = (src, "--dest", dest, "--report", report, "--date", "2024-06-01", "--force")
    done = run_import(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    data = report_of(report)
    assert Path(data["a.html"]["output"]).name == "the-second-sale-2.md"
    assert front(dest / "the-second-sale-2.md")["Slug"] == "the-second-sale-2"
    assert any(
        "the slug 'the-second-sale' is already used by" in n and "my-own-post.md" in n
        for n in data["a.html"]["notes"]
    )
    assert Path(data["b.html"]["output"]).name == "thank-you-notes-2.md"
    assert Path(data["c.html"]["output"]).name == "the-referral-habit-2.md"
    assert (dest / "my-own-post.md").read_text(encoding="utf-8") == mine
    assert "The author's file." in (dest / "the-referral-habit.md").read_text(encoding="utf-8")
    assert "imported as 'the-second-sale-2' so that both articles stay" in done.stdout

    again = run_import(*args)
    assert again.returncode == 0
    assert {r["status"] for r in report_of(report).values()} == {"unchanged"}
    assert sorted(p.name for p in dest.iterdir()) == [
        "my-own-post.md", "thank-you-notes-2.md", "thanks.md",
        "the-referral-habit-2.md", "the-referral-habit.md", "the-second-sale-2.md",
    ]  # fmt: skip

    site = build_site({f"articles/{p.name}": p.read_text(encoding="utf-8") for p in dest.iterdir()})
    assert "long ago" in site.soup("2024/the-second-sale/index.html").get_text()
    assert site.soup("2024/the-second-sale-2/index.html").find("h1").get_text() == (
        "The Second Sale"
    )
    assert (site.output / "2024/thank-you-notes/index.html").is_file()
    assert (site.output / "2024/thank-you-notes-2/index.html").is_file()


# --- one broken file -------------------------------------------------------------------


def test_a_file_that_crashes_the_converter_fails_alone_and_the_report_is_written(tmp_path):
    src, report = tmp_path / "src", tmp_path / "r.json"
    src.mkdir()
    deep = "<b><i><span>" * 400 + BODY + "</span></i></b>" * 400
    (src / "a-deep.html").write_text(page("Deep", deep), encoding="utf-8")
    (src / "b-good.html").write_text(page("A Good Post"), encoding="utf-8")
    done = run_import(src, "--dest", tmp_path / "out", "--report", report)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    data = report_of(report)
    assert data["b-good.html"]["status"] == "imported"
    assert (tmp_path / "out" / "a-good-post.md").is_file()
    failed = data["a-deep.html"]
    assert failed["status"] == "failed"
    assert failed["error"].startswith(f"{src / 'a-deep.html'}: nested too deeply to convert")
    assert "save the post as text" in failed["error"]
    assert "a-deep.html: failed" in done.stdout


def test_a_page_nested_100000_levels_deep_is_refused_quickly(tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_text(page("Deep", "<span>" * 100_000 + BODY + "</span>" * 100_000), "utf-8")
    (tmp_path / "good.html").write_text(page("A Good Post"), encoding="utf-8")
    report = tmp_path / "r.json"
    done = run_import(deep, tmp_path / "good.html", "--dest", tmp_path / "out",
                      "--report", report)  # fmt: skip
    assert done.returncode == 1
    data = report_of(report)
    assert data["good.html"]["status"] == "imported"
    assert data["deep.html"]["error"] == (
        f"{deep}: nested too deeply to convert (100004 elements inside one another, at most "
        "400); flatten the markup or save the post as text, and import it again"
    )


def test_any_converter_crash_is_reported_for_that_file_only(tmp_path, monkeypatch, capsys):
    def crash(source, settings, report):
        if source.name == "a.html":
            raise KeyError("boom")
        return real(source, settings, report)

    real = cli.convert
    monkeypatch.setattr(cli, "convert", crash)
    (tmp_path / "a.html").write_text(page("First One"), encoding="utf-8")
    (tmp_path / "b.html").write_text(page("Second One"), encoding="utf-8")
    report = tmp_path / "r.json"
    code = main([str(tmp_path / "a.html"), str(tmp_path / "b.html"),
                 "--dest", str(tmp_path / "out"), "--report", str(report)])  # fmt: skip
    assert code == 1
    data = report_of(report)
    assert data["a.html"]["error"] == (
        f"{tmp_path / 'a.html'}: cannot be converted (KeyError: 'boom'); "
        "save the post as text and import it again"
    )
    assert data["b.html"]["status"] == "imported"
    assert "Traceback" not in capsys.readouterr().err


# --- where things go -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dest", "report", "message"),
    [
        ("taken.md", "r.json", "taken.md: --dest is a file, not a folder; pass the folder"),
        ("taken.md/articles", "r.json", "--dest cannot be created because"),
        ("out", "folder", "folder: --report is a folder, not a file; pass a file name"),
        ("out", "taken.md/r.json", "--report cannot be created because"),
        ("out", "post.html", "post.html: --report names a source file and would overwrite it"),
    ],
)
def test_a_destination_or_report_of_the_wrong_kind_is_a_clear_error(
    tmp_path, dest, report, message
):
    (tmp_path / "taken.md").write_text("Title: Taken\n\nAn article.\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "post.html").write_text(page("A Post"), encoding="utf-8")
    before = (tmp_path / "post.html").read_bytes()
    done = run_import(
        tmp_path / "post.html", "--dest", tmp_path / dest, "--report", tmp_path / report
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "post.html").read_bytes() == before
    assert not (tmp_path / "folder" / "r.json").exists()


def test_a_place_that_cannot_be_written_is_a_clear_error(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(cli.os, "access", lambda path, mode: Path(path) != locked)
    (tmp_path / "post.html").write_text(page("A Post"), encoding="utf-8")
    code = main([str(tmp_path / "post.html"), "--dest", str(locked / "articles"),
                 "--report", str(tmp_path / "r.json")])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: {locked / 'articles'}: --dest cannot be created in {locked} "
        "(permission denied); pass the folder the articles go to somewhere you can write\n"
    )
    code = main([str(tmp_path / "post.html"), "--dest", str(tmp_path / "out"),
                 "--report", str(locked / "r.json")])  # fmt: skip
    assert code == 1
    assert "--report cannot be created in" in capsys.readouterr().err
