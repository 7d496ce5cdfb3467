"""How a routed request travels: as a signed frame (traces) or as an object (fast path).

A ``route`` carries the origin's signed envelope of a ``join_request`` or a
``lookup`` (the *inner* frame), so the root and every hop can tell who really
asked, whatever the hops in between did. The overlay's guards and actions see
a routed request only as a :class:`RouteView` holding an :class:`Inner`, and
build the next ``route`` through their node's :class:`Carrier`:

- :class:`FrameCarrier` (every node made by :func:`reference.node.create`) seals
  the origin's request with the node's key and opens received inner frames with
  every check of ``envelope.md`` except replay;
- :class:`BodyCarrier` (the simulator's body runtime, :mod:`reference.sim.bodies`)
  passes the :class:`Inner` object itself in a :class:`RouteBody`: nothing is
  encoded, signed or verified, and everything else runs the same code.
"""

from collections.abc import Mapping
from typing import Final, NamedTuple, Protocol

from reference.envelope import open_envelope, seal
from reference.identity import Identity
from reference.overlay.ring import Ref, ref_of, to_bytes, to_int
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.overlay import MESSAGE_TYPES, PROTOCOL, ROUTED_TYPES
from spec.v1.overlay.messages import JoinRequest, Lookup, Route
from spec.v1.overlay.refs import NodeRef

ROUTABLE: Final = {(PROTOCOL, name): MESSAGE_TYPES[name] for name in ROUTED_TYPES}
"""The (protocol, type) pairs an inner frame may have; any other is refused."""

INNER_SEQ: Final = 0
"""The sequence number of every inner envelope (it is never admitted to a replay window)."""


class Inner(NamedTuple):
    """A routed request: who signed it, what it asks, and its frame when there is one."""

    origin: bytes
    """The signer's node id."""
    body: WireModel
    """A :class:`JoinRequest` or a :class:`Lookup`; in a whole stack, also an application's
    routed message."""
    frame: bytes | None
    """The signed inner frame (``None`` in the body runtime)."""


class RouteView(NamedTuple):
    """A received ``route`` as the actions use it (ids as ints)."""

    key: int
    hops: int
    token: int
    inner: Inner


class RouteBody(NamedTuple):
    """The body runtime's ``route``: the same fields, the request as an object."""

    key: int
    hops: int
    token: int
    inner: Inner


class Carrier(Protocol):
    def originate(self, body: WireModel) -> Inner:
        """This node's own request, ready to route."""
        ...

    def open(self, body: object) -> RouteView:
        """A received route; raises a typed error for a bad inner frame."""
        ...

    def wrap(self, key: int, hops: int, token: int, inner: Inner) -> object:
        """The ``route`` body to send."""
        ...

    def ref(self, wire: NodeRef) -> Ref:
        """The internal reference of a received :class:`NodeRef`."""
        ...


class FrameCarrier:
    """Signed inner frames: what the spec puts on the wire.

    ``routable`` is what an inner frame may be: the overlay's own requests, and in a
    whole stack its application's routed types too (``stack.md``).
    """

    __slots__ = ("_identity", "_routable")

    def __init__(
        self, identity: Identity, routable: Mapping[tuple[str, str], type[WireModel]] = ROUTABLE
    ) -> None:
        self._identity = identity
        self._routable = routable

    def originate(self, body: WireModel) -> Inner:
        frame = seal(self._identity, body, INNER_SEQ)
        return Inner(self._identity.node_id, body, frame)

    def open(self, body: object) -> RouteView:
        assert isinstance(body, Route)
        try:
            opened = open_envelope(body.frame, self._routable)
        except E.PeerMarketError as exc:
            joint = "" if exc.field.startswith("@") else "."
            raise E.PeerMarketError(exc.code, f"body.frame{joint}{exc.field}", exc.reason) from None
        inner = Inner(opened.envelope.sender, opened.body, body.frame)
        return RouteView(to_int(body.key), body.hops, body.token, inner)

    def wrap(self, key: int, hops: int, token: int, inner: Inner) -> object:
        assert inner.frame is not None
        return Route(key=to_bytes(key), hops=hops, token=token, frame=inner.frame)

    def ref(self, wire: NodeRef) -> Ref:
        return ref_of(wire)


class BodyCarrier:
    """Inner requests as objects: the body runtime's fast path (nothing signed).

    ``shared`` is one dict for every node of a runtime: references are interned
    in it by (id, x, y), so a hundred thousand nodes holding the same node share
    one tuple (memory), and converting a reference already seen costs one lookup.
    Interning changes no result: equal references are equal tuples.
    """

    __slots__ = ("_node_id", "_shared")

    def __init__(self, node_id: bytes, shared: dict[object, object]) -> None:
        self._node_id = node_id
        self._shared = shared

    def originate(self, body: WireModel) -> Inner:
        return Inner(self._node_id, body, None)

    def open(self, body: object) -> RouteView:
        assert isinstance(body, RouteBody)
        return RouteView(body.key, body.hops, body.token, body.inner)

    def wrap(self, key: int, hops: int, token: int, inner: Inner) -> object:
        return RouteBody(key, hops, token, inner)

    def ref(self, wire: NodeRef) -> Ref:
        key = (wire.id, wire.x, wire.y)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = ref_of(wire)
        return found  # type: ignore[return-value]


def request_key(inner: Inner, key: int) -> int | None:
    """The key a routed request must travel to: the joiner's id (which must be the
    signer's) or the lookup's key; ``None`` when a join request names another node.
    An application's payload (a whole stack's) goes to the route's own ``key``: the
    overlay cannot read it, and the application checks it when it is delivered."""
    body = inner.body
    if isinstance(body, JoinRequest):
        return to_int(inner.origin) if body.node.id == inner.origin else None
    if isinstance(body, Lookup):
        return to_int(body.key)
    return key


def is_payload(inner: Inner) -> bool:
    """Whether a routed message is an application's (a whole stack's), not the overlay's."""
    return not isinstance(inner.body, JoinRequest | Lookup)
