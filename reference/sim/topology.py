"""Where nodes sit and how long a message takes between them: integer geometry only.

Each node has integer coordinates in a square plane (Pastry's experiments put
nodes at random points of a plane and use Euclidean distance as proximity).
The latency of a link is ``base + ceil(num * sqrt(dx^2 + dy^2) / den)`` ticks,
computed exactly with :func:`math.isqrt`, so every machine agrees on every
delivery tick and therefore on the order of events.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import isqrt
from types import MappingProxyType

Point = tuple[int, int]
"""Integer coordinates ``(x, y)`` in the plane."""


def ceil_scaled_distance(a: Point, b: Point, num: int, den: int) -> int:
    """``ceil(num * |a - b| / den)`` exactly, without floating point.

    With ``X = (dx^2 + dy^2) * num^2`` the answer is the least ``k`` with
    ``(k * den)^2 >= X``. ``r = isqrt(X)`` gives ``k0 = ceil(r / den)``; when
    ``X`` is not a perfect square and ``k0 * den == r`` the answer is ``k0 + 1``.
    """
    dx = a[0] - b[0]
    dy = a[1] - b[1]
    squared = (dx * dx + dy * dy) * num * num
    root = isqrt(squared)
    k = -(-root // den)
    if (k * den) * (k * den) < squared:
        k += 1
    return k


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """Per-link latency in ticks from the endpoints' coordinates.

    The defaults give 1 tick for a node talking to itself and at most
    ``1 + ceil(1414 / 10) = 143`` ticks across a 1000 x 1000 plane.
    """

    base: int = 1
    """Ticks every message takes, however close the endpoints (at least 1)."""
    num: int = 1
    den: int = 10
    """Ticks per unit of distance, as the fraction ``num / den``."""

    def __post_init__(self) -> None:
        if self.base < 1:
            raise ValueError("base latency must be at least 1 tick: a reply is never instantaneous")
        if self.num < 0 or self.den < 1:
            raise ValueError("latency needs num >= 0 and den >= 1")

    def ticks(self, a: Point, b: Point) -> int:
        return self.base + ceil_scaled_distance(a, b, self.num, self.den)


@dataclass(frozen=True)
class Partition:
    """Between ``start`` (inclusive) and ``end`` (exclusive) the groups cannot reach each other.

    ``side`` maps a node index to its group; every node not listed forms one
    further group. A message is lost when its flight ``[sent, arrival]``
    overlaps ``[start, end)`` and the partition separates its two ends, so a
    message in flight when the network splits is lost too.
    """

    start: int
    end: int
    side: Mapping[int, int]

    @classmethod
    def of(cls, start: int, end: int, groups: Iterable[Iterable[int]]) -> "Partition":
        if end <= start:
            raise ValueError(f"a partition needs start < end, got [{start}, {end})")
        side: dict[int, int] = {}
        for number, group in enumerate(groups):
            for index in group:
                if index in side:
                    raise ValueError(f"node #{index} is in two groups of one partition")
                side[index] = number
        return cls(start, end, MappingProxyType(side))

    def separates(self, a: int, b: int, sent: int, arrival: int) -> bool:
        return (
            self.start <= arrival
            and sent < self.end
            and self.side.get(a, -1) != self.side.get(b, -1)
        )
