"""Auction benchmarks: one broker's offer throughput, and the global match of a full slot.

``auction``:

- ``broker takes an offer``: a broker of a service, its pending table full
  (m = 128 traders' offers) but for room for the measured ones, handed one
  trader's signed ``offer``, end to end through :func:`reference.node.handle`
  (the envelope opened and its signature verified, replay checked, every
  check of the table, the offer kept). Each call hands over another trader's
  offer to the same warm broker (results discarded).
- ``raw Ed25519 verify``: PyNaCl's ``VerifyKey.verify`` of one signing input.
- ``global match of 10,000 offers``: :func:`reference.auction.book.settle_round`
  of a round holding 5,000 bids and 5,000 asks at random prices (m = 128).

The targets: offers per second at least half the raw verifications per
second (ratio >= 0.5), and the global match of a 10,000-offer slot in under
50 ms (at least 20 per second).
"""

import random
from typing import Any, Final

from nacl.signing import VerifyKey

from bench import Figure, Report, Settings, benchmark, measure_interleaved
from reference.auction import book
from reference.auction.data import Held
from reference.auction.role import ROLE
from reference.codec import encode_message
from reference.envelope import open_envelope, signing_input
from reference.identity import Identity
from reference.node import Node, create, handle
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand
from spec.v1.auction.messages import Side
from spec.v1.registry import MESSAGES
from spec.v1.stack import DeliverUpcall, UpdateUpcall
from spec.v1.trace import Command, Deliver, Output, RouteOutput, Upcall

SERVICE: Final = bytes.fromhex("ab" * 16)
TABLE: Final = 128
WARM: Final = TABLE - 1
"""Offers the broker holds before the measured ones: its pending table full but for one."""
FRESH: Final = 256
TARGET_RATIO: Final = 0.5
MATCH_OFFERS: Final = 10_000
TARGET_MATCHES_PER_SECOND: Final = 20.0
"""Under 50 ms per global match."""


def _params() -> bytes:
    return encode_message(
        AuctionParams(
            brokers=2,
            fanout=2,
            table=TABLE,
            max_validity=1_000_000,
            slot_ticks=1_000_000,
            locate_timeout=10,
            replay_senders=4096,
        )
    )


def _up(name: str, model: Any) -> Upcall:
    return Upcall(kind="upcall", name=name, args=encode_message(model))


def _command(name: str, model: Any) -> Command:
    return Command(kind="command", name=name, args=encode_message(model))


def _market(traders: int) -> tuple[Node[Any], list[bytes]]:
    """A broker of SERVICE and one offer frame addressed to it from each of ``traders``."""
    params = _params()
    broker = create(ROLE, Identity.from_label("bench/broker"), params)
    other = Identity.from_label("bench/other-broker").node_id
    broker, _ = handle(broker, 0, _up("update", UpdateUpcall(node=other, joined=True)))
    frames: list[bytes] = []
    rng = random.Random(7)
    for index in range(traders):
        trader = create(ROLE, Identity.from_label(f"bench/trader-{index}"), params)
        nonce = index.to_bytes(8, "big")
        trader, routed = handle(
            trader, 1, _command("locate", LocateCommand(service=SERVICE, nonce=nonce))
        )
        route = routed[0]
        assert isinstance(route, RouteOutput)
        broker, answers = handle(
            broker, 1, _up("deliver", DeliverUpcall(key=SERVICE, frame=route.frame))
        )
        answer = next(o for o in answers if isinstance(o, Output) and o.to == trader.node_id)
        trader, _ = handle(
            trader, 1, Deliver(kind="deliver", link=broker.node_id, frame=answer.frame)
        )
        side: Side = "bid" if index % 2 else "ask"
        order = OfferCommand(
            service=SERVICE, side=side, price=rng.randrange(50, 150), valid_for=10_000
        )
        trader, sent = handle(trader, 2, _command("offer", order))
        frames.append(
            next(o.frame for o in sent if isinstance(o, Output) and o.to == broker.node_id)
        )
    for frame in frames[:WARM]:
        broker, _ = handle(broker, 3, Deliver(kind="deliver", link=broker.node_id, frame=frame))
    return broker, frames[WARM:]


def _round(count: int) -> list[Held]:
    rng = random.Random(11)
    offers = []
    for index in range(count):
        trader = index.to_bytes(16, "big")
        digest = rng.randbytes(32)
        side = "bid" if index % 2 else "ask"
        offers.append(
            Held(digest, trader, side, rng.randrange(1, 10_000), 1, 1_000, b"", ((b"b" * 16, 5),))
        )
    return offers


@benchmark("auction")
def auction(settings: Settings) -> Report:
    broker, fresh = _market(WARM + FRESH)
    cursor = [0]

    def take_offer() -> object:
        frame = fresh[cursor[0] % len(fresh)]
        cursor[0] += 1
        return handle(broker, 4, Deliver(kind="deliver", link=broker.node_id, frame=frame))

    envelope = open_envelope(fresh[0], MESSAGES).envelope
    to_verify = signing_input(envelope)
    key = VerifyKey(envelope.sender_key)
    offers = _round(MATCH_OFFERS)
    rates = measure_interleaved(
        {
            "broker takes an offer": take_offer,
            "raw Ed25519 verify": lambda: key.verify(to_verify, envelope.signature),
            "global match of 10,000 offers": lambda: book.settle_round(
                (), (), offers, {}, 10, TABLE // 2
            ),
        },
        settings,
    )
    report = Report("auction", list(rates.values()))
    report.context = {"table": TABLE, "warm_offers": WARM, "match_offers": MATCH_OFFERS}
    taken, raw = rates["broker takes an offer"], rates["raw Ed25519 verify"]
    match = rates["global match of 10,000 offers"]
    report.figures = [
        Figure(
            "offers / raw verify (best)",
            taken.best / raw.best,
            TARGET_RATIO,
            "signed offers a broker takes per second over raw Ed25519 verifications per second",
        ),
        Figure("offers / raw verify (median)", taken.median / raw.median),
        Figure(
            "global matches of 10,000 offers per second (best)",
            match.best,
            TARGET_MATCHES_PER_SECOND,
            "at least 20 per second: under 50 ms each",
        ),
        Figure("ms per global match of 10,000 offers (best)", 1000 / match.best),
    ]
    return report
