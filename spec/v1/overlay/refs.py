"""How the overlay names a node on the wire: its id and its proximity coordinates."""

from typing import Annotated, Final

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.types import NodeId

COORDINATE_MAX: Final = 2**30 - 1
"""Coordinates fit 30 bits, so a squared distance (below 2^61) fits a signed 64-bit integer."""

Coordinate = Annotated[int, Field(ge=0, le=COORDINATE_MAX)]
"""One integer coordinate of a node in the scenario's plane (proximity, not a position
on the ring)."""


class NodeRef(WireModel):
    """A node as the overlay's tables hold it: who it is and where it is for proximity."""

    id: NodeId
    """The node's id (its position on the ring)."""
    x: Coordinate
    """Its first proximity coordinate."""
    y: Coordinate
    """Its second proximity coordinate."""
