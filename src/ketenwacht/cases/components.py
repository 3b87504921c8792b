"""Connected components of reports, and which existing cluster each component continues.

Pure Python on integers, no database: the incremental path, the local recompute after a hub
decision and the full rebuild all use these functions, so they cannot disagree.

Reports are linked when they name the same identifier (pseudonym) that is not excluded as a
hub. ``DisjointSet`` is a union-find with path halving and union by size over dense indices
0..n-1 held in plain lists (numpy is not installed; see docs/cases.md for the figures).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


class DisjointSet:
    """Union-find over ``0..n-1``."""

    __slots__ = ("parent", "size")

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        """Join the sets of ``a`` and ``b``; returns the root of the joined set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra

    def union_groups(self, groups: Iterable[Sequence[int]]) -> None:
        """Join every group into one set (the hot loop of the rebuild, inlined)."""
        parent, size = self.parent, self.size
        for group in groups:
            if len(group) < 2:
                continue
            first = group[0]
            while parent[first] != first:
                parent[first] = parent[parent[first]]
                first = parent[first]
            for x in group[1:]:
                while parent[x] != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                if x == first:
                    continue
                if size[first] < size[x]:
                    first, x = x, first
                parent[x] = first
                size[first] += size[x]

    def roots(self) -> list[int]:
        """The root of every element, fully compressed."""
        find = self.find
        return [find(x) for x in range(len(self.parent))]


def partition(
    report_ids: Iterable[int],
    links: Iterable[tuple[int, Hashable]],
    excluded: Callable[[Hashable], bool] | frozenset[Hashable] = frozenset(),
) -> list[frozenset[int]]:
    """The components (as sets of report ids) of the reports, linked through shared keys.

    ``links`` are ``(report_id, key)`` pairs; keys for which ``excluded`` holds link nothing.
    Every report appears in exactly one component; singles are components of one.
    """
    is_excluded = excluded if callable(excluded) else excluded.__contains__
    ids = list(dict.fromkeys(report_ids))
    index = {report_id: i for i, report_id in enumerate(ids)}
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for report_id, key in links:
        if report_id in index and not is_excluded(key):
            groups[key].append(index[report_id])
    sets = DisjointSet(len(ids))
    sets.union_groups(groups.values())
    members: dict[int, set[int]] = defaultdict(set)
    for i, root in enumerate(sets.roots()):
        members[root].add(ids[i])
    return [frozenset(m) for m in members.values()]


@dataclass
class Identity:
    """Which existing cluster each component continues, and which clusters end.

    ``continues[i]`` is the existing cluster id component ``i`` keeps, or ``None`` for a new
    cluster; components of one report get no cluster (``None`` in ``singles``). ``ended`` are
    existing clusters no component continues.
    """

    components: list[frozenset[int]]
    continues: list[int | None]
    ended: set[int] = field(default_factory=set)

    def cluster_components(self) -> list[int]:
        """Indices of components that form a cluster (two or more reports)."""
        return [i for i, members in enumerate(self.components) if len(members) >= 2]


def assign_identities(
    components: Sequence[frozenset[int]],
    current: Mapping[int, int | None],
    rank: Callable[[int], tuple[int, ...]] = lambda cluster_id: (0,),
) -> Identity:
    """Keep cluster ids stable: each existing cluster continues in at most one component.

    Candidates are taken greedily by ``rank`` (higher first: the cluster furthest along in the
    workflow keeps its id when clusters merge, so the work stays attached), then by overlap
    (when a cluster splits, its larger part keeps the id), then by lower id. A component whose
    every candidate is taken becomes a new cluster; components of one report are no cluster.
    """
    continues: list[int | None] = [None] * len(components)
    candidates: list[tuple[tuple[int, ...], int, int, int]] = []
    previous: set[int] = set()
    for i, members in enumerate(components):
        counts = Counter(current.get(report_id) for report_id in members)
        counts.pop(None, None)
        previous.update(c for c in counts if c is not None)
        if len(members) < 2:
            continue
        for cluster_id, overlap in counts.items():
            assert cluster_id is not None
            candidates.append((rank(cluster_id), overlap, -cluster_id, i))
    candidates.sort(reverse=True)
    taken: set[int] = set()
    for _rank, _overlap, negative_id, i in candidates:
        cluster_id = -negative_id
        if continues[i] is not None or cluster_id in taken:
            continue
        continues[i] = cluster_id
        taken.add(cluster_id)
    return Identity(components=list(components), continues=continues, ended=previous - taken)
