"""What the SLA market measures: its agreements, and each epoch's exact counts.

Counts are integers and shares exact fractions of them, rounded to 6 decimals (half to
even) only when written (:func:`rate`), so the JSON is the same bytes on every platform.
"""

from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from reference.sim.sla_workload import Report


@dataclass(frozen=True)
class Deal:
    """An agreement reached, with what the yardsticks need of it."""

    neg: bytes
    consumer: bytes
    provider: bytes
    pays: bool
    """The consumer pays what it owes (it is not one of the non-paying)."""
    units: int
    price: int
    """The unit price agreed (Pricing's, for this consumer then)."""
    value: int
    """The consumer's valuation per unit."""
    cost: int
    """The provider's cost per unit."""
    reports: tuple[Report, ...]
    injected: bool
    """A failure was injected into the planned reports."""
    breach_at: int | None
    """The planned report after which the breach oracle fires (None: never): the ground
    truth of detection."""
    misbehaving: bool
    """Either party is a failing provider or a non-paying consumer."""
    reentered: bool
    """Either party is a peer back under a fresh identity."""


@dataclass
class EpochFigures:
    """What one epoch measured (or, with ``epoch`` -1, the whole run)."""

    epoch: int
    agreements: int = 0
    units: int = 0
    misbehaving_units: int = 0
    reentered_units: int = 0
    injected: int = 0
    truth: int = 0
    breaches: int = 0
    """Agreements both parties recorded ``violated``."""
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    """Over (agreement, party) pairs: each party's ``violated`` record is a detection."""
    disagreements: int = 0
    """Agreements whose two records have different outcomes (the spec says never)."""
    wrong_report: int = 0
    """Violated records closed at another report than the one the oracle names."""
    completed: int = 0
    messages: int = 0
    """Frames sent during the epoch, of every type: the three counts below together."""
    messages_search: int = 0
    """Search's: routed descriptions and queries (each hop and its ``route_ack``), the
    copies to replicas, and the results."""
    messages_negotiation: int = 0
    """The rest of the SLA protocol's: negotiation, execution and payment."""
    messages_overlay: int = 0
    """The overlay's own: the joins of the epoch's fresh identities, and table upkeep."""
    searches: int = 0
    unanswered: int = 0
    """Searches whose results did not come in time (the market waits a fixed time)."""
    realized: int = 0
    max_surplus: int = 0
    denied: int = 0
    """Negotiations refused ``sla.denied`` by either party's Security."""
    reentries: int = 0
    """Peers that came back under a fresh identity at the epoch's start."""

    def count(self, deal: Deal, outcomes: tuple[str, str], reports: tuple[int, int]) -> None:
        """One agreement, with its consumer's and its provider's recorded outcome and
        number of reports."""
        truth = deal.breach_at is not None
        self.agreements += 1
        self.units += deal.units
        self.misbehaving_units += deal.units if deal.misbehaving else 0
        self.reentered_units += deal.units if deal.reentered else 0
        self.injected += deal.injected
        self.truth += truth
        self.disagreements += outcomes[0] != outcomes[1]
        for found, closed_at in zip(outcomes, reports, strict=True):
            detected = found == "violated"
            self.true_positive += detected and truth
            self.false_positive += detected and not truth
            self.false_negative += truth and not detected
            self.wrong_report += detected and closed_at != deal.breach_at
        self.breaches += outcomes == ("violated", "violated")
        if outcomes == ("completed", "completed"):
            self.completed += 1
            self.realized += (deal.value - deal.cost) * deal.units

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        tp, fp, fn = self.true_positive, self.false_positive, self.false_negative
        found["precision"] = rate(tp, tp + fp, 1)
        found["recall"] = rate(tp, tp + fn, 1)
        found["messages_per_agreement"] = rate(self.messages, self.agreements, None)
        found["messages_per_agreement_search"] = rate(self.messages_search, self.agreements, None)
        found["messages_per_agreement_negotiation"] = rate(
            self.messages_negotiation, self.agreements, None
        )
        found["misbehaving_share"] = rate(self.misbehaving_units, self.units, None)
        found["efficiency"] = rate(self.realized, self.max_surplus, None)
        return found


def total(epochs: list[EpochFigures]) -> EpochFigures:
    """The sum of every count over the epochs."""
    whole = EpochFigures(-1)
    for figures in epochs:
        for f in fields(figures):
            if f.name != "epoch":
                setattr(whole, f.name, getattr(whole, f.name) + getattr(figures, f.name))
    return whole


def rate(part: int, whole: int, empty: int | None) -> float | None:
    """``part / whole`` rounded to 6 decimals from the exact fraction; ``empty`` when
    ``whole`` is 0 (precision and recall: 1, as nothing was wrong; the others: null)."""
    if whole == 0:
        return None if empty is None else float(empty)
    return float(round(Fraction(part, whole), 6))
