"""The taxonomy lint on big input: near-duplicates without comparing every pair, bounded
output, and articles read as the build reads them (UTF-8, a byte-order mark ignored)."""

from __future__ import annotations

import codecs
import difflib
import itertools
import random
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT, article

from nextsale.taxonomy.core import loose_key
from nextsale.taxonomy.lint import NEAR, look_alikes

SMALL = (FIXTURES / "taxonomy" / "small.toml").read_text(encoding="utf-8")
GUIDE = "Title: The guide\nSlug: guide\n\nEverything about the second sale.\n"
WORDS = [
    word
    for line in (
        "customer repeat referral loyalty follow call email visit trust record note thank gift",
        "review price value season order service shop client partner upsell habit story promise",
        "welcome reminder birthday anniversary warranty delivery invoice discount bundle sample",
        "newsletter survey feedback complaint apology handshake lunch coffee card letter phone",
        "meeting network event community local family neighbour friend mentor coach ledger",
    )
    for word in line.split()
]


def distinct_tags(count: int, seed: int = 3) -> list[str]:
    """`count` distinct two-word tags such as 'anniversary card', in a random order."""
    tags = [f"{a} {b}" for a, b in itertools.permutations(WORDS, 2)]
    random.Random(seed).shuffle(tags)
    return tags[:count]


def all_pairs_groups(spellings: list[tuple[str, str | None]]) -> list[list]:
    """The groups comparing every pair would give (the lint's rule, done the slow way)."""
    items = sorted(spellings, key=lambda item: (loose_key(item[0]), item[0]))
    group = list(range(len(items)))
    for i, j in itertools.combinations(range(len(items)), 2):
        (a, slug_a), (b, slug_b) = items[i], items[j]
        if slug_a == slug_b and slug_a is not None:
            continue
        if difflib.SequenceMatcher(None, loose_key(b), loose_key(a), False).ratio() >= NEAR:
            old, new = group[j], group[i]
            group = [new if g == old else g for g in group]
    found: dict[int, list] = {}
    for i, g in enumerate(group):
        found.setdefault(g, []).append(items[i])
    return sorted((g for g in found.values() if len(g) > 1), key=lambda g: items.index(g[0]))


def lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nextsale.taxonomy.lint", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def write_content(content: Path, taxonomy: str, articles: dict[str, bytes | str]) -> None:
    (content / "articles").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "taxonomy.toml").write_text(taxonomy, encoding="utf-8")
    (content / "pages" / "guide.md").write_text(GUIDE, encoding="utf-8")
    for name in ("ltv", "ask"):
        (content / "articles" / f"{name}.md").write_text(
            article(name.title(), slug=name, tags="trust"), encoding="utf-8"
        )
    for name, text in articles.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (content / "articles" / name).write_bytes(data)


def big_taxonomy(names: list[str]) -> str:
    lines = [
        "[site]",
        'guidance = "{filename}/pages/guide.md"',
        'cta = "Start with the guide:"',
        "[topics.selling]",
        'name = "Selling"',
        'description = "Winning the next sale."',
    ]
    for number, name in enumerate(names):
        lines += [
            f"[tags.tag-{number:04d}]",
            f'name = "{name}"',
            'topic = "selling"',
            f'description = "Posts about {name}."',
            'guidance = "{filename}/pages/guide.md"',
            'cta = "Read the guide:"',
        ]
    return "\n".join(lines) + "\n"


# --- near-duplicates -----------------------------------------------------------


def test_2000_distinct_tags_are_grouped_comparing_few_pairs():
    tags = distinct_tags(2000)
    found = look_alikes([(tag, f"tag-{n}") for n, tag in enumerate(tags)])
    every_pair = 2000 * 1999 // 2
    assert found.compared < every_pair // 20  # today's check compares all 1,999,000
    assert any({"apology letter", "apology newsletter"} <= {s for s, _ in g} for g in found.groups)
    assert all(len(group) >= 2 for group in found.groups)


def test_groups_are_exactly_those_of_comparing_every_pair():
    rng = random.Random(7)
    tags = distinct_tags(150, seed=11)
    tags += ["refferals", "referrals", "c++", "c#", "C", "tag 0001", "tag 0002", "x", "y", ""]
    spellings = [(tag, rng.choice([None, "a", "b", "c"])) for tag in dict.fromkeys(tags)]
    assert look_alikes(spellings).groups == all_pairs_groups(spellings)


