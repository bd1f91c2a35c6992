"""The ranking rules of the taxonomy, with no dependency on Pelican: which tag's
guidance an article shows, how much each tag weighs, the newest-first order, and
each article's related reading."""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence


def choose_guidance_tag(
    tag_slugs: Iterable[str],
    counts: Mapping[str, int],
    guidance_of: Mapping[str, str],
    own_path: str | None = None,
) -> str | None:
    """Pick the tag whose guidance an article shows, or None for the fallback.

    The most specific tag wins: the one on the fewest published articles; ties
    go to the slug first in alphabetical order. A tag whose guidance is the
    article itself is passed over, since a reader is already there.
    """
    candidates = [
        slug for slug in tag_slugs if guidance_of.get(slug) and guidance_of[slug] != own_path
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda slug: (counts.get(slug, 0), slug))


def idf_weights(counts: Mapping[str, int], total: int) -> dict[str, float]:
    """Weight each tag by rarity: log(1 + N / df), so a shared rare tag counts more."""
    return {slug: math.log(1 + total / count) for slug, count in counts.items() if count > 0}


def cloud_weights(counts: Mapping[str, int], classes: int = 5) -> dict[str, int]:
    """Map article counts to tag-cloud classes 1..classes on a log scale."""
    used = {slug: count for slug, count in counts.items() if count > 0}
    if not used:
        return {}
    low, high = math.log(min(used.values())), math.log(max(used.values()))
    if high == low:
        return dict.fromkeys(used, (classes + 1) // 2)
    return {
        slug: 1 + round((classes - 1) * (math.log(count) - low) / (high - low))
        for slug, count in used.items()
    }


def newest_first(article) -> tuple:
    """Sort key: newest first, then by slug, so ties never depend on file order."""
    return (-article.date.timestamp(), article.slug)


def by_rank(ranks: Mapping[int, int]):
    """`newest_first` for the articles `ranks` places (by id: their place in a list
    sorted newest first, worked out once), and for any other article after them."""

    def key(article) -> tuple:
        number = ranks.get(id(article))
        return (0, number, "") if number is not None else (1, *newest_first(article))

    return key


def related_items(
    item: Hashable,
    item_tags: Iterable[str],
    postings: Mapping[str, Sequence[Hashable]],
    *,
    weights: Mapping[str, float],
    rank: Mapping[int, int],
    limit: int = 5,
    scan: int = 50,
    shared: dict | None = None,
) -> list:
    """Rank other items by the summed weight of the tags they share with `item`.

    Candidates come only from the inverted index `postings` (tag -> items in
    tie-break order, best first). A list longer than `scan` is read only up to
    `scan` entries, which bounds the work per item so the whole pass grows
    linearly; every candidate found still gets its exact score. `rank` is keyed
    by `id(item)`; ties go to the lower rank.

    Items with the same tags have the same candidates, scored the same, but for
    themselves: `shared` (a dict kept for one pass, over the same postings,
    weights and ranks) keeps each set of tags' best `limit + 1`, from which an
    item leaves itself out, and each tag's items as ranks.
    """
    mine = tuple(sorted(frozenset(item_tags)))
    tables = {} if shared is None else shared.setdefault(_TABLES, {})
    best = None if shared is None else shared.get((mine, limit, scan))
    if best is None:
        items = tables.setdefault("items", {})  # rank -> item
        members, heads = [], []
        for slug in mine:
            entry = tables.get((slug, scan))
            if entry is None:
                entry = tables[(slug, scan)] = _tag_ranks(postings.get(slug, ()), rank, scan, items)
            members.append(entry[0])
            heads.append(entry[1])
        search = _best_by_shared_tags if len(mine) <= SUBSET_TAGS else _best_one_by_one
        tag_weights = [weights.get(slug, 0.0) for slug in mine]
        best = [items[number] for number in search(members, heads, tag_weights, limit + 1)]
        if shared is not None:
            shared[(mine, limit, scan)] = best
    return [other for other in best if other is not item][:limit]


# Up to this many tags, an item's candidates are taken by the tags they share
# with it (2**tags combinations); beyond, each candidate is scored on its own.
SUBSET_TAGS = 8
_TABLES = "tag tables"  # (in `shared`: each tag's items as ranks)


def _tag_ranks(posting: Sequence, rank: Mapping[int, int], scan: int, items: dict) -> tuple:
    """A tag's items as ranks: all of them, and those a search reads (`scan` + 1)."""
    ranks = [rank[id(other)] for other in posting]
    items.update(zip(ranks, posting, strict=True))
    whole = frozenset(ranks)
    return whole, whole if len(ranks) <= scan + 1 else frozenset(ranks[: scan + 1])


def _best_by_shared_tags(members: list, heads: list, weights: list, count: int) -> list[int]:
    """The ranks of the `count` best candidates, found by the combinations of the
    item's tags (each tag's `members` and read `heads`, as ranks, and its weight).

    Every candidate sharing exactly the tags S scores the sum of S's weights,
    and a set of tags scores at least as much as any of its parts. So the
    combinations are visited best score first: the candidates having all of a
    combination's tags, less those taken by better ones, are the ones sharing
    exactly it, and each is taken by rank until `count` are found. The work is
    a few set operations per combination, done in C, not a step per candidate.
    """
    # Combination scores, built up a tag at a time; equal scores (to 9 places) are one group.
    scores = [0.0]
    groups: dict[float, list[int]] = {}
    for combination in range(1, 1 << len(members)):
        lowest = combination & -combination
        scores.append(scores[combination ^ lowest] + weights[lowest.bit_length() - 1])
        groups.setdefault(-round(scores[-1], 9), []).append(combination)
    having = {0: frozenset().union(*heads)}  # the candidates having all of a combination's tags
    best: list[int] = []
    taken: set[int] = set()
    for _, combinations in sorted(groups.items()):
        group = set().union(*(_having_all(c, having, members) for c in combinations)) - taken
        need = count - len(best)
        if len(group) >= need:
            best += heapq.nsmallest(need, group)
            break
        best += sorted(group)
        taken |= group
    return best


def _having_all(combination: int, having: dict[int, frozenset], members: list) -> frozenset:
    """The candidates having every tag of `combination`, from its nearest part known."""
    chain = []
    part = combination
    while part not in having:
        chain.append(part)
        part ^= part & -part  # less its lowest tag
    known = having[part]
    for whole in reversed(chain):
        known = having[whole] = known & members[(whole & -whole).bit_length() - 1]
    return known


def _best_one_by_one(members: list, heads: list, weights: list, count: int) -> list[int]:
    """`_best_by_shared_tags`, scoring each candidate on its own (for many tags)."""
    ranked = []
    # Rounded so that the order in which weights were added cannot flip a tie;
    # candidates share a few distinct scores, so each is rounded once.
    rounded: dict[float, float] = {}
    tags = list(zip(members, weights, strict=True))
    for number in frozenset().union(*heads):
        score = 0.0
        for having, weight in tags:
            if number in having:
                score += weight
        negated = rounded.get(score)
        if negated is None:
            negated = rounded[score] = -round(score, 9)
        ranked.append((negated, number))
    return [number for _, number in heapq.nsmallest(count, ranked)]
