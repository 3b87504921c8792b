"""The pure union-find and identity assignment."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from ketenwacht.cases.components import DisjointSet, assign_identities, partition


def _naive_components(n: int, links: list[tuple[int, int]]) -> set[frozenset[int]]:
    """Breadth-first search over the bipartite report–key graph: the oracle."""
    by_key: dict[int, set[int]] = {}
    for report, key in links:
        by_key.setdefault(key, set()).add(report)
    neighbours: dict[int, set[int]] = {r: set() for r in range(n)}
    for reports in by_key.values():
        for r in reports:
            neighbours[r] |= reports
    seen: set[int] = set()
    result = set()
    for start in range(n):
        if start in seen:
            continue
        stack, component = [start], set()
        while stack:
            r = stack.pop()
            if r in component:
                continue
            component.add(r)
            stack.extend(neighbours[r] - component)
        seen |= component
        result.add(frozenset(component))
    return result


@given(
    st.integers(min_value=1, max_value=40).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 15)), max_size=80),
        )
    )
)
def test_partition_equals_breadth_first_search(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, links = case
    assert set(partition(range(n), links)) == _naive_components(n, links)


def test_excluded_keys_link_nothing() -> None:
    links = [(1, "hub"), (2, "hub"), (3, "hub"), (2, "iban"), (3, "iban")]
    assert set(partition([1, 2, 3], links, excluded=frozenset({"hub"}))) == {
        frozenset({1}),
        frozenset({2, 3}),
    }


def test_union_groups_is_order_independent() -> None:
    rng = random.Random(4)
    groups = [[rng.randrange(200) for _ in range(rng.randrange(1, 5))] for _ in range(150)]
    first, second = DisjointSet(200), DisjointSet(200)
    first.union_groups(groups)
    second.union_groups(list(reversed(groups)))

    def sets(ds: DisjointSet) -> set[frozenset[int]]:
        members: dict[int, set[int]] = {}
        for x, root in enumerate(ds.roots()):
            members.setdefault(root, set()).add(x)
        return {frozenset(m) for m in members.values()}

    assert sets(first) == sets(second)


def test_split_keeps_id_on_the_larger_part_and_merge_on_the_higher_rank() -> None:
    # Cluster 7 (reports 1-5) splits into {1,2,3} and {4,5}: the larger part keeps 7.
    split = assign_identities(
        [frozenset({1, 2, 3}), frozenset({4, 5})], {r: 7 for r in range(1, 6)}
    )
    assert split.continues == [7, None]
    assert split.ended == set()
    # Clusters 7 (big, new) and 9 (small, under investigation) merge: 9 keeps its id.
    rank = {7: (2,), 9: (6,)}
    merged = assign_identities(
        [frozenset({1, 2, 3, 4, 5})],
        {1: 7, 2: 7, 3: 7, 4: 9, 5: 9},
        rank=lambda cid: rank[cid],
    )
    assert merged.continues == [9]
    assert merged.ended == {7}


def test_a_component_of_one_report_is_no_cluster() -> None:
    identity = assign_identities([frozenset({1}), frozenset({2, 3})], {1: 4, 2: 4, 3: 4})
    assert identity.continues == [None, 4]
