"""Inputs are recognised by their content; anything else is a clear error, never a junk post."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nextsale.importer import ImportFailure, main
from nextsale.importer.detect import FORMATS, detect
from tests.conftest import FIXTURES

EXPORT = FIXTURES / "import-wxr" / "wordpressexport.xml"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("import-wxr/wordpressexport.xml", "wordpress"),
        ("import-blogger/bloggerexport.xml", "blogger"),
        ("import-ghost/ghost.json", "ghost"),
        ("import-substack/export", "substack"),
        ("import-substack/export/posts.csv", "substack"),
        ("import-medium/pelican-export", "medium"),
        ("import-feed/pelican-all.atom.xml", "feed"),
        ("import-feed/pelican-all.rss.xml", "feed"),
        ("import-markdown/2016-10-06-jekyll-3-3-is-here.md", "markdown"),
        ("scraped/wordpress-page.html", "html"),
        ("import-pages/wordpress/expected.html", "fragment"),
        ("scraped/kubrick-style.txt", "text"),
    ],
)
def test_real_inputs_are_recognised(path, expected):
    assert detect(FIXTURES / path) == expected


def test_the_file_name_does_not_decide(tmp_path):
    renamed = {
        "wordpress": tmp_path / "backup.txt",
        "feed": tmp_path / "feed.html",
        "blogger": tmp_path / "blog",
    }
    renamed["wordpress"].write_bytes(EXPORT.read_bytes())
    renamed["feed"].write_bytes((FIXTURES / "import-feed/pelican-all.atom.xml").read_bytes())
    renamed["blogger"].write_bytes((FIXTURES / "import-blogger/bloggerexport.xml").read_bytes())
    assert {name: detect(path) for name, path in renamed.items()} == {
        name: name for name in renamed
    }


def unsupported_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files the importer refuses, and the phrase saying what each looks like."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("posts/a.html", "<p>A post inside an archive.</p>")
    made = {
        "logo.png": (PNG, "PNG image"),
        "export.zip": (archive.getvalue(), "zip archive"),
        "notes.pdf": (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "PDF document"),
        "data.json": (json.dumps({"posts": [{"title": "x"}]}).encode(), "JSON, but not a Ghost"),
        "list.csv": (b"id,name,email\n1,Ada,ada@example.org\n", "CSV table"),
        "empty.txt": (b"", "empty"),
        "blob.bin": (b"\x00\x01\x02\x03" * 64, "binary"),
    }
    files = {}
    for name, (data, phrase) in made.items():
        path = folder / name
        path.write_bytes(data)
        files[name] = (path, phrase)
    return files


def test_unsupported_files_fail_clearly(tmp_path):
    for path, phrase in unsupported_files(tmp_path).values():
        with pytest.raises(ImportFailure) as failure:
            detect(path)
        message = str(failure.value)
        assert message.startswith(str(path)) and phrase in message, message
        assert "Supported: WordPress or Squarespace export" in message
        assert all(f.label in message for f in FORMATS)


def test_the_command_exits_non_zero_and_writes_nothing(tmp_path):
    dest = tmp_path / "out"
    for name, (path, phrase) in unsupported_files(tmp_path).items():
        result = subprocess.run(
            [sys.executable, "-m", "nextsale.importer", str(path), "--dest", str(dest),
             "--report", str(tmp_path / "r.json")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 1, name
        assert "Traceback" not in result.stdout + result.stderr
        assert f"{path}: failed" in result.stdout and phrase in result.stdout, result.stdout
        assert not dest.exists() or not any(dest.iterdir()), name


def test_a_folder_is_walked_and_each_file_detected(tmp_path, capsys):
    site = tmp_path / "old-site"
    posts = site / "_posts" / "2016"
    posts.mkdir(parents=True)
    jekyll = FIXTURES / "import-markdown" / "2016-10-06-jekyll-3-3-is-here.md"
    (posts / jekyll.name).write_bytes(jekyll.read_bytes())
    (site / "export.xml").write_bytes(EXPORT.read_bytes())
    (site / "logo.png").write_bytes(PNG)
    (site / "_site").mkdir()
    (site / "_site" / "index.txt").write_text("Built output is never imported.\n")
    report = tmp_path / "r.json"
    code = main([str(site), "--dest", str(tmp_path / "content" / "articles"),
                 "--report", str(report)])  # fmt: skip
    assert code == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    formats = {Path(e["source"]).name: e["format"] for e in data["files"]}
    assert formats["2016-10-06-jekyll-3-3-is-here.md"] == "markdown"
    assert formats["export.xml"] == "wordpress"
    ignored = [Path(e["source"]).name for e in data["files"] if e["status"] == "ignored"]
    assert ignored == ["logo.png"]
    assert not any("_site" in e["source"] for e in data["files"])
    assert data["totals"] == {
        "markdown": {"articles": 1, "pages": 0, "failed": 0, "skipped": 0},
        "wordpress": {"articles": 14, "pages": 2, "failed": 0, "skipped": 0},
    }
    printed = capsys.readouterr().out
    assert "markdown: 1 article(s), 0 page(s) imported, 0 failed; " in printed
    assert "wordpress: 14 article(s), 2 page(s) imported, 0 failed" in printed


def test_a_broken_file_among_good_ones_fails_the_batch(tmp_path):
    (tmp_path / "good.md").write_bytes(
        (FIXTURES / "import-markdown" / "secondpost.md").read_bytes()
    )
    (tmp_path / "photo.txt").write_bytes(PNG)  # an image saved under a post's name
    report = tmp_path / "r.json"
    code = main([str(tmp_path / "good.md"), str(tmp_path / "photo.txt"),
                 "--dest", str(tmp_path / "out"), "--report", str(report)])  # fmt: skip
    assert code == 1
    files = {Path(e["source"]).name: e for e in json.loads(report.read_text())["files"]}
    assert files["good.md"]["status"] == "imported"
    assert files["photo.txt"]["status"] == "failed"
    assert "looks like a PNG image" in files["photo.txt"]["error"]
