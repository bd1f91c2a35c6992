"""The ranking rules of the taxonomy, with no dependency on Pelican: which tag's
guidance an article shows, how much each tag weighs, and each article's related
reading."""

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


def related_items(
    item: Hashable,
    item_tags: Iterable[str],
    postings: Mapping[str, Sequence[Hashable]],
    *,
    tags_of: Mapping[int, frozenset[str]],
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
    linearly; every candidate found still gets its exact score. `tags_of` and
    `rank` are keyed by `id(item)`; ties go to the lower rank.

    Items with the same tags have the same candidates, scored the same, but for
    themselves: `shared` (a dict kept for one pass, over the same postings,
    weights and ranks) keeps each set of tags' best `limit + 1`, from which an
    item leaves itself out, and each tag's items as ranks.
    """
    mine = tuple(sorted(frozenset(item_tags)))
    tables = {} if shared is None else shared.setdefault(_TABLES, {})
    best = None if shared is None else shared.get((mine, limit, scan))
    if best is None:
        if len(mine) <= SUBSET_TAGS:
            best = _best_by_shared_tags(mine, postings, weights, rank, limit + 1, scan, tables)
        else:
            best = _best_candidates(mine, postings, tags_of, weights, rank, limit + 1, scan)
        if shared is not None:
            shared[(mine, limit, scan)] = best
    return [other for other in best if other is not item][:limit]


# Up to this many tags, an item's candidates are taken by the tags they share
# with it (2**tags combinations); beyond, each candidate is scored on its own.
SUBSET_TAGS = 8
_TABLES = "tag tables"  # (in `shared`: each tag's items as ranks)


def _best_by_shared_tags(mine, postings, weights, rank, count: int, scan: int, tables) -> list:
    """`_best_candidates`, found by the combinations of `mine` rather than candidate by candidate.

    Every candidate sharing exactly the tags S scores the sum of S's weights,
    and a set of tags scores at least as much as any of its parts. So the
    combinations are visited best score first: the candidates having all of a
    combination's tags, less those taken by better ones, are the ones sharing
    exactly it, and each is taken by rank until `count` are found. The work is
    a few set operations per combination, done in C, not a step per candidate.
    """
    items = tables.setdefault("items", {})  # rank -> item
    members, heads = [], []
    for slug in mine:
        entry = tables.get((slug, scan))
        if entry is None:
            entry = tables[(slug, scan)] = _tag_ranks(postings.get(slug, ()), rank, scan, items)
        members.append(entry[0])
        heads.append(entry[1])
    # Combination scores, built up a tag at a time; equal scores (to 9 places) are one group.
    tag_weights = [weights.get(slug, 0.0) for slug in mine]
    scores = [0.0]
    groups: dict[float, list[int]] = {}
    for combination in range(1, 1 << len(mine)):
        lowest = combination & -combination
        scores.append(scores[combination ^ lowest] + tag_weights[lowest.bit_length() - 1])
        groups.setdefault(-round(scores[-1], 9), []).append(combination)
    having = {0: frozenset().union(*heads)}  # the candidates having all of a combination's tags
    best: list = []
    taken: set[int] = set()
    for _, combinations in sorted(groups.items()):
        group = set().union(*(_having_all(c, having, members) for c in combinations)) - taken
        need = count - len(best)
        if len(group) >= need:
            best += heapq.nsmallest(need, group)
            break
        best += sorted(group)
        taken |= group
    return [items[number] for number in best]


def _tag_ranks(posting: Sequence, rank: Mapping[int, int], scan: int, items: dict) -> tuple:
    """A tag's items as ranks: all of them, and those a search reads (`scan` + 1)."""
    ranks = [rank[id(other)] for other in posting]
    items.update(zip(ranks, posting, strict=True))
    whole = frozenset(ranks)
    return whole, whole if len(ranks) <= scan + 1 else frozenset(ranks[: scan + 1])


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


def _best_candidates(mine, postings, tags_of, weights, rank, count: int, scan: int) -> list:
    """The `count` best items sharing a tag with the tags `mine` (see related_items)."""
    short = [slug for slug in mine if len(postings.get(slug, ())) <= scan + 1]
    long = [slug for slug in mine if len(postings.get(slug, ())) > scan + 1]
    scores: dict[int, float] = {}
    found: dict[int, Hashable] = {}
    for slug in short:
        weight = weights.get(slug, 0.0)
        for other in postings.get(slug, ()):
            key = id(other)
            scores[key] = scores.get(key, 0.0) + weight
            found[key] = other
    for slug in long:
        for other in postings[slug][: scan + 1]:
            found[id(other)] = other
    long_weights = [(slug, weights.get(slug, 0.0)) for slug in long]
    ranked = []
    # Rounded so that the order in which weights were added cannot flip a tie;
    # candidates share a few distinct scores, so each is rounded once.
    rounded: dict[float, float] = {}
    for key in found:
        score = scores.get(key, 0.0)
        if long_weights:
            theirs = tags_of[key]
            for slug, weight in long_weights:
                if slug in theirs:
                    score += weight
        negated = rounded.get(score)
        if negated is None:
            negated = rounded[score] = -round(score, 9)
        ranked.append((negated, rank[key], key))
    best = heapq.nsmallest(count, ranked)
    return [found[key] for _, _, key in best]
