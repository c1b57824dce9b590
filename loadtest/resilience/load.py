"""Steady (or bursty) load through Nginx that records the outcome of every single request."""

import itertools
import random
import threading
import time
import uuid
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Outcome:
    t0: float
    t1: float
    kind: str  # "health" (GET /api/health) | "read" | "create" | "io" (GET /api/work/io)
    status: int | None  # None: no HTTP answer at all (connection reset, timeout)
    error: str | None = None
    item: tuple[int, str] | None = None  # (id, name) of a created item
    worker_pid: int | None = None  # the worker that answered, where the response says (health)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def code(self) -> str:
        return str(self.status) if self.status is not None else (self.error or "error")


class LoadDriver:
    """``threads`` clients in a closed loop over a mix of reads, JSON calls and creates. The JSON
    call is /api/health, whose answer names the worker that served it.

    Each client keeps its connection alive, like a real client pool. ``pause`` slows each
    client down (seconds between requests); ``burst`` = (requests, gap_s) sends bursts
    separated by idle gaps instead of a steady stream.

    No request is ever sent twice (httpx retries nothing): a connection the server closed
    without an answer is a failed request.
    """

    MIX = ("health", "read", "create", "health", "read")

    def __init__(self, base_url: str, verify, threads: int = 6, pause: float = 0.01,
                 burst: tuple[int, float] | None = None, timeout: float = 40.0) -> None:  # fmt: skip
        self.base_url, self.verify, self.threads, self.pause = base_url, verify, threads, pause
        self.burst, self.timeout = burst, timeout
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._known_ids: list[int] = []

    # -- requests ----------------------------------------------------------------------

    def _one(self, client: httpx.Client, kind: str) -> Outcome:
        t0 = time.monotonic()
        item, name, pid = None, None, None
        try:
            if kind == "create":
                name = f"res-{uuid.uuid4().hex}"
                r = client.post("/api/items", json={"name": name})
            elif kind == "read" and self._known_ids:
                r = client.get(f"/api/items/{random.choice(self._known_ids)}")
            else:
                kind = "health"
                r = client.get("/api/health")
                pid = r.json().get("worker_pid") if r.status_code == 200 else None
            if kind == "create" and r.status_code in (200, 201):  # 200: a replayed create
                item = (r.json()["id"], name)
                with self._lock:
                    self._known_ids.append(item[0])
            return Outcome(t0, time.monotonic(), kind, r.status_code, None, item, pid)
        except httpx.HTTPError as exc:
            return Outcome(t0, time.monotonic(), kind, None, type(exc).__name__)

    def _record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, verify=self.verify, timeout=self.timeout)

    def _steady(self, index: int) -> None:
        kinds = itertools.cycle(self.MIX[index % len(self.MIX) :] + self.MIX[: index % len(self.MIX)])
        with self._client() as client:
            while not self._stop.is_set():
                self._record(self._one(client, next(kinds)))
                if self.pause:
                    time.sleep(self.pause)

    def _bursty(self, index: int) -> None:
        size, gap = self.burst
        kinds = itertools.cycle(("health", "read"))
        with self._client() as client:
            while not self._stop.is_set():
                for _ in range(size):
                    self._record(self._one(client, next(kinds)))
                self._stop.wait(gap)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> "LoadDriver":
        with self._client() as client:  # something to read from the start
            for _ in range(3):
                self._record(self._one(client, "create"))
        target = self._bursty if self.burst else self._steady
        self._workers = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(self.threads)]
        for w in self._workers:
            w.start()
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for w in self._workers:
            w.join(timeout=self.timeout + 5)
        return sorted(self.outcomes, key=lambda o: o.t0)
