"""Count tables (统计表): one dimension of a statistic as plain data, ready to show or export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

UNFILLED = "（未填写）"
"""The label of a row whose value is empty in the database (e.g. an organization without a street)."""


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int


@dataclass(frozen=True)
class CountTable:
    """Counts by one dimension: ``title`` (e.g. 办件按状态), ``dimension`` (the first column's
    header, e.g. 状态) and one row per value, in the value's natural order."""

    key: str
    title: str
    dimension: str
    rows: tuple[CountRow, ...]

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    def count_of(self, label: str) -> int:
        return next((row.count for row in self.rows if row.label == label), 0)


def count_table(key: str, title: str, dimension: str, counts: Counter, order: Iterable[str] = (),
                labels: Mapping[str, str] | None = None) -> CountTable:
    """The table of ``counts`` (value → count): the values of ``order`` first, zeros included, then
    any other value found, sorted; ``labels`` names the values (e.g. street codes), None is
    ``UNFILLED``."""
    labels = labels or {}
    merged: Counter = Counter()  # "" and None are one row
    for value, count in counts.items():
        merged[value or None] += count
    order = list(order)
    others = sorted((value for value in merged if value not in order), key=lambda v: (v is None, v or ""))
    return CountTable(key, title, dimension, tuple(
        CountRow(UNFILLED if value is None else labels.get(value, value), merged.get(value, 0))
        for value in order + others
    ))
