"""Time the taxonomy plugin alone on generated articles, to show it grows linearly.

    PYTHONPATH=plugins python bench/taxonomy_bench.py [--sizes 1000 10000] [--repeat 3]

Runs the plugin's real signal handlers (tag normalisation, the inverted index,
guidance and related articles) over N synthetic articles whose tags are drawn
from content/taxonomy.toml, without reading Markdown or writing HTML, and
prints the best time per size and the cost per article. Linear growth shows as
a roughly constant cost per article.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Tag
from taxonomy import taxonomy as plugin  # plugins/ on PYTHONPATH, as Pelican loads it

from nextsale.taxonomy.core import load_taxonomy

ROOT = Path(__file__).resolve().parents[1]


class FakeArticle(SimpleNamespace):
    def get_relative_source_path(self) -> str:
        return self.relative


def make_generator(size: int, content: Path, spellings: list[str]) -> SimpleNamespace:
    """Build an ArticlesGenerator stand-in holding `size` tagged articles."""
    rng = random.Random(size)  # fixed seed: the same corpus every run
    settings = dict(DEFAULT_CONFIG, PATH=str(content), PLUGINS=["taxonomy"])
    start = datetime(2015, 1, 1, tzinfo=UTC)
    articles = []
    for number in range(size):
        written = [Tag(name, settings) for name in rng.sample(spellings, rng.randint(3, 5))]
        articles.append(
            FakeArticle(
                slug=f"post-{number:05d}",
                date=start + timedelta(hours=7 * number),
                metadata={"tags": written},
                tags=written,
                source_path=str(content / "articles" / f"post-{number:05d}.md"),
                relative=f"articles/post-{number:05d}.md",
            )
        )
    return SimpleNamespace(
        settings=settings,
        context={"generated_content": {}},
        articles=articles,
        translations=[],
        hidden_articles=[],
        hidden_translations=[],
        drafts=[],
        drafts_translations=[],
        tags=defaultdict(list),
    )


def run_once(generator: SimpleNamespace) -> float:
    started = time.perf_counter()
    plugin.on_pretaxonomy(generator)
    for article in generator.articles:  # what Pelican does between the two signals
        for tag in article.tags:
            generator.tags[tag].append(article)
    plugin.on_articles_finalized(generator)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    source = ROOT / "content" / "taxonomy.toml"
    taxonomy = load_taxonomy(source)
    spellings = sorted(
        {spelling for bucket in taxonomy.index.values() for _, spelling in bucket.values()}
    )
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder)
        (content / "taxonomy.toml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        rows = []
        for size in args.sizes:
            best = min(
                run_once(make_generator(size, content, spellings)) for _ in range(args.repeat)
            )
            rows.append((size, best))
    print(f"{'articles':>9} {'seconds':>9} {'µs/article':>11}")
    for size, seconds in rows:
        print(f"{size:>9} {seconds:>9.3f} {seconds / size * 1e6:>11.1f}")
    if len(rows) > 1:
        (small, t_small), (large, t_large) = rows[0], rows[-1]
        print(
            f"{large // small}x the articles took {t_large / t_small:.1f}x the time "
            f"(linear growth would be {large / small:.0f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
