"""Same content, same bytes, on any machine: locale, time zone, hash seed and path do not show."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tree_differences

GERMAN = "de_DE.UTF-8"


def _german_env(folder: Path) -> dict[str, str] | None:
    """Environment for a German builder: the installed locale, else one generated here."""
    installed = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    if any(name.lower().replace("-", "") == "de_de.utf8" for name in installed):
        return {"LC_ALL": GERMAN}
    try:
        made = subprocess.run(
            ["localedef", "-i", "de_DE", "-f", "UTF-8", str(folder / GERMAN)],
            capture_output=True,
            timeout=120,
        )
    except OSError:
        return None
    if made.returncode != 0 or not (folder / GERMAN).is_dir():
        return None
    return {"LOCPATH": str(folder), "LC_ALL": GERMAN}


@pytest.fixture(scope="module")
def german_or_none(tmp_path_factory) -> dict[str, str] | None:
    return _german_env(tmp_path_factory.mktemp("locales"))


@pytest.fixture
def german(german_or_none) -> dict[str, str]:
    if german_or_none is None:
        pytest.skip("no de_DE locale, and localedef could not make one")
    return german_or_none


def _build(project: Path, output: Path, env: dict[str, str]) -> None:
    base = {"PATH": os.environ["PATH"], "HOME": str(output.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "nextsale.build", "--publish", "--quiet", "--output", str(output)],
        cwd=project,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_the_german_locale_really_speaks_german(german):
    script = "import locale, datetime; locale.setlocale(locale.LC_ALL, ''); "
    script += "print(datetime.date(2025, 2, 17).strftime('%B'))"
    env = {"PATH": os.environ["PATH"], **german}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "Februar"  # else the next test would prove nothing


def test_dates_follow_the_site_language_not_the_builder_locale(project_copy, tmp_path, german):
    output = tmp_path / "german-builder"
    _build(project_copy, output, german)
    page = (output / "2025" / "winning-back-lapsed-customers" / "index.html").read_text("utf-8")
    assert "17 February 2025" in page
    for path in output.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "Februar " not in text and "März" not in text, path


def test_same_content_gives_the_same_bytes_on_any_machine(project_copy, tmp_path, german_or_none):
    german = german_or_none or {"LC_ALL": "C.UTF-8"}  # the other differences still count
    elsewhere = tmp_path / "another machine" / "checked out here"
    shutil.copytree(project_copy, elsewhere, symlinks=True)
    builds = [
        (project_copy, {"LANG": "C.UTF-8", "TZ": "UTC", "PYTHONHASHSEED": "0"}),
        (elsewhere, {**german, "TZ": "America/New_York", "PYTHONHASHSEED": "4242"}),
        (elsewhere, {"LANG": "C", "LC_ALL": "POSIX", "TZ": "Asia/Kolkata"}),
        (project_copy, {**german, "LANG": GERMAN, "TZ": "Pacific/Chatham", "PYTHONHASHSEED": "1"}),
    ]
    outputs = []
    for number, (project, env) in enumerate(builds):
        outputs.append(tmp_path / f"output-{number}")
        _build(project, outputs[-1], env)
    assert len(list(outputs[0].rglob("*.html"))) > 20
    for output, (_, env) in zip(outputs[1:], builds[1:], strict=True):
        assert tree_differences(outputs[0], output) == [], env
