"""The SLA node's normative observable state (``SlaState``)."""

from typing import TYPE_CHECKING, Any

from reference.sla.data import SlaData
from spec.v1.sla import state as S

if TYPE_CHECKING:
    from reference.node import Node


def observe(node: "Node[Any]") -> S.SlaState:
    data = node.state.data
    assert isinstance(data, SlaData)
    return S.SlaState(
        services=tuple(data.services.values()),
        negotiations=tuple(
            S.NegotiationState(
                neg=neg,
                state=data.controls[neg],  # type: ignore[arg-type]
                role=held.role,  # type: ignore[arg-type]
                peer=held.peer,
                round=held.round,
                deadline=held.deadline,
                requirements=held.requirements,
                offer=held.offer,
                acceptance=held.acceptance,
            )
            for neg, held in data.negotiations.items()
        ),
    )
