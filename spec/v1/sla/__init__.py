"""The ``sla`` protocol: MMAPPS service negotiation to a Service Level Agreement.

The middleware of ``sla.md``: a provider offers services (interface A) at a fixed or a
market price (D, E, L); Security admits peers by rule and standing (C); a consumer
negotiates with it over remote interface 2, in FIPA Iterated Contract Net's shape
(``cfp``, ``propose``, ``refuse``, ``accept_proposal``, ``reject_proposal``), for a
bounded number of rounds and until a deadline; the SLA is the provider's signed terms
and the consumer's signed acceptance of them; the agreement runs, is charged and
settled in money or by barter (G to K, A&C to A&C). One concept per module:

- :mod:`~spec.v1.sla.constants`: sizes, bounds and timers;
- :mod:`~spec.v1.sla.messages`: the message bodies and the inner frames;
- :mod:`~spec.v1.sla.commands`: commands and :class:`SlaParams`;
- :mod:`~spec.v1.sla.state`: the observable state :class:`SlaState`;
- :mod:`~spec.v1.sla.rows`: the agreement table's states and row builders;
- :mod:`~spec.v1.sla.life`: the agreement's life after ``pending``;
- :mod:`~spec.v1.sla.settlement`: payment and barter settlement of closed agreements;
- :mod:`~spec.v1.sla.search`: descriptions, queries and results (interfaces B and 1);
- :mod:`~spec.v1.sla.index_rows`: the node table's rows for the view, the index and search;
- :mod:`~spec.v1.sla.stack`: the whole stack ``sla_stack``;
- :mod:`~spec.v1.sla.table`: the machines :data:`TABLES`.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from spec.v1.base import WireModel
from spec.v1.sla.commands import (
    Accept,
    Counter,
    End,
    Finish,
    MarketPrice,
    Negotiate,
    OfferService,
    Pay,
    Publish,
    Reject,
    ReportUsage,
    Search,
    SetAccess,
    SlaParams,
    Start,
)
from spec.v1.sla.constants import PROTOCOL
from spec.v1.sla.messages import (
    INNER_TYPES,
    Acceptance,
    AcceptProposal,
    Agreement,
    Cfp,
    InformDone,
    Payment,
    Propose,
    Refuse,
    RejectProposal,
    Terminate,
    Terms,
    Usage,
)
from spec.v1.sla.search import Description, Query, Results, Store
from spec.v1.sla.state import SlaState
from spec.v1.sla.table import AGREEMENT_TABLE, NODE_TABLE, TABLES

MESSAGE_TYPES: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {
        "cfp": Cfp,
        "propose": Propose,
        "refuse": Refuse,
        "accept_proposal": AcceptProposal,
        "reject_proposal": RejectProposal,
        "agreement": Agreement,
        "usage": Usage,
        "inform_done": InformDone,
        "terminate": Terminate,
        "payment": Payment,
        "store": Store,
        "results": Results,
        "terms": Terms,
        "acceptance": Acceptance,
        "description": Description,
        "query": Query,
    }
)
"""Every SLA message type and its body model (``terms`` and ``acceptance`` only inside
messages, ``description`` and ``query`` only routed or inside messages)."""

COMMAND_TYPES: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {
        "offer_service": OfferService,
        "negotiate": Negotiate,
        "counter": Counter,
        "accept": Accept,
        "reject": Reject,
        "start": Start,
        "usage": ReportUsage,
        "finish": Finish,
        "terminate": End,
        "pay": Pay,
        "access": SetAccess,
        "market_price": MarketPrice,
        "publish": Publish,
        "search": Search,
    }
)
"""Every SLA command and its argument model."""

__all__ = [
    "AGREEMENT_TABLE",
    "COMMAND_TYPES",
    "INNER_TYPES",
    "MESSAGE_TYPES",
    "NODE_TABLE",
    "PROTOCOL",
    "TABLES",
    "SlaParams",
    "SlaState",
]
