"""wrk's input for a request list: one request per line, in the order wrk cycles through them.

loadtest/generator/wrk/report.lua reads it when its first argument is ``@FILE``. Each line is
``METHOD<TAB>PATH<TAB>BODY<TAB>Header: value<TAB>...`` (BODY empty: none; a JSON body is sent with
``Content-Type: application/json``). The cycle holds each request ``weight`` times (weights
divided by their greatest common divisor), spread out by smooth weighted round-robin, so any
stretch of the cycle has the mix the weights ask for.
"""

import json
import math

from loadtest.generator.appscenario.model import Request, ScenarioError

MAX_CYCLE = 10_000  # lines; weights beyond that are a typo, not a mix


def cycle(requests: list[Request]) -> list[Request]:
    """The requests in the order wrk sends them (weighted: smooth weighted round-robin)."""
    if not requests:
        raise ScenarioError("wrk: no requests to send")
    divisor = math.gcd(*(r.weight for r in requests))
    weights = [r.weight // divisor for r in requests]
    total = sum(weights)
    if total > MAX_CYCLE:
        raise ScenarioError(
            f"wrk: the weights add up to {total} after reduction (at most {MAX_CYCLE}): use smaller ones"
        )
    current = [0] * len(requests)
    out = []
    for _ in range(total):
        current = [c + w for c, w in zip(current, weights, strict=True)]
        best = max(range(len(requests)), key=lambda i: current[i])  # ties: the first declared
        current[best] -= total
        out.append(requests[best])
    return out


def line(r: Request) -> str:
    body = "" if r.body is None else json.dumps(r.body, separators=(",", ":"), ensure_ascii=True)
    headers = dict(r.headers)
    if r.body is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    fields = [r.method, r.path, body, *(f"{k}: {v}" for k, v in headers.items())]
    if any("\t" in f or "\n" in f or "\r" in f for f in fields):
        raise ScenarioError(f"wrk: {r.describe()} has a tab or newline in a header or path")
    return "\t".join(fields)


def script_input(requests: list[Request]) -> str:
    """The file report.lua reads (``@FILE``)."""
    return "".join(line(r) + "\n" for r in cycle(requests))
