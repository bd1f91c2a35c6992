"""Generate a deterministic synthetic corpus shaped like the real posts.

The corpus is the project's own `content/` (pages, taxonomy, newsletter, sample
articles) plus N generated articles under `articles/generated/`: 3–5 tags drawn
from the taxonomy's canonical tags and aliases, 700–900 words with headings,
lists, a blockquote and `{filename}` links to earlier generated posts.
"""

from __future__ import annotations

import random
import shutil
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "customer",
    "order",
    "follow",
    "call",
    "visit",
    "record",
    "note",
    "thank",
    "referral",
    "friend",
    "trust",
    "promise",
    "deliver",
    "price",
    "value",
    "season",
    "reminder",
    "list",
    "habit",
    "shop",
    "client",
    "account",
    "service",
    "repair",
    "question",
    "answer",
    "invoice",
    "renewal",
    "birthday",
    "neighbour",
    "weekly",
    "monthly",
    "small",
    "quiet",
    "careful",
    "honest",
    "useful",
    "second",
    "third",
    "again",
    "return",
    "loyal",
    "regular",
    "steady",
    "warm",
    "clear",
    "simple",
    "write",
    "phone",
    "email",
    "card",
    "meeting",
    "plan",
    "review",
    "margin",
    "basket",
    "habit",
]
HEADINGS = (
    "Why it matters",
    "What to do this week",
    "A small example",
    "Where it goes wrong",
    "Keeping the habit",
    "What the numbers say",
    "The second visit",
    "Before you send it",
)


def _tag_pool(taxonomy_file: Path) -> list[str]:
    data = tomllib.loads(taxonomy_file.read_text(encoding="utf-8"))
    pool = []
    for slug, tag in sorted(data.get("tags", {}).items()):
        pool.append(slug)
        pool.extend(tag.get("aliases", []))
    return pool


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _article(rng: random.Random, number: int, date: datetime, tags: list[str]) -> str:
    target = rng.randint(700, 900)
    parts: list[str] = []
    words = 0
    link_to = [f"post-{rng.randrange(number):05d}" for _ in range(2)] if number else []
    while words < target:
        block = len(parts) % 6
        if block == 1:
            text = "## " + HEADINGS[(number + len(parts)) % len(HEADINGS)]
        elif block == 3:
            text = "\n".join(f"- {_sentence(rng)}" for _ in range(4))
        elif block == 4 and len(parts) < 8:
            text = f"> {_sentence(rng)}\n>\n> — <cite>A shop owner</cite>"
        else:
            text = _paragraph(rng, rng.randint(3, 5))
            if link_to and block == 5:
                slug = link_to.pop()
                text += f" See [an earlier note]({{filename}}/articles/generated/{slug}.md)."
        parts.append(text)
        words += len(text.split())
    front = [
        f"Title: Generated note {number}: {rng.choice(WORDS)} and {rng.choice(WORDS)}",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {('Retention', 'Referrals', 'Follow-up', 'Relationships')[number % 4]}",
        f"Tags: {', '.join(tags)}",
        f"Author: {('Mara Ellison', 'Tom Okafor')[number % 2]}",
        f"Slug: post-{number:05d}",
        f"Summary: {_sentence(rng)}",
    ]
    return "\n".join(front) + "\n\n" + "\n\n".join(parts) + "\n"


def generate(destination: Path, count: int, seed: int = 2026) -> Path:
    """Write the corpus into destination/ (replacing it) and return it."""
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(ROOT / "content", destination)
    pool = _tag_pool(destination / "taxonomy.toml")
    rng = random.Random(seed)
    folder = destination / "articles" / "generated"
    folder.mkdir(parents=True)
    start = datetime(2010, 1, 4, 8, 0)
    for number in range(count):
        date = start + timedelta(hours=7 * number)
        tags = rng.sample(pool, rng.randint(3, 5))
        text = _article(rng, number, date, tags)
        (folder / f"post-{number:05d}.md").write_text(text, encoding="utf-8")
    return destination
