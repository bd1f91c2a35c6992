"""The house's contracts: plugin order checked at start-up, one home per shared idea."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, article

from nextsale import contracts

PROJECT_FILES = [
    path
    for path in ROOT.rglob("*.py")
    if not {".venv", "node_modules", "fixtures", "corpus", "__pycache__"} & set(path.parts)
]


def test_feeds_before_taxonomy_stops_the_build_at_start_up(build_site):
    with pytest.raises(contracts.PluginOrderError) as caught:
        build_site({"articles/a.md": article("A post")}, PLUGINS=["feeds", "taxonomy"])
    message = str(caught.value)
    assert "feeds needs taxonomy earlier in PLUGINS" in message
    assert "move 'taxonomy' before 'feeds'" in message


def test_wrong_order_is_a_clear_error_from_the_build_command(tmp_path):
    conf = tmp_path / "wrongorder.py"
    conf.write_text(
        f"exec(open({str(ROOT / 'pelicanconf.py')!r}).read())\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        "PLUGINS = [p for p in PLUGINS if p != 'taxonomy'] + ['taxonomy']\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            *(sys.executable, "-m", "nextsale.build", "--settings", str(conf)),
            *("--content", str(ROOT / "content"), "--output", str(tmp_path / "out")),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 1, log
    assert "Traceback" not in log
    assert "feeds needs taxonomy earlier in PLUGINS" in log
    assert "newsletter needs taxonomy earlier in PLUGINS" in log
    assert not (tmp_path / "out").exists()


def test_the_sample_order_and_builds_without_taxonomy_are_accepted():
    assert contracts.problems({"PLUGINS": ["taxonomy", "feeds", "newsletter"]}) == []
    assert contracts.problems({"PLUGINS": ["feeds", "newsletter"]}) == []
    assert contracts.problems({"PLUGINS": ["newsletter", "taxonomy"]}) != []


def _files_matching(pattern: str, *, tests: bool = True) -> set[str]:
    regex = re.compile(pattern, re.MULTILINE)
    return {
        str(path.relative_to(ROOT))
        for path in PROJECT_FILES
        if path.name != "test_contracts.py"
        and (tests or "tests" not in path.parts)
        and regex.search(path.read_text(encoding="utf-8"))
    }


def test_private_pelican_names_live_only_in_the_compat_module():
    private = (
        r"_cache\[|_get_file_stamp|_filter_discardable_metadata|get_content\.cache"
        r"|_parse_metadata|_get_intrasite_link_regex|LimitFilter\._|_open_w|_written_files"
        r"|_build_period_archives|_slug_from_name"
    )
    assert _files_matching(private) <= {"nextsale/compat.py"}


def test_nh3_is_called_in_one_module():
    assert _files_matching(r"^\s*(import nh3|from nh3 )") == {"nextsale/sanitise.py"}


def test_the_plugin_enabled_rule_is_defined_once():
    found = _files_matching(r"settings\.get\(\"PLUGINS\"\)|\[\"PLUGINS\"\]", tests=False)
    assert found <= {
        "nextsale/site.py",
        "bench/run_one.py",
    }


def test_no_sys_path_hacks_in_the_project():
    # Settings files may import pelicanconf the way Pelican's quickstart does;
    # tests write such files too. Code never edits the import path.
    found = _files_matching(r"^\s*(sys\.path\.(insert|append)|sys\.path\[|__package__ =)")
    assert found <= {"publishconf.py"}


def test_no_room_too_big_to_hold_in_ones_head():
    big = {
        str(path.relative_to(ROOT)): lines
        for path in PROJECT_FILES
        if "tests" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 520
    }
    assert big == {}