def test_numbered_tags_make_one_group_printed_on_one_bounded_line(tmp_path):
    content = tmp_path / "content"
    write_content(content, big_taxonomy([f"Tag {n:04d}" for n in range(2000)]), {})
    found = look_alikes([(f"Tag {n:04d}", f"tag-{n:04d}") for n in range(2000)])
    assert len(found.groups) == 1 and len(found.groups[0]) == 2000
    assert found.compared < 100_000  # pairs already in one group are never compared

    report = lint(str(content))
    out = report.stdout
    assert "Traceback" not in report.stderr
    assert "Near-duplicate tags: 1\n" in out
    line = out.split("Near-duplicate tags: 1\n")[1].splitlines()[0]
    assert line.startswith("  'tag-0000' (tag-0000) ~ 'tag-0001' (tag-0001) ~ ")
    assert line.endswith("~ … (+1992 more)")
    assert "Tags without articles: 2000\n" in out
    assert "… and 1950 more (pass --limit 0 to list them all)" in out
    assert len(out.splitlines()) < 150

    everything = lint("--limit", "0", str(content))
    assert "tag-1999" in everything.stdout.split("Tags without articles")[1]


def test_2000_distinct_tags_through_the_command_print_a_bounded_report(tmp_path):
    content = tmp_path / "content"
    names = distinct_tags(2000)
    write_content(content, big_taxonomy(names), {})
    report = lint("--limit", "20", str(content))
    out = report.stdout
    assert "Traceback" not in report.stderr
    groups = int(out.split("Near-duplicate tags: ")[1].split("\n")[0])
    assert groups > 20
    assert f"… and {groups - 20} more" in out
    assert len(out.splitlines()) < 150


# --- reading articles as the build does ------------------------------------------


def test_an_article_with_a_byte_order_mark_is_read_and_fixed_keeping_the_mark(tmp_path):
    content = tmp_path / "content"
    text = article("Bom", slug="bom", tags="repeat customers, refferals")
    write_content(content, SMALL, {"bom.md": codecs.BOM_UTF8 + text.encode("utf-8")})
    report = lint(str(content))
    assert report.returncode == 1
    assert "articles/bom.md: 'refferals' (closest: referrals)" in report.stdout
    assert "'repeat customers' -> repeat-business: articles/bom.md" in report.stdout

    lint("--fix", str(content))
    fixed = (content / "articles" / "bom.md").read_bytes()
    assert fixed.startswith(codecs.BOM_UTF8)
    assert b"\nTags: repeat-business, refferals\n" in fixed
    assert fixed.decode("utf-8-sig") == text.replace("repeat customers", "repeat-business")


def test_an_article_that_is_not_utf8_is_named_and_the_rest_still_checked(tmp_path):
    content = tmp_path / "content"
    latin = article("Café", slug="cafe", tags="trust").encode("latin-1")
    good = article("Good", slug="good", tags="refferals")
    write_content(content, SMALL, {"cafe.md": latin, "good.md": good})
    (content / "articles" / "folder.md").mkdir()  # a folder named like an article
    report = lint(str(content))
    assert report.returncode == 1
    assert "Traceback" not in report.stderr
    assert "Articles that cannot be read: 1\n" in report.stdout
    unreadable = report.stdout.split("Articles that cannot be read: 1\n")[1].splitlines()[0]
    assert unreadable.startswith("  articles/cafe.md: not valid UTF-8 (byte ")
    assert unreadable.endswith("); save the file as UTF-8 text")
    assert "articles/good.md: 'refferals'" in report.stdout


def test_closest_tags_are_looked_up_only_for_the_lines_printed(tmp_path, monkeypatch):
    import io

    from nextsale.taxonomy import lint as lint_module
    from nextsale.taxonomy.core import Taxonomy

    content = tmp_path / "content"
    posts = {f"p{n:03d}.md": article(f"P {n}", slug=f"p{n}", tags=f"odd {n}") for n in range(300)}
    write_content(content, SMALL, posts)
    asked: list[str] = []
    real = Taxonomy.suggest
    monkeypatch.setattr(Taxonomy, "suggest", lambda self, tag: asked.append(tag) or real(self, tag))
    out = io.StringIO()
    code = lint_module.run(content, content / "taxonomy.toml", ["articles"], False, out, limit=5)
    assert code == 1
    assert len(asked) == 5
    text = out.getvalue()
    assert "Unknown tags by file: 300\n" in text
    assert "  articles/p000.md: 'odd 0' (closest: " in text
    assert "  … and 295 more (pass --limit 0 to list them all)" in text
