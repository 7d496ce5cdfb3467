"""Benchmarks: `make bench` (``python -m bench``). Figures, not tests.

A benchmark is a function registered under a group name with :func:`benchmark`.
It returns a :class:`Report`: measured rates, figures derived from them (ratios)
and the targets those figures are held to. ``python -m bench`` runs every group
(or the ones named), prints one table per group and writes
``bench/results/<group>.json``. Later issues add groups by writing a module in
this package: every module of the package is imported by :func:`load_all`.
"""

import gc
import importlib
import os
import pkgutil
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


def modules() -> list[str]:
    """Every module of this package (but ``__main__``): importing one registers its benchmarks."""
    return sorted(
        f"{__name__}.{info.name}"
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    )


@dataclass(frozen=True)
class Rate:
    """How often one operation runs per second: best of the repetitions, and their median."""

    name: str
    best: float
    median: float
    repeats: int
    number: int
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A number computed from rates, optionally held to a lower bound."""

    name: str
    value: float
    target: float | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value >= self.target


@dataclass
class Report:
    group: str
    rates: list[Rate] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def rate(self, name: str) -> Rate:
        return next(r for r in self.rates if r.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "machine": machine(),
            "context": self.context,
            "rates": [asdict(r) for r in self.rates],
            "figures": [{**asdict(f), "met": f.met} for f in self.figures],
        }


BenchFunction = Callable[["Settings"], Report]
REGISTRY: dict[str, BenchFunction] = {}


def benchmark(group: str) -> Callable[[BenchFunction], BenchFunction]:
    """Register ``fn`` as the benchmark of ``group`` (one function per group)."""

    def register(fn: BenchFunction) -> BenchFunction:
        if group in REGISTRY:
            raise ValueError(f"benchmark group {group!r} registered twice")
        REGISTRY[group] = fn
        return fn

    return register


def load_all() -> dict[str, BenchFunction]:
    for module in modules():
        importlib.import_module(module)
    return REGISTRY


@dataclass(frozen=True)
class Settings:
    """How long to measure: each repetition runs about ``target_seconds``."""

    repeats: int = 9
    target_seconds: float = 0.2
    warmup_seconds: float = 0.2


def calibrate(fn: Callable[[], object], seconds: float) -> int:
    """Calls per repetition so that one repetition lasts about ``seconds``."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 4 or number >= 1 << 24:
            return max(1, int(number * seconds / max(elapsed, 1e-9)))
        number *= 4


def measure_interleaved(
    operations: dict[str, Callable[[], object]], settings: Settings
) -> dict[str, Rate]:
    """Time several operations in alternation (A B C A B C ...), so machine noise hits all alike.

    Each operation is warmed up, calibrated, then timed ``settings.repeats`` times with
    ``time.perf_counter``; the garbage collector is off while a repetition runs.
    """
    numbers: dict[str, int] = {}
    for name, fn in operations.items():
        deadline = time.perf_counter() + settings.warmup_seconds
        while time.perf_counter() < deadline:
            fn()
        numbers[name] = calibrate(fn, settings.target_seconds)
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for _ in range(settings.repeats):
        for name, fn in operations.items():
            number = numbers[name]
            gc.disable()
            try:
                start = time.perf_counter()
                for _ in range(number):
                    fn()
                elapsed = time.perf_counter() - start
            finally:
                gc.enable()
            samples[name].append(number / elapsed)
    return {
        name: Rate(name, max(rates), statistics.median(rates), len(rates), numbers[name])
        for name, rates in samples.items()
    }


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        # Other work on the machine skews every figure; the load says how much to trust them.
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
