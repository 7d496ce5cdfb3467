"""Hand-written ``sla`` cases of the market around a negotiation: Security's access rules
and the standing a peer earns (interface C), Pricing from the tariff or the auction's
price marked up by standing (D, E, L), and the limits on rules and prices kept."""

from collections.abc import Iterator

from reference.codec import encode_message
from reference.corpus.auction_casekit import body_of
from reference.corpus.sla_agreement_cases import (
    DEADLINE,
    GOOD,
    SLOW,
    START,
    _consumed,
    _report,
    _usage,
)
from reference.corpus.sla_casekit import (
    ATTACK,
    OFFER,
    OTHER_SERVICE,
    PARAMS,
    WANTED,
    SlaCase,
)
from reference.sla.frames import open_terms
from spec.v1 import errors as E
from spec.v1.sla.commands import Finish, MarketPrice, Negotiate, Pay, SetAccess, Start
from spec.v1.sla.messages import AcceptProposal, Cfp, InformDone, Payment, Propose
from spec.v1.trace import Generator, Trace

STRICT = PARAMS.model_copy(update={"min_standing": 1, "pay_within": 5})
"""A closed market: a peer needs standing 1 (or an allow rule); 5 ticks to pay."""


def _access(case: SlaCase, peer: str, rule: str, note: str, **kw: object) -> None:
    args = SetAccess(peer=case.peer(peer).node_id, rule=rule)  # type: ignore[arg-type]
    case.command("access", args, note, **kw)  # type: ignore[arg-type]


def _cfp(case: SlaCase, consumer: str, index: int, note: str, **kw: object) -> bytes:
    """``consumer`` opens negotiation ``index`` with ``a``; its id."""
    wanted = kw.pop("requirements", WANTED)
    neg = case.peer(consumer).node_id + f"nonce-{index:02d}".encode()
    cfp = Cfp(neg=neg, round=1, deadline=case.now + DEADLINE, requirements=wanted)  # type: ignore[arg-type]
    case.send(consumer, cfp, note, **kw)
    return neg


def _bought(case: SlaCase, consumer: str, index: int, units: int, *, pays: bool) -> bytes:
    """``consumer`` agrees with ``a``, is served ``units`` and (if ``pays``) pays them."""
    neg = case.peer(consumer).node_id + f"nonce-{index:02d}".encode()
    cfp = Cfp(neg=neg, round=1, deadline=case.now + DEADLINE, requirements=WANTED)
    out = case.send(consumer, cfp, f"{consumer}'s cfp ({index})")
    body = body_of(out[0].frame)
    assert isinstance(body, Propose)
    _, terms = open_terms(body.terms, "terms")
    frame = case.acceptance(consumer, neg, terms)
    case.send(consumer, AcceptProposal(neg=neg, acceptance=frame), f"{consumer} accepts")
    case.command("start", Start(neg=neg), "started", at=max(case.now, START))
    _report(case, neg, units, GOOD, f"{units} units")
    case.command("finish", Finish(neg=neg), f"done: {units * terms.unit_price} due")
    if pays:
        amount = units * terms.unit_price
        case.send(consumer, Payment(neg=neg, amount=amount), f"{consumer} pays {amount}")
    return neg


def provider_access(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/access-001",
        "a provider's Security refuses a cfp from a peer it denies, before any matching; "
        "removing the rule admits the peer again",
        ATTACK,
        ("DeniedPeer",),
    )
    case.command("offer_service", OFFER, "a offers the service")
    _access(case, "c", "deny", "a denies c (interface C)")
    _cfp(case, "c", 1, "c's cfp: denied", error=E.SLA_DENIED)
    _access(case, "c", "default", "a removes c's rule")
    _cfp(case, "c", 1, "c's cfp: admitted (standing 0, min_standing 0), proposed")
    return case.trace()


def consumer_access(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/access-001",
        "a consumer's Security refuses to open a negotiation with a provider it denies",
        ATTACK,
        ("DeniedPeer",),
    )
    _access(case, "p", "deny", "a denies p")
    args = Negotiate(
        provider=case.peer("p").node_id,
        nonce=b"nonce-01",
        deadline=case.now + DEADLINE,
        requirements=WANTED,
    )
    case.command("negotiate", args, "a asks p: denied", error=E.SLA_DENIED)
    _access(case, "p", "allow", "a allows p")
    case.command("negotiate", args, "a asks p: admitted")
    return case.trace()


def provider_standing(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/standing-001",
        "in a market with min_standing 1, a newcomer is refused; an allowed consumer that pays "
        "earns standing 1 and is admitted without its rule; one that leaves an agreement "
        "unpaid beyond pay_within loses it (1 - 2 * 1 < 0, floored at 0) and is refused again",
        ATTACK,
        ("DeniedPeer",),
        params=STRICT,
    )
    case.command("offer_service", OFFER, "a offers the service")
    _cfp(case, "c", 1, "newcomer c (standing 0): denied", error=E.SLA_DENIED)
    _access(case, "c", "allow", "a allows c")
    _bought(case, "c", 1, 3, pays=True)
    _access(case, "c", "default", "a removes c's rule: c stands on its record, 1")
    _bought(case, "c", 2, 4, pays=False)
    closed = case.now
    _cfp(case, "c", 3, "5 ticks after, unpaid but in time: admitted", at=closed + 5)
    _cfp(case, "c", 4, "6 ticks after: unpaid, standing 0: denied", error=E.SLA_DENIED)
    return case.trace()


