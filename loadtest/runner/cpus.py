"""Separate CPU sets for the system under test and the load generator."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class CpuPlan:
    sut: list[int]
    generator: list[int]
    shared: bool  # True when there were not enough CPUs to separate them

    @staticmethod
    def _fmt(cpus: list[int]) -> str:
        return ",".join(map(str, cpus))

    @property
    def sut_cpuset(self) -> str:
        return self._fmt(self.sut)

    @property
    def generator_cpuset(self) -> str:
        return self._fmt(self.generator)


def plan(sut_cpus: int | None, available: list[int] | None = None) -> CpuPlan:
    """The first CPUs go to the system under test (half by default), the rest to the generator."""
    available = sorted(available if available is not None else os.sched_getaffinity(0))
    n = sut_cpus or max(1, len(available) // 2)
    if n >= len(available):
        return CpuPlan(sut=available, generator=available, shared=True)
    return CpuPlan(sut=available[:n], generator=available[n:], shared=False)
