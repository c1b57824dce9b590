"""Interleaved repetitions: round r brings up each topology in turn (one at a time) and runs
each of its scenarios once, so slow drift on a noisy machine spreads over every topology
instead of passing for a difference between them."""

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
S = TypeVar("S")


@dataclass(frozen=True)
class Visit(Generic[T, S]):
    """One topology up once: what runs before it goes down again."""

    round: int  # 1-based
    topology: T
    scenarios: tuple[S, ...]
    verify: bool  # the first visit verifies (and measures idle CPU)
    fractions: tuple[float, ...]  # fixed-rate runs in this visit


def fractions_for_round(fractions: list[float], rounds: int, r: int) -> tuple[float, ...]:
    """Fixed-rate runs (one per fraction) spread over the rounds: fraction i in round i % rounds + 1."""
    return tuple(f for i, f in enumerate(fractions) if i % max(rounds, 1) == r - 1)


def plan(work: list[tuple[T, list[S]]], rounds: int, fractions: list[float] | None = None) -> list[Visit[T, S]]:
    """Round-robin: for r in 1..rounds, for each topology (in the given order, reference first)."""
    fractions = fractions or []
    return [
        Visit(r, topology, tuple(scenarios), r == 1, fractions_for_round(fractions, rounds, r))
        for r in range(1, rounds + 1)
        for topology, scenarios in work
        if scenarios
    ]


def round_visits(work: list[tuple[T, list[S]]], r: int, needed: set[tuple[T, S]] | None = None,
                 fractions: list[float] | None = None, rounds: int = 1) -> list[Visit[T, S]]:  # fmt: skip
    """One round of the adaptive plan: each topology with the scenarios some still-open
    comparison needs it for (``needed``: (topology, scenario) pairs; None: all of them), in the
    given order. The first round verifies and carries the fixed-rate runs."""
    out = []
    for topology, scenarios in work:
        mine = tuple(s for s in scenarios if needed is None or (topology, s) in needed)
        if mine:
            out.append(Visit(r, topology, mine, r == 1, fractions_for_round(fractions or [], rounds, r)))
    return out