def consumer_standing(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/consumer/standing-001",
        "in a market with min_standing 1, a consumer opens a negotiation with a provider whose "
        "completed agreement gave it standing 1, and refuses one after that provider breached "
        "an agreement",
        ATTACK,
        ("DeniedPeer",),
        params=STRICT,
    )
    _access(case, "p", "allow", "a allows p")
    done = _consumed(case, 1)
    _usage(case, done, 1, 2, GOOD, "2 units", at=START)
    case.send("p", InformDone(neg=done, reports=1, charged=20), "done: p's standing is 1")
    case.command("pay", Pay(neg=done), "a pays 20")
    _access(case, "p", "default", "a removes p's rule")
    broken = _consumed(case, 2)
    for seq in (1, 2, 3):
        _usage(case, broken, seq, 1, SLOW, f"out of bound ({seq} in a row)")
    args = Negotiate(
        provider=case.peer("p").node_id,
        nonce=b"nonce-03",
        deadline=case.now + DEADLINE,
        requirements=WANTED,
    )
    case.command("negotiate", args, "p breached: standing 0, denied", error=E.SLA_DENIED)
    return case.trace()


def pricing(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/pricing-001",
        "a provider prices a consumer at the tariff, or at the auction's latest price once "
        "known, marked up by newcomer_bp // (1 + standing) and rounded up: a newcomer asked "
        "15 is refused, then asked ceil(7 * 1.5) = 11; after it paid once, ceil(7 * 1.25) = 9",
        ("positive", "edge"),
        params=PARAMS.model_copy(update={"newcomer_bp": 5000}),
    )
    market = OFFER.model_copy(update={"pricing": "market"})
    case.command("offer_service", market, "a offers at the market price")
    fixed = OFFER.model_copy(update={"service": OTHER_SERVICE})
    case.command("offer_service", fixed, "and another service at its tariff")
    _cfp(case, "c", 1, "no price known yet: base 10, asked 15 > 12, refused (ask 15)")
    case.command("market_price", MarketPrice(service=WANTED.service, price=7), "the auction: 7")
    case.command("market_price", MarketPrice(service=OTHER_SERVICE, price=1), "and 1")
    _bought(case, "d", 1, 2, pays=True)
    _cfp(case, "d", 2, "d paid once (standing 1): ceil(8.75) = 9")
    other = WANTED.model_copy(update={"service": OTHER_SERVICE})
    _cfp(case, "e", 1, "the fixed tariff ignores the auction: ceil(15) = 15", requirements=other)
    return case.trace()


def limits(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/market-limits-001",
        "a node keeps at most 256 access rules and the prices of at most 64 services: a new "
        "one beyond is refused, while changing or removing a kept one always fits",
        ATTACK,
        ("NegotiationFlood",),
    )
    for index in range(256):
        peer = index.to_bytes(16, "big")
        rule = "allow" if index % 2 else "deny"
        args = SetAccess(peer=peer, rule=rule)  # type: ignore[arg-type]
        case.command("access", args, f"rule {index + 1}", record_state=index == 255)
    extra = SetAccess(peer=(256).to_bytes(16, "big"), rule="deny")
    case.command("access", extra, "rule 257", error=E.SLA_TOO_MANY)
    allow = extra.model_copy(update={"rule": "allow"})
    case.command("access", allow, "an allow rule 257", error=E.SLA_TOO_MANY)
    case.command("access", extra.model_copy(update={"rule": "default"}), "no rule to remove: fits")
    case.command("access", SetAccess(peer=bytes(16), rule="allow"), "rule 1 changed")
    case.command("access", SetAccess(peer=bytes(16), rule="default"), "rule 1 removed")
    case.command("access", extra, "now rule 256")
    for index in range(64):
        price = MarketPrice(service=index.to_bytes(16, "big"), price=index)
        case.command("market_price", price, f"price {index + 1}", record_state=index == 63)
    more = MarketPrice(service=(64).to_bytes(16, "big"), price=1)
    case.command("market_price", more, "price 65", error=E.SLA_TOO_MANY)
    again = MarketPrice(service=bytes(16), price=99)
    case.command("market_price", again, "service 1's price changes")
    return case.trace()


def reciprocal_ids(generator: Generator) -> Trace:
    case = SlaCase(
        generator,
        "sla/provider/reciprocal-id-001",
        "an id whose nonce begins with a 1 bit names a barter's reciprocal leg: no cfp opens "
        "one, nor does a negotiate command",
        ATTACK,
        ("NotParty",),
    )
    case.command("offer_service", OFFER, "a offers the service")
    taken = case.peer("c").node_id + b"\xeeonce-01"
    cfp = Cfp.model_construct(neg=taken, round=1, deadline=case.now + DEADLINE, requirements=WANTED)
    case.send("c", cfp, "c opens a reciprocal id", error=E.DECODE_BAD_VALUE)
    args = Negotiate.model_construct(
        provider=case.peer("c").node_id,
        nonce=b"\xeeonce-01",
        deadline=case.now + DEADLINE,
        requirements=WANTED,
    )
    case.command("negotiate", encode_message(args), "a opens one", error=E.DECODE_BAD_VALUE)
    return case.trace()


def market_cases(generator: Generator) -> Iterator[Trace]:
    yield provider_access(generator)
    yield consumer_access(generator)
    yield provider_standing(generator)
    yield consumer_standing(generator)
    yield pricing(generator)
    yield limits(generator)
    yield reciprocal_ids(generator)
