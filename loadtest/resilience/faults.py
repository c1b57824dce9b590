"""One small class per fault. Each runs under steady load, injects its fault, and returns what
the clients saw (outcome.summarize), what it measured itself, and whether its target was met.

``full_length=False`` is the CI version (seconds, scaled-down timeouts); ``full_length=True`` the
one `make resilience` and the full `make loadtest` run (minutes, the bundle's real timeouts).
"""

import subprocess
import threading
import time
from collections import Counter

import httpx

from loadtest.resilience import integrity
from loadtest.resilience.load import LoadDriver, Outcome
from loadtest.resilience.outcome import STALL_S, summarize
from loadtest.resilience.probes import wait_for_workers, wait_until, worker_pids

NGINX_FAIL_TIMEOUT_S = 5  # fail_timeout of the server line nginx/docker-entrypoint.sh writes


class Fault:
    name = ""
    title = ""
    target = ""
    replicas = 1
    checks_items = False  # True: afterwards every acknowledged create is still there (integrity.check)
    lengths = {True: (10, 20), False: (2, 5)}  # full_length -> seconds of load before and after the fault

    def env(self, full_length: bool) -> dict[str, str]:
        # No max-requests recycling: a worker replaced for that would pass for the fault's effect.
        return {"SERVER_MAX_REQUESTS": "0"}

    def driver(self, stack, full_length: bool) -> LoadDriver:
        return LoadDriver(stack.base_url, stack.ssl_context(), threads=6)

    def prepare(self, stack, full_length: bool) -> dict:
        """What must be ready before the load starts (passed to inject and afterwards as keywords)."""
        return {}

    def inject(self, stack, full_length: bool, **prepared) -> dict:
        raise NotImplementedError

    def afterwards(self, stack, result: dict, **prepared) -> dict:
        """What to add to the result once the load has stopped (and the store was checked)."""
        return {}

    def met(self, result: dict) -> bool:
        raise NotImplementedError

    def run(self, stack, full_length: bool = False) -> dict:
        pre, post = self.lengths[full_length]
        prepared = self.prepare(stack, full_length)
        driver = self.driver(stack, full_length).start()
        time.sleep(pre)
        fault_at = time.monotonic()
        details = self.inject(stack, full_length, **prepared)
        fault_end = time.monotonic()
        time.sleep(post)
        outcomes = driver.stop()
        result = {**summarize(outcomes, fault_at, fault_end), **details}
        if self.checks_items:
            stack.wait_for_api()
            result.update(integrity.check(stack, outcomes))
        result.update(self.afterwards(stack, result, **prepared))
        result.setdefault("lost_items", None)  # None: this fault does not check the store
        result.setdefault("notes", "")
        if result["stalled_requests"]:
            result["notes"] += f"; {result['stalled_requests']} requests succeeded but took over {STALL_S:g} s"
        result["met"] = bool(self.met(result))
        return result


class KillWorker(Fault):
    name, title = "kill-worker", "A worker is killed (SIGKILL)"
    target = "worker respawned; failures limited to requests in flight on it"
    checks_items = True

    def inject(self, stack, full_length):
        before = worker_pids(stack)
        victim = stack.get("/api/health").json()["worker_pid"]
        stack.run("exec", "-T", "app", "python3", "-c", f"import os; os.kill({victim}, 9)")
        respawn = wait_for_workers(stack, before, gone={victim})
        note = f"respawned in {respawn} s" if respawn is not None else "not respawned within 30 s"
        return {"respawn_s": respawn, "notes": f"killed worker {victim} of {len(before)}; {note}"}

    def met(self, r):
        return r["respawn_s"] is not None and r["lost_items"] == 0 and r["duplicated_items"] == 0


class GracefulReload(Fault):
    name, title = "reload", "Graceful reload (SIGHUP to the manager)"
    target = "zero failed requests; every worker replaced"
    checks_items = True

    def inject(self, stack, full_length):
        before = worker_pids(stack)
        stack.run("kill", "-s", "HUP", "app")
        took = wait_for_workers(stack, before, gone=before)
        note = (
            f"all {len(before)} workers replaced in {took} s"
            if took is not None
            else "workers not all replaced within 30 s"
        )
        return {"reload_s": took, "notes": note}

    def met(self, r):
        return r["failed_requests"] == 0 and r["reload_s"] is not None and r["lost_items"] == 0


class HungWorker(Fault):
    name, title = "hung-worker", "A worker's event loop hangs past the timeout"
    target = "hung worker detected and replaced before the hang ends"
    checks_items = True

    def env(self, full_length):
        # Gunicorn kills a worker silent for SERVER_TIMEOUT s (30 in the bundle; 5 for CI).
        return {
            **super().env(full_length),
            "APP_FAULT_INJECTION": "true",
            **({} if full_length else {"SERVER_TIMEOUT": "5"}),
        }

    def inject(self, stack, full_length):
        hang = 60 if full_length else 12
        before = worker_pids(stack)

        def hang_one():
            try:
                with stack.client(timeout=hang + 40) as c:
                    c.post("/api/_fault/hang", params={"seconds": hang})
            except httpx.HTTPError:
                pass  # the worker may be killed under it: that is the point

        threading.Thread(target=hang_one, daemon=True).start()
        replaced = wait_until(lambda: bool(before - worker_pids(stack)), hang - 1, interval=0.5)
        if replaced is None:
            time.sleep(2)  # let the hang end by itself before measuring recovery
        note = (
            f"detected and replaced after {replaced} s"
            if replaced is not None
            else f"never detected; the worker came back only when the {hang} s hang ended"
        )
        return {"replaced_s": replaced, "hang_s": hang, "notes": note}

    def met(self, r):
        return r["replaced_s"] is not None and r["lost_items"] == 0


