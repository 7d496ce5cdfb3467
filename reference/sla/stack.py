"""The SLA protocol's whole stack, ``sla_stack``: the overlay below it on the same peer,
carrying descriptions and queries to their index keys."""

from reference.node import ProtocolRole
from reference.sla.data import SlaData
from reference.sla.role import ROLE as ALONE
from reference.stack import StackData, stack_role
from spec.v1.sla.stack import PROTOCOL, ROUTED_TYPES, SlaStackParams, SlaStackState

ROLE: ProtocolRole[StackData[SlaData]] = stack_role(
    PROTOCOL, ALONE, SlaStackParams, SlaStackState, ROUTED_TYPES
)
