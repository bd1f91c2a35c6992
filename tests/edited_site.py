"""A small site of our own to edit, and a clean build to compare with (live-session tests).

The sample content plus generated notes, with its own copy of the settings,
theme and plugins so that every one of them can be edited.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, _disconnect_new_receivers, _pelican_signals

SEED = 14
GENERATED = 20
TAGS = ["follow-up", "referrals", "trust", "repeat customers", "life time value", "complaints"]
WORDS = [
    "customer",
    "order",
    "visit",
    "note",
    "thank",
    "referral",
    "trust",
    "price",
    "value",
    "habit",
    "call",
]

# A clean build: a new process, an empty cache, no previous output.
CLEAN_BUILD = """
import json, sys
from pathlib import Path
from nextsale import build
settings, output, content, overrides = json.loads(sys.argv[1])
result = build.build(Path(settings), Path(output), content=Path(content), overrides=overrides)
sys.exit(0 if result.ok else result.failed)
"""


def generated_note(number: int, rng: random.Random, draft: bool = False) -> str:
    lines = [
        f"Title: Generated note {number}",
        f"Date: 2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 18)}:00",
        f"Category: {rng.choice(['Retention', 'Referrals'])}",
        f"Tags: {', '.join(rng.sample(TAGS, rng.randint(1, 3)))}",
        f"Slug: note-{number:03d}",
    ]
    if draft:
        lines.append("Status: draft")
    if rng.random() < 0.5:
        lines.append(f"Summary: {sentence(rng)}")
    body = "\n\n".join(sentence(rng) * rng.randint(1, 4) for _ in range(rng.randint(2, 5)))
    if number and rng.random() < 0.4:
        body += (
            f"\n\nSee [an earlier note]({{filename}}/articles/note-{rng.randrange(number):03d}.md)."
        )
    return "\n".join(lines) + "\n\n" + body + "\n"


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).capitalize() + ". "


@pytest.fixture
def edited_project(tmp_path):
    """A settings file, theme and content of our own, so every one of them can be edited."""
    content, theme = tmp_path / "content", tmp_path / "theme"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "theme", theme)
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "plugins", tmp_path / "plugins", ignore=skip)
    rng = random.Random(SEED)
    for number in range(GENERATED):
        path = content / "articles" / f"note-{number:03d}.md"
        path.write_text(generated_note(number, rng, draft=number % 7 == 3), encoding="utf-8")
    settings = tmp_path / "pelicanconf.py"
    shutil.copy(ROOT / "pelicanconf.py", settings)
    overrides = {
        "THEME": str(theme),
        "PLUGIN_PATHS": [str(tmp_path / "plugins")],
        "CACHE_PATH": str(tmp_path / "cache"),
    }
    before = {signal: set(signal.receivers) for signal in _pelican_signals()}
    yield tmp_path, settings, content, theme, overrides
    _disconnect_new_receivers(before)


def clean_build(settings: Path, content: Path, overrides: dict, folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    output = folder / "output"
    arguments = [
        str(settings),
        str(output),
        str(content),
        {**overrides, "CACHE_PATH": str(folder / "cache")},
    ]
    done = subprocess.run(
        [sys.executable, "-c", CLEAN_BUILD, json.dumps(arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return output
