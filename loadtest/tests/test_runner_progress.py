"""Progress weighted by seconds: one line per run in a log, the bar's total follows the plan."""

import io

from rich.console import Console

from loadtest.runner import plan
from loadtest.runner.plan import Costs, Step
from loadtest.runner.progress import Reporter


def test_a_log_gets_one_line_per_run_with_elapsed_and_left():
    out = io.StringIO()
    costs = Costs()
    steps = [Step(plan.UP, "up"), Step(plan.RUN, "gunicorn api-json round 1 capacity (wrk)", 8, "wrk")]
    with Reporter(Console(file=out, width=200), plan.estimate(steps, costs), costs, tty=False) as rep:
        with rep.step(steps[0]):
            pass
        with rep.step(steps[1]) as r:
            r.note = "4,321 req/s, 250 µs/request"
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "elapsed" in lines[0] and "left]" in lines[0]
    assert lines[0].endswith("gunicorn api-json round 1 capacity (wrk) (0s): 4,321 req/s, 250 µs/request")
    assert rep.done == plan.estimate(steps, costs) and set(rep.seen) == {"up", "wrk"}


def test_replan_and_skip_move_the_total():
    rep = Reporter(Console(file=io.StringIO()), 100.0, Costs(), tty=False)
    rep.advance(40)
    rep.replan(20)
    assert rep.total == 60
    rep.skip([Step(plan.DOWN, "down")])
    assert rep.total == 60 - Costs().down
