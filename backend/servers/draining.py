"""Uvicorn's graceful shutdown with a short drain, as the Gunicorn worker class of the bundle.

On SIGTERM (a reload's old workers, max_requests recycling, a stop) Uvicorn stops listening and
at once closes every connection with no request in progress. A connection the worker accepted
a moment earlier, whose request bytes have arrived but not yet been read, counts as idle: closing
it with unread data sends a TCP reset, and Nginx answers that request 502. Nginx retries
failures on connections it had cached, but not on a fresh one when the upstream is a single
server, so 2 of 5 reloads under load lost a request (tests/test_resilience.py).

DrainingServer stops listening first, lets the event loop run for DRAIN_S so requests already
on accepted connections start (they then finish with ``Connection: close``), keeps its idle
keep-alive connections open for up to IDLE_LINGER_S more, answering what arrives on them with
``Connection: close`` (servers/middleware/drain.py): Nginx reuses its most recently used
connection first, so under load the ones it may be writing on now are answered and closed by
the server after the response, never under a request. Only then does it run Uvicorn's own
shutdown, which closes what is still idle. Direct ``uvicorn --workers`` is left stock: it is
the comparison.

Its main loop also ticks once a second instead of Uvicorn's ten times once no request has come
for ``SLOW_AFTER_S``: each tick wakes an idle worker (about 30 us of CPU here, 0.2-0.3% of a
core per worker at 0.1 s), and what a tick does is once a second anyway (the Date header,
Gunicorn's heartbeat), but the request limit (SERVER_MAX_REQUESTS), which the 0.1 s tick checks
while requests come. After a quiet spell, the first second of requests may pass the limit (its
jitter is wider). A signal ends the wait at once: a stop or reload begins as promptly as before.
"""

import asyncio
import socket
import sys
import time
from types import FrameType

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from servers.middleware import drain
from servers.settings import ServerSettings

DRAIN_S = 0.1  # many event-loop turns; far below any client or proxy timeout
IDLE_LINGER_S = 2.0  # well inside graceful_timeout (25 s); Nginx keeps idle upstream ones 60 s
TICK_S, SLOW_TICK_S = 0.1, 1.0  # Uvicorn's tick; its once-a-second work (counter % 10 == 0)
SLOW_AFTER_S = 10.0  # no request for this long: the worker is idle, tick slowly


def _wake(tick: asyncio.Future) -> None:
    if not tick.done():
        tick.set_result(None)


class DrainingServer(Server):
    _tick: asyncio.Future | None = None

    async def main_loop(self) -> None:
        """Uvicorn's main loop (on_tick until it says exit), ticking slowly while idle."""
        loop = asyncio.get_running_loop()
        counter, seen, last_request = 0, -1, loop.time()
        while not await self.on_tick(counter):
            now = loop.time()
            if self.server_state.total_requests != seen:
                seen, last_request = self.server_state.total_requests, now
            if now - last_request >= SLOW_AFTER_S:
                counter, delay = 0, SLOW_TICK_S  # 0: every slow tick does the once-a-second work
            else:
                counter, delay = (counter + 1) % 864000, TICK_S
            self._tick = tick = loop.create_future()
            timer = loop.call_later(delay, _wake, tick)
            await tick
            timer.cancel()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        tick = self._tick
        if tick is not None:  # a signal handler runs between the loop's turns: wake it at once
            tick.get_loop().call_soon_threadsafe(_wake, tick)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # closing twice (again in super().shutdown) is a no-op
        for sock in sockets or []:
            sock.close()
        drain.state.draining = True
        await asyncio.sleep(DRAIN_S)
        deadline = time.monotonic() + IDLE_LINGER_S
        while self.server_state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await super().shutdown(sockets)


class DrainingUvicornWorker(UvicornWorker):
    """uvicorn_worker.UvicornWorker (pinned 0.4.0) serving through DrainingServer, with the
    bundle's WebSocket message limit (SERVER_WS_MAX_SIZE): UvicornWorker passes no ws_max_size."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.config.ws_max_size = ServerSettings().ws_max_size

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        server = self.uvicorn_server = DrainingServer(config=self.config)  # read by gunicorn_metrics
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
