"""Security (interface C): allow and deny rules per peer, and the standing a peer without a
rule needs, checked before a negotiation opens at either party (``sla.md``, "Access
control"). The remote peer is authenticated by its signed envelope (interface 3)."""

from dataclasses import replace

from reference.sla.context import on
from reference.sla.data import SlaData, put
from reference.sla.reputation import standing
from spec.v1.sla.commands import Negotiate, SetAccess
from spec.v1.sla.constants import MAX_RULES

Result = tuple[SlaData, tuple[()]]


def admits(data: SlaData, peer: bytes, now: int) -> bool:
    """A deny rule refuses, an allow rule admits; otherwise the peer's standing decides."""
    rule = data.rules.get(peer)
    if rule is not None:
        return rule == "allow"
    return standing(data, peer, now) >= data.params.min_standing


def provider_denied(data: SlaData, payload: object) -> bool:
    event = on(payload)
    args = event.args
    assert isinstance(args, Negotiate)
    return not admits(data, args.provider, event.now)


def consumer_denied(data: SlaData, payload: object) -> bool:
    event = on(payload)
    return not admits(data, event.sender, event.now)


def _rule(payload: object) -> SetAccess:
    args = on(payload).args
    assert isinstance(args, SetAccess)
    return args


def rules_full(data: SlaData, payload: object) -> bool:
    """A rule for a peer without one, when 256 are kept (removing one always fits)."""
    args = _rule(payload)
    return args.rule != "default" and args.peer not in data.rules and len(data.rules) >= MAX_RULES


def set_rule(data: SlaData, payload: object) -> Result:
    args = _rule(payload)
    value = None if args.rule == "default" else args.rule
    return replace(data, rules=put(data.rules, args.peer, value)), ()  # type: ignore[arg-type]
