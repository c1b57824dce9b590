"""Progress weighted by seconds: a rich bar on a terminal, one line per run in a log.

Every step (plan.Step) advances the bar by its estimated seconds, so a 20 s run moves it ten
times as far as a 2 s warm-up, and the fault phase is part of the same bar. Without a terminal
(``| tee``, nohup, CI) each run and fault prints one line: elapsed time, time left (the
remaining estimate scaled by how the finished steps compared with theirs), and what it measured.
Every step's real duration is kept (``seen``) for results.json's ``timing.overheads``.
"""

import time
from collections import defaultdict
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from loadtest.runner import plan
from loadtest.runner.plan import Costs, Step


class Reporter:
    def __init__(self, console: Console, total_s: float, costs: Costs, tty: bool | None = None) -> None:
        self.console, self.costs = console, costs
        self.tty = console.is_terminal if tty is None else tty
        self.total, self.done = float(total_s), 0.0
        self.started = time.monotonic()
        self.seen: dict[str, list[float]] = defaultdict(list)
        self.note = ""  # what the last run measured, for the log line
        self._progress: Progress | None = None
        self._task = None

    def __enter__(self) -> "Reporter":
        self.started = time.monotonic()
        if self.tty:
            columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                       TextColumn("left"), TimeRemainingColumn()]  # fmt: skip
            self._progress = Progress(*columns, console=self.console)
            self._progress.__enter__()
            self._task = self._progress.add_task("starting", total=max(self.total, 1.0))
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        """Seconds left: the remaining estimate, at the pace the finished steps kept."""
        remaining = max(self.total - self.done, 0.0)
        pace = self.elapsed / self.done if self.done > 60 else 1.0
        return remaining * pace

    def status(self, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=text)

    def replan(self, remaining_s: float) -> None:
        """The plan changed (comparisons decided, budget spent): this much is left."""
        self.total = self.done + max(remaining_s, 0.0)
        if self._progress is not None:
            self._progress.update(self._task, total=max(self.total, 1.0), completed=self.done)

    def advance(self, seconds: float) -> None:
        self.done += seconds
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done)

    def skip(self, steps: list[Step]) -> None:
        """Steps that will not run (a broken topology): off the plan, not timed."""
        self.replan(self.total - self.done - plan.estimate(steps, self.costs))

    def line(self, text: str) -> None:
        """One line in the log (on a terminal: above the bar)."""
        if self.tty and self._progress is not None:
            self._progress.console.print(text)
        else:
            stamp = f"[{plan.clock(self.elapsed)} elapsed, ~{plan.clock(self.left())} left]"
            self.console.print(f"{stamp} {text}", highlight=False, soft_wrap=True)

    @contextmanager
    def step(self, step: Step):
        """Run one step: the bar shows it, and moves by its estimate when it ends (also on failure)."""
        self.status(step.label)
        self.note = ""
        t0 = time.monotonic()
        try:
            yield self
        finally:
            took = time.monotonic() - t0
            name, extra = plan.overhead(step, took)
            self.seen[name].append(extra)
            self.advance(plan.step_seconds(step, self.costs))
            if step.kind in (plan.RUN, plan.FAULT) and not self.tty:
                self.line(f"{step.label} ({plan.clock(took)}){': ' + self.note if self.note else ''}")