class RestartContainer(Fault):
    name, title = "restart", "The app container restarts (one replica)"
    target = "comes back by itself; what clients see is recorded (one replica cannot hide a restart)"
    checks_items = True

    def inject(self, stack, full_length):
        stack.run("restart", "-t", "30", "app")
        stack.wait_healthy("app")
        return {"notes": "docker compose restart app, single replica behind Nginx"}

    def met(self, r):
        return r["lost_items"] == 0 and r["duplicated_items"] == 0 and r["integrity"] == "ok"


class RollingRestart(Fault):
    name, title = "restart-2-replicas", "The app containers restart one by one (two replicas)"
    target = "zero failed GETs (Nginx retries idempotent requests on the other replica)"
    replicas = 2
    checks_items = True

    def inject(self, stack, full_length):
        ids = stack.container_ids("app")
        for cid in ids:
            subprocess.run(["docker", "restart", "-t", "30", cid], check=True, capture_output=True)
            stack.wait_healthy("app")
            # Nginx keeps a replica that failed out of rotation for fail_timeout (5 s, the
            # entrypoint's server line): restarting the next one sooner leaves no live replica.
            time.sleep(NGINX_FAIL_TIMEOUT_S + 1)
        return {
            "notes": f"restarted {len(ids)} replicas one after the other, "
            f"{NGINX_FAIL_TIMEOUT_S + 1} s apart after each was healthy"
        }

    def met(self, r):
        return r["failed_gets"] == 0 and r["lost_items"] == 0 and r["duplicated_items"] == 0


class KeepaliveRace(Fault):
    name, title = "keepalive-race", "Bursts with idle gaps longer than the upstream keep-alive"
    target = "zero 502s"

    def env(self, full_length):
        # Nginx must drop idle upstream connections before the app does. CI scales the real
        # 60 s / 75 s down to 2 s / 3 s so the gaps can outlast them in seconds.
        return {
            **super().env(full_length),
            **({} if full_length else {"UPSTREAM_KEEPALIVE_TIMEOUT": "2", "SERVER_KEEPALIVE": "3"}),
        }

    def driver(self, stack, full_length):
        return LoadDriver(stack.base_url, stack.ssl_context(), threads=4, burst=(25, 62 if full_length else 2.5))

    def inject(self, stack, full_length):
        time.sleep(4 * 62 if full_length else 12)  # the load pattern is the fault: several gap cycles
        return {
            "notes": "gaps of 62 s (> 60 s upstream keepalive_timeout)"
            if full_length
            else "gaps of 2.5 s (> 2 s upstream keepalive_timeout, < 3 s app keep-alive)"
        }

    def met(self, r):
        return "502" not in r["error_codes"] and r["failed_requests"] == 0


class WorkerRecycling(Fault):
    name, title = "recycling", "Worker recycling (max requests with jitter) under load"
    target = "zero failed requests while workers are replaced"

    def env(self, full_length):
        return {
            "SERVER_MAX_REQUESTS": "500" if full_length else "60",
            "SERVER_MAX_REQUESTS_JITTER": "100" if full_length else "20",
        }

    def inject(self, stack, full_length):
        seen, deadline = set(worker_pids(stack)), time.monotonic() + (60 if full_length else 12)
        start = len(seen)
        while time.monotonic() < deadline:
            seen |= worker_pids(stack)
            time.sleep(0.3)
        return {"recycled_workers": len(seen) - start, "notes": f"{len(seen) - start} workers recycled during the run"}

    def met(self, r):
        return r["failed_requests"] == 0 and r["recycled_workers"] > 0


class GracefulStop(Fault):
    name, title = "graceful-stop", "Graceful stop (docker compose stop) with requests in flight"
    target = "every request in flight when the stop began finishes with 200"
    checks_items = True

    def inject(self, stack, full_length):
        inflight: list[Outcome] = []
        ms = 2000  # the bound of /api/work/io

        def slow_call():
            t0 = time.monotonic()
            try:
                with stack.client() as c:
                    status = c.get("/api/work/io", params={"ms": ms}).status_code
                inflight.append(Outcome(t0, time.monotonic(), "io", status))
            except httpx.HTTPError as exc:
                inflight.append(Outcome(t0, time.monotonic(), "io", None, type(exc).__name__))

        threads = [threading.Thread(target=slow_call) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.7)  # all eight are in the app now
        stack.run("stop", "-t", "30", "app")
        for t in threads:
            t.join(timeout=60)
        stack.run("start", "app")
        stack.wait_healthy("app")
        ok = sum(1 for o in inflight if o.ok)
        return {
            "in_flight": {"count": len(inflight), "codes": dict(Counter(o.code for o in inflight))},
            "notes": f"{ok}/{len(inflight)} in-flight {ms} ms requests finished; requests arriving while the app "
            "was stopped are counted in failed_requests, not against the target",
        }

    def met(self, r):
        codes = r["in_flight"]["codes"]
        return r["in_flight"]["count"] == 8 and set(codes) == {"200"} and r["lost_items"] == 0


FAULTS = [KillWorker(), GracefulReload(), HungWorker(), RestartContainer(), RollingRestart(),
          KeepaliveRace(), WorkerRecycling(), GracefulStop()]  # fmt: skip
