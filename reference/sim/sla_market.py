"""An MMAPPS service market of whole-stack SLA nodes on a ring, driven epoch by epoch.

Every peer is an ``sla_stack`` node (:mod:`reference.sim.sla_net`): the overlay and the SLA
node on one identity, on a ring built by joins in the network simulator, driven only
through its inputs: the applications' commands, its timers, and the real signed frames
the other nodes send it, one tick a link. Providers find no consumer and consumers no
provider but through the protocol's search (``sla.md``, "Descriptions and search"):
descriptions and queries are routed hop by hop to their type's index key, and the root
answers. Every frame sent is counted, by ``protocol/type``.

An epoch: the fresh identities of re-entering peers join the ring; providers offer their
capacity at their tariff (their cost) and publish its description (a higher version each
time the capacity left changes); consumers, one at a time in a drawn order, each search
their type's index and negotiate for their bid with the cheapest providers found, accept
the cheapest proposal and reject the rest; then every agreement runs: the provider starts
it, reports its planned usage (a failing provider's plan holds ``window`` out-of-bound
reports in a row), finishes it unless the breach rule closed it, and honest consumers
pay. A misbehaving peer that is excluded at the end of an epoch (no counterparty's
Security admits it any more) may come back under a fresh identity: a held-back node of
the ring, which joins it then.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from reference.codec import decode_message
from reference.sim import sla_workload as w
from reference.sim.sla_figures import Deal, EpochFigures, total
from reference.sim.sla_net import SEARCH_TRAFFIC, SlaNet, peek
from reference.sim.streams import stream
from reference.sla.access import admits
from reference.sla.reputation import standing
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.sla import commands
from spec.v1.sla.commands import (
    Accept,
    Finish,
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
from spec.v1.sla.constants import MAX_OPEN, MAX_RECORDS
from spec.v1.sla.messages import Propose, Refuse, Requirements, Terms
from spec.v1.sla.search import Description, Wanted
from spec.v1.sla.state import Record

Role = Literal["provider", "consumer"]

ROUTE_TICKS: Final = 8
"""Ticks a routed frame is given to reach its key's root, and a query its results: one
tick a hop on a ring of up to thousands of nodes (``log16`` of them, and one back)."""

JOIN_TICKS: Final = 40
"""Ticks the fresh identities of an epoch are given to join the ring (a join takes a few
hops and the announcements to the new leaf set)."""


def sla_params(config: w.SlaMarketConfig) -> SlaParams:
    """The market's parameters: a search stays open one tick longer than the market waits
    for its results; no replicas, since no node leaves the ring and every epoch's
    descriptions are published after the epoch's joins."""
    return SlaParams(
        max_rounds=config.max_rounds,
        max_deadline=2 * config.max_rounds + 2,
        # a provider's pending agreements (one unit each at most) and a consumer's open
        # negotiations, with room for those a provider left unanswered, awaiting their timers
        max_open=min(MAX_OPEN, config.capacity + 2 * config.asks + 2),
        penalty_bp=config.penalty_bp,
        max_records=MAX_RECORDS,
        pay_within=config.pay_within,
        min_standing=config.min_standing,
        newcomer_bp=config.newcomer_bp,
        search_timeout=ROUTE_TICKS + 1,
        replicas=0,
        replay_senders=4096,
    )


def kind(number: int) -> str:
    """Service type ``number``'s name: what its descriptions are indexed and found under."""
    return f"market.type{number}"


def slot_ticks(config: w.SlaMarketConfig) -> int:
    """One consumer's turn: its search, two ticks a negotiation round, two for the
    acceptance, one spare, and time for the provider's new description to reach the index
    before the next consumer's query does."""
    return 2 * ROUTE_TICKS + 2 * config.max_rounds + 3


def epoch_ticks(config: w.SlaMarketConfig) -> int:
    """An epoch: the joins, the descriptions' routing, every consumer's turn, the reports,
    finish and payment, and a rest (``pay_within`` shorter than it: an unpaid record counts
    by the next epoch)."""
    turns = config.consumers * slot_ticks(config)
    return JOIN_TICKS + ROUTE_TICKS + turns + config.reports + 5 + config.rest_ticks


def spares(config: w.SlaMarketConfig, reentering: int) -> int:
    """Held-back nodes enough for every re-entering peer to re-enter after every epoch."""
    return reentering * (config.epochs - 1)


