"""Cases of the announcement test: does the announcer's leaf list miss a node it would admit?

A node receiving X's ``announce`` (X then in its leaf set) sends X a
``leaf_update`` when X's announced leaf set would admit the node itself or a
member of its leaf set that X did not list. The test reads X's leaf set from
the list, by the leaf-set rule: X's successors are the 8 listed nodes nearest
clockwise from X, its predecessors the 8 nearest counter-clockwise. A list
of fewer than 16 distinct members leaves no gap (its two sides overlap and
admit every node), so only a full list can make the answer "no".

Each case gives ``a``, which knows nobody else, one announcement from X, a
node near it, with a full list built around X, and pins one reading: ``a``
beyond both of X's sides (no answer); ``a`` just inside X's farthest
predecessor or farthest successor, by one id (an answer); X a successor of
``a`` or a predecessor, so that the distances are computed across the
difference of ids in both directions. Ids of listed nodes are chosen freely
(a list may name any node), at multiples of 2^64 from X.

The premise of every case (``a`` inside or outside X's sides, whether the
answer goes out) is checked while it is recorded.
"""

from collections.abc import Iterator
from typing import Final

from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import NODE, OverlayCase, identity, ring
from reference.envelope import open_envelope
from reference.overlay.ring import to_bytes, to_int
from spec.v1.overlay import NodeRef
from spec.v1.overlay.constants import RING
from spec.v1.overlay.messages import Announce
from spec.v1.registry import MESSAGES
from spec.v1.trace import Generator, Trace

UNIT: Final = 1 << 64
"""The spacing of listed nodes near X."""
A_ID: Final = to_int(identity(NODE).node_id)


def _announcer(successor: bool) -> str:
    """A name ``v<i>`` whose id shares a's first byte, on the given side of a, at an even
    distance (so that a distance one id longer than a's is odd)."""
    for i in range(100_000):
        name = f"v{i}"
        node = to_int(identity(name).node_id)
        gap = (node - A_ID) % RING if successor else (A_ID - node) % RING
        if node >> 120 == A_ID >> 120 and gap < RING // 2 and gap % 2 == 0 and gap > 256 * UNIT:
            return name
    raise CaseError("no announcer near a")


def _listed(x: int, clockwise: tuple[int, ...], counter: tuple[int, ...]) -> tuple[NodeRef, ...]:
    """References at the given clockwise and counter-clockwise distances from X."""
    ids = [(x + d) % RING for d in clockwise] + [(x - d) % RING for d in counter]
    return tuple(NodeRef(id=to_bytes(i), x=100 + 8 * n, y=900) for n, i in enumerate(ids))


def _case(
    g: Generator,
    case_id: str,
    description: str,
    successor: bool,
    near: tuple[int, ...],
    far: tuple[int, ...],
    edge: int | None,
    answered: bool,
) -> Trace:
    """X (a successor or predecessor of a, at distance D from it) announces a list: nodes
    ``near`` units from X on the side away from a, ``far`` units from X towards a, and, if
    ``edge`` is given, one at D + ``edge`` towards a (one id beyond a, or one id short)."""
    case = OverlayCase(g, case_id, description, ("positive", "edge"))
    ring(case)
    name = _announcer(successor)
    x = to_int(identity(name).node_id)
    gap = (x - A_ID) % RING if successor else (A_ID - x) % RING
    away = tuple(k * UNIT for k in near)
    towards = tuple(k * UNIT for k in far) + (() if edge is None else (gap + edge,))
    # X a successor of a: away is clockwise from X, towards (a's side) counter-clockwise.
    leaf = _listed(x, away, towards) if successor else _listed(x, towards, away)
    if len(leaf) != 16:
        raise CaseError(f"{case_id}: the list does not hold 16 nodes")
    peer = case.peer(name)
    outputs = case.send(name, Announce(node=peer.ref, leaf=leaf), f"{name} announces its list")
    to_x = [
        o
        for o in outputs
        if o.to == peer.node_id and open_envelope(o.frame, MESSAGES).envelope.type == "leaf_update"
    ]
    if bool(to_x) != answered:
        raise CaseError(f"{case_id}: a {'did not answer' if answered else 'answered'} {name}")
    return case.trace()


def announce_cases(g: Generator) -> Iterator[Trace]:
    for successor, which, side, other in (
        (True, "001", "successor", "predecessors"),
        (False, "002", "predecessor", "successors"),
    ):
        yield _case(
            g,
            f"overlay/ring/announce-beyond-{which}",
            f"X, a {side} of a, announces a full list: 8 nodes on each side of X, each within "
            f"8 x 2^64 of it, so the 8 on a's side all lie between X and a: a lies beyond "
            f"X's farthest {other} and beyond its farthest on the other side, so X's list "
            "misses nothing X would admit and a sends X no leaf_update.",
            successor,
            near=tuple(range(1, 9)),
            far=tuple(range(1, 9)),
            edge=None,
            answered=False,
        )
        yield _case(
            g,
            f"overlay/ring/announce-inside-near-side-{which}",
            f"X, a {side} of a, announces 8 nodes on the side away from a and 8 towards "
            f"it, the farthest of those one id beyond a: a lies just inside X's farthest "
            f"{other} (by one id), so X would admit it, and a sends X a leaf_update.",
            successor,
            near=tuple(range(1, 9)),
            far=tuple(range(1, 8)),
            edge=1,
            answered=True,
        )
        yield _case(
            g,
            f"overlay/ring/announce-inside-far-side-{which}",
            f"X, a {side} of a, announces 7 nodes on the side away from a and 9 towards "
            "it, the farthest of those one id short of a: going the long way round, the "
            "8 nearest on the side away from a end with that node, so a lies just inside "
            "X's farthest on that side (by one id), and a sends X a leaf_update.",
            successor,
            near=tuple(range(1, 8)),
            far=tuple(range(1, 9)),
            edge=-1,
            answered=True,
        )