@dataclass
class _Actor:
    """A peer across its identities: a re-entering peer keeps its role, type and cost."""

    role: Role
    index: int
    service: int
    misbehaving: bool
    reenters: bool
    cost: int = 0
    generation: int = 0
    node_id: bytes = b""
    remaining: int = 0
    """A provider's units left to sell this epoch."""
    version: int = 0
    """The version of the provider's last description (of this identity)."""


class _Market:
    """The ring, each application's part, and what the figures need of the run."""

    def __init__(self, config: w.SlaMarketConfig) -> None:
        self.config = config
        self.required = w.guarantees(config)
        self.services = [w.service_id(config.seed, k) for k in range(config.services)]
        self.nonces = 0
        self.valid_until = 0
        """The last tick of this epoch's negotiations: its descriptions' ``valid_until``."""
        self.searches = 0
        self.unanswered = 0
        self.reentries: list[dict[str, Any]] = []
        failing = w.pick(stream(config.seed, "sla/failing"), config.providers, config.failing_ppm)
        unpaid = w.pick(
            stream(config.seed, "sla/nonpaying"), config.consumers, config.nonpaying_ppm
        )
        costs = w.costs(config)
        self.providers = [
            _Actor("provider", i, i % config.services, i in failing, False, costs[i])
            for i in range(config.providers)
        ]
        self.consumers = [
            _Actor("consumer", j, j % config.services, j in unpaid, False)
            for j in range(config.consumers)
        ]
        bad = [a for a in (*self.providers, *self.consumers) if a.misbehaving]
        back = w.pick(stream(config.seed, "sla/reentering"), len(bad), config.reentering_ppm)
        for number, actor in enumerate(bad):
            actor.reenters = number in back
        peers = [*self.providers, *self.consumers]
        spare = spares(config, len(back))
        self.net = SlaNet(
            f"sla-market/{config.seed}", len(peers) + spare, spare, sla_params(config)
        )
        for index, actor in enumerate(peers):
            actor.node_id = self.net.node_id(index)
        self.net.build()
        self.built = self.net.now
        self.spare = spare
        self.build_sent = self.net.sent()
        self.build_rejected = self.net.rejected()

    @property
    def now(self) -> int:
        return self.net.now

    def advance(self, until: int) -> None:
        self.net.advance(until)

    def command(self, node_id: bytes, name: str, args: WireModel) -> None:
        """A command the market's applications expect taken: a refusal is a bug."""
        refused = self.net.command(node_id, name, args)
        assert refused is None, f"{name} refused: {refused}"

    def _holds(self, node_id: bytes, neg: bytes) -> bool:
        """The node still holds the negotiation or agreement (its Service Management sees
        whether A&C closed it)."""
        return neg in self.net.data(node_id).controls

    def records(self, node_id: bytes) -> dict[bytes, Record]:
        """The node's records of closed agreements, from its observable state."""
        return {r.neg: r for r in self.net.observe(node_id).sla.records}

    def excluded(self, actor: _Actor) -> bool:
        """No counterparty's Security admits the peer now (by rule or standing): every
        negotiation it tries would be refused with ``sla.denied``."""
        others = self.consumers if actor.role == "provider" else self.providers
        return not any(admits(self.net.data(o.node_id), actor.node_id, self.now) for o in others)

    def standing(self, observer: bytes, peer: bytes) -> int:
        return standing(self.net.data(observer), peer, self.now)

    # -- descriptions, search, access --

    def offer(self, provider: _Actor) -> None:
        """Offer the units left at the tariff and publish its description, valid until the
        epoch's negotiations end. Sold out, publish a last version that expires before the
        next query can reach the index (a description cannot be withdrawn)."""
        service = self.services[provider.service]
        until = self.valid_until
        if provider.remaining < 1:
            until = self.now + ROUTE_TICKS - 1
        else:
            offer = OfferService(
                service=service,
                unit_price=provider.cost,
                max_units=provider.remaining,
                bounds=w.BOUNDS,
                pricing="fixed",
                barter=False,
            )
            self.command(provider.node_id, "offer_service", offer)
        provider.version += 1
        publish = Publish(
            service=service,
            kind=kind(provider.service),
            functions=(),
            interfaces=(),
            valid_until=until,
            version=provider.version,
        )
        self.command(provider.node_id, "publish", publish)

    def search(self, consumer: _Actor, bid: w.Bid) -> list[tuple[int, bytes]]:
        """Search the type's index for providers with a unit left within the valuation (a
        consumer can counter for fewer units), and wait for the results: (tariff, provider),
        in the results' order (cheapest first, ties by provider id)."""
        wanted = Wanted(
            kind=kind(consumer.service),
            functions=(),
            units=1,
            max_price=bid.value,
            guarantees=self.required,
            barter=False,
        )
        self.command(consumer.node_id, "search", Search(wanted=wanted))
        number = self.net.data(consumer.node_id).searched
        self.searches += 1
        self.advance(self.now + ROUTE_TICKS)
        found = self.net.data(consumer.node_id).searches[number]
        if not found.answered:
            self.unanswered += 1
            return []
        described = []
        for frame in found.found:
            _, type_, body = peek(frame)
            assert type_ == "description"
            description = decode_message(Description, body)
            described.append((description.unit_price, description.provider))
        return described

    def founders_rules(self, rule: Literal["allow", "default"]) -> None:
        """Bootstrap of a closed market: the founding peers admit each other by rule."""
        founders_p = [p for p in self.providers if p.generation == 0]
        founders_c = [c for c in self.consumers if c.generation == 0]
        for p in founders_p:
            for c in founders_c:
                self.command(p.node_id, "access", SetAccess(peer=c.node_id, rule=rule))
                self.command(c.node_id, "access", SetAccess(peer=p.node_id, rule=rule))

    def reenter(self, actor: _Actor, epoch: int) -> None:
        """A fresh identity (the next held-back node, joining the ring now) for an excluded
        peer: its standing is read at every counterparty before and after. The abandoned
        identity stays on the ring, routing, and trades no more."""
        others = self.consumers if actor.role == "provider" else self.providers
        before = max((self.standing(o.node_id, actor.node_id) for o in others), default=0)
        actor.generation += 1
        actor.version = 0
        actor.node_id = self.net.join()
        after = max((self.standing(o.node_id, actor.node_id) for o in others), default=0)
        self.reentries.append(
            {
                "epoch": epoch,
                "role": actor.role,
                "peer": actor.index,
                "identity": actor.generation,
                "standing_before": before,
                "standing_after": after,
            }
        )

    # -- one consumer's negotiation --

    def negotiate(self, consumer: _Actor, bid: w.Bid, life: int) -> Deal | None:
        """Search, then ask the cheapest providers found that the consumer's Security admits;
        accept the cheapest proposal, reject the other answers; counter a ``units`` refusal
        with half the units."""
        config = self.config
        found = self.search(consumer, bid)
        deadline = self.now + 2 * config.max_rounds + 2
        wanted = Requirements(
            service=self.services[consumer.service],
            units=bid.units,
            max_price=bid.value,
            guarantees=self.required,
            start=life,
            end=life + config.reports + 2,
            barter=None,
        )
        live: dict[bytes, tuple[bytes, Requirements]] = {}
        for _, provider in found:
            if len(live) >= config.asks:
                break
            self.nonces += 1
            nonce = self.nonces.to_bytes(8, "big")
            ask = Negotiate(provider=provider, nonce=nonce, deadline=deadline, requirements=wanted)
            refused = self.net.command(consumer.node_id, "negotiate", ask)
            if refused is not None:
                assert refused == E.SLA_DENIED, f"negotiate refused: {refused}"
                continue
            live[consumer.node_id + nonce] = (provider, wanted)
        answers = self.net.watch.answers
        for round_ in range(1, config.max_rounds + 1):
            if not live:
                return None
            self.advance(self.now + 2)
            answered = {
                neg: answers.pop(neg)
                for neg in live
                if neg in answers and answers[neg].round == round_
            }
            offers = sorted(
                (_price(a), live[neg][0], neg)
                for neg, a in answered.items()
                if isinstance(a, Propose)
            )
            if offers:
                return self._close_deal(consumer, bid, offers[0], live, answered, round_)
            following: dict[bytes, tuple[bytes, Requirements]] = {}
            for neg, answer in answered.items():
                provider, asked = live[neg]
                if round_ == config.max_rounds:
                    continue  # a refusal of the last round ends it at both parties
                assert isinstance(answer, Refuse)
                if answer.reason == "units" and asked.units > 1:
                    fewer = asked.model_copy(update={"units": (asked.units + 1) // 2})
                    self.command(
                        consumer.node_id, "counter", commands.Counter(neg=neg, requirements=fewer)
                    )
                    following[neg] = (provider, fewer)
                else:
                    self.command(consumer.node_id, "reject", Reject(neg=neg))
            live = following  # the unanswered (denied at the provider) wait for their timer
        return None

    def _close_deal(
        self,
        consumer: _Actor,
        bid: w.Bid,
        best: tuple[int, bytes, bytes],
        live: dict[bytes, tuple[bytes, Requirements]],
        answered: dict[bytes, Propose | Refuse],
        round_: int,
    ) -> Deal | None:
        price, provider_id, chosen = best
        self.command(consumer.node_id, "accept", Accept(neg=chosen))
        for neg, answer in answered.items():
            if neg != chosen and (isinstance(answer, Propose) or round_ < self.config.max_rounds):
                self.command(consumer.node_id, "reject", Reject(neg=neg))
        self.advance(self.now + 2)
        if chosen not in self.net.watch.agreed:
            return None
        provider = next(p for p in self.providers if p.node_id == provider_id)
        units = live[chosen][1].units
        provider.remaining -= units
        self.offer(provider)
        reports, injected = w.plan(self.config, chosen, units, provider.misbehaving)
        return Deal(
            neg=chosen,
            consumer=consumer.node_id,
            provider=provider.node_id,
            pays=not consumer.misbehaving,
            units=units,
            price=price,
            value=bid.value,
            cost=provider.cost,
            reports=reports,
            injected=injected,
            breach_at=w.breach_report(reports, self.required),
            misbehaving=consumer.misbehaving or provider.misbehaving,
            reentered=consumer.generation > 0 or provider.generation > 0,
        )

    # -- the agreements' life --

    def run_life(self, deals: list[Deal], start: int) -> None:
        """Start, report, finish; honest consumers pay what they owe (violated ones too)."""
        reports = self.config.reports
        self.advance(start)
        for deal in deals:
            self.command(deal.provider, "start", Start(neg=deal.neg))
        for index in range(reports):
            self.advance(start + 1 + index)
            for deal in deals:
                if self._holds(deal.provider, deal.neg):
                    report = deal.reports[index]
                    usage = ReportUsage(
                        neg=deal.neg, units=report.units, measures=report.measures()
                    )
                    self.command(deal.provider, "usage", usage)
        self.advance(start + reports + 1)
        for deal in deals:
            if self._holds(deal.provider, deal.neg):
                self.command(deal.provider, "finish", Finish(neg=deal.neg))
        self.advance(start + reports + 3)
        for deal in deals:
            if not deal.pays:
                continue
            record = self.records(deal.consumer).get(deal.neg)
            if record is not None and record.due > 0 and not record.settled:
                self.command(deal.consumer, "pay", Pay(neg=deal.neg))
        self.advance(start + reports + 4)


def _price(answer: Propose | Refuse) -> int:
    assert isinstance(answer, Propose)
    _, type_, body = peek(answer.terms)
    assert type_ == "terms"
    return decode_message(Terms, body).unit_price


@dataclass
class _Run:
    market: _Market
    epochs: list[EpochFigures] = field(default_factory=list)
    excluded: list[_Actor] = field(default_factory=list)


def run_sla_market(config: w.SlaMarketConfig) -> dict[str, Any]:
    """Run the market; its figures per epoch and in total, as JSON-ready data."""
    run = _Run(_Market(config))
    market = run.market
    if config.access_control and config.bootstrap_epochs > 0:
        market.founders_rules("allow")
    for epoch in range(config.epochs):
        _epoch(run, epoch)
    return _summary(run)


def _epoch(run: _Run, epoch: int) -> None:
    market, config = run.market, run.market.config
    base = market.built + 1 + epoch * epoch_ticks(config)
    market.advance(base)
    figures = EpochFigures(epoch)
    sent, rejected = market.net.sent(), market.net.rejected()
    if config.access_control and config.bootstrap_epochs > 0 and epoch == config.bootstrap_epochs:
        market.founders_rules("default")  # the bootstrap is over: standing alone decides
    for actor in run.excluded:
        market.reenter(actor, epoch)
        figures.reentries += 1
    market.advance(base + JOIN_TICKS)
    assert all(market.net.active(a.node_id) for a in run.excluded), (
        "a fresh identity failed to join"
    )
    joined = market.net.sent()
    market.valid_until = base + JOIN_TICKS + ROUTE_TICKS + config.consumers * slot_ticks(config) - 1
    for provider in market.providers:
        provider.remaining = config.capacity
        market.offer(provider)
    bids = w.bids(config, epoch)
    order = w.shuffled(stream(config.seed, f"sla/order/{epoch}"), range(config.consumers))
    slot = slot_ticks(config)
    first = base + JOIN_TICKS + ROUTE_TICKS
    life = market.valid_until + 1
    deals: list[Deal] = []
    searches, unanswered = market.searches, market.unanswered
    for number, j in enumerate(order):
        market.advance(first + number * slot)
        deal = market.negotiate(market.consumers[j], bids[j], life)
        if deal is not None:
            deals.append(deal)
    market.run_life(deals, life)
    _measure(run, figures, deals, bids)
    _count(figures, sent, joined, market.net.sent())
    figures.searches = market.searches - searches
    figures.unanswered = market.unanswered - unanswered
    figures.denied = market.net.rejected()["sla.denied"] - rejected["sla.denied"]
    run.excluded = [
        a for a in (*market.providers, *market.consumers) if a.reenters and market.excluded(a)
    ]
    run.epochs.append(figures)


def _count(
    figures: EpochFigures, start: Counter[str], joined: Counter[str], end: Counter[str]
) -> None:
    """The epoch's frames: those of the fresh identities' joins and the overlay's upkeep,
    those of search (routed descriptions and queries, copies and results), and the rest of
    the SLA protocol's (negotiation, execution, payment)."""
    trading = end - joined
    figures.messages = (end - start).total()
    figures.messages_search = sum(n for label, n in trading.items() if label in SEARCH_TRAFFIC)
    figures.messages_negotiation = sum(
        n
        for label, n in trading.items()
        if label.startswith("sla/") and label not in SEARCH_TRAFFIC
    )
    figures.messages_overlay = (
        figures.messages - figures.messages_search - figures.messages_negotiation
    )


def _measure(run: _Run, figures: EpochFigures, deals: list[Deal], bids: tuple[w.Bid, ...]) -> None:
    """Each agreement against both parties' records; the epoch's bids and asks' bound."""
    market = run.market
    seen: dict[bytes, dict[bytes, Record]] = {}

    def record(node_id: bytes, neg: bytes) -> Record:
        if node_id not in seen:
            seen[node_id] = market.records(node_id)
        found = seen[node_id].get(neg)
        assert found is not None, "an agreement of this epoch has no record"
        return found

    for deal in deals:
        mine, theirs = record(deal.consumer, deal.neg), record(deal.provider, deal.neg)
        figures.count(deal, (mine.outcome, theirs.outcome), (mine.reports, theirs.reports))
    for kind in range(market.config.services):
        wanted = [bids[c.index] for c in market.consumers if c.service == kind]
        offered = [
            w.Bid(p.cost, market.config.capacity) for p in market.providers if p.service == kind
        ]
        figures.max_surplus += w.max_surplus(wanted, offered)


def _summary(run: _Run) -> dict[str, Any]:
    market = run.market
    totals = total(run.epochs).as_json()
    del totals["epoch"]
    return {
        "epochs": [figures.as_json() for figures in run.epochs],
        "totals": totals,
        "messages": dict(sorted((market.net.sent() - market.build_sent).items())),
        "refused": dict(sorted((market.net.rejected() - market.build_rejected).items())),
        "ring": {
            "nodes": len(market.net.net.names),
            "held_back": market.spare,
            "built_by": market.built,
            "messages": market.build_sent.total(),
        },
        "reentries": market.reentries,
        "peers": {
            "failing_providers": sum(p.misbehaving for p in market.providers),
            "nonpaying_consumers": sum(c.misbehaving for c in market.consumers),
            "reentering": sum(a.reenters for a in (*market.providers, *market.consumers)),
        },
    }


__all__ = ["epoch_ticks", "kind", "run_sla_market", "sla_params", "slot_ticks", "spares"]
