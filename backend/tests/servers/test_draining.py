"""A worker shutting down must answer a request that reached a connection it already accepted.

The race is made deterministic: the server accepts the connection, the request bytes land in
its socket, and shutdown starts before the event loop has had a turn to read them.
"""

import asyncio
import inspect
import socket

from uvicorn.config import Config
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from servers.draining import DrainingServer, DrainingUvicornWorker

REQUEST = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"


async def app(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def answer_during_shutdown(server_class: type[Server]) -> bytes:
    """What a client gets for a request sent on an accepted, idle connection as shutdown begins."""
    sock = socket.create_server(("127.0.0.1", 0))
    config = Config(app=app, lifespan="off", log_level="warning")
    config.load()
    server = server_class(config)
    server.lifespan = config.lifespan_class(config)  # what Server._serve sets up
    await server.startup(sockets=[sock])
    reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
    while not server.server_state.connections:  # accepted, nothing read yet
        await asyncio.sleep(0)
    writer.write(REQUEST)  # an empty transport buffer sends at once: in the server's socket now
    await server.shutdown(sockets=[sock])  # no loop turn between the bytes and the shutdown
    try:
        return await asyncio.wait_for(reader.read(), 5)
    except ConnectionResetError:
        return b"<reset>"
    finally:
        writer.close()


def test_draining_server_answers_the_request():
    answer = asyncio.run(answer_during_shutdown(DrainingServer))
    # The whole response, then the end of the stream (read() returned): the worker still exits.
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\nok"), answer


def test_stock_uvicorn_resets_it():
    """Why the drain exists; if a Uvicorn upgrade makes this fail, the drain may go."""
    answer = asyncio.run(answer_during_shutdown(Server))
    assert not answer.startswith(b"HTTP/1.1 200"), answer


def test_worker_is_the_pinned_uvicorn_worker_but_for_its_server():
    """DrainingUvicornWorker._serve is the installed UvicornWorker._serve, serving through
    DrainingServer (kept on the worker for servers/gunicorn_metrics.py): an upgrade that changes
    upstream's _serve fails here until the copy follows."""
    upstream = inspect.getsource(UvicornWorker._serve)
    assert upstream.count("server = Server(config=self.config)") == 1, upstream
    ours = upstream.replace(
        "server = Server(config=self.config)",
        "server = self.uvicorn_server = DrainingServer(config=self.config)  # read by gunicorn_metrics",
    )
    assert inspect.getsource(DrainingUvicornWorker._serve) == ours, upstream
    assert DrainingUvicornWorker.__mro__[1] is UvicornWorker


async def answer_on_an_idle_connection_after_shutdown_began(server_class: type[Server]) -> bytes:
    """A keep-alive connection that served one request and sits idle as shutdown begins; the next
    request on it comes 0.3 s later (Nginx reusing its cached upstream connection)."""
    from servers.middleware import drain  # noqa: PLC0415

    drain.state.draining = False
    sock = socket.create_server(("127.0.0.1", 0))
    config = Config(app=drain.CloseWhileDraining(app), lifespan="off", log_level="warning")
    config.load()
    server = server_class(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
    writer.write(REQUEST)
    first = await reader.readuntil(b"ok")
    assert first.startswith(b"HTTP/1.1 200") and b"connection: close" not in first.lower()
    shutdown = asyncio.create_task(server.shutdown(sockets=[sock]))
    await asyncio.sleep(0.3)
    try:
        writer.write(REQUEST)
        answer = await asyncio.wait_for(reader.read(), 5)
    except ConnectionError:
        answer = b"<reset>"
    finally:
        writer.close()
        await shutdown
        drain.state.draining = False
    return answer


def test_a_draining_worker_answers_on_its_idle_keepalive_connections_and_closes_them():
    answer = asyncio.run(answer_on_an_idle_connection_after_shutdown_began(DrainingServer))
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\nok"), answer
    assert b"connection: close" in answer.lower()  # and the stream ended: the server closed it


def test_stock_uvicorn_closes_them_under_the_next_request():
    """Why the linger exists: the request meets a closed connection (a 502 for a POST via Nginx)."""
    answer = asyncio.run(answer_on_an_idle_connection_after_shutdown_began(Server))
    assert not answer.startswith(b"HTTP/1.1 200"), answer


def test_the_worker_takes_the_bundles_websocket_message_limit(monkeypatch):
    from gunicorn.config import Config as GunicornConfig
    from gunicorn.glogging import Logger

    monkeypatch.setenv("SERVER_WS_MAX_SIZE", "4096")
    cfg = GunicornConfig()
    worker = DrainingUvicornWorker(0, 0, [], None, 30, cfg, Logger(cfg))
    assert worker.config.ws_max_size == 4096  # UvicornWorker alone leaves Uvicorn's 16 MiB


async def ticks(server: DrainingServer, *windows: float) -> list[int]:
    """on_tick calls in each window of seconds, one after the other; then a SIGTERM's handler,
    and the loop must end within 50 ms (a signal wakes a slow tick at once)."""
    import signal  # noqa: PLC0415

    calls = 0
    on_tick = server.on_tick

    async def counted(counter: int) -> bool:
        nonlocal calls
        calls += 1
        return await on_tick(counter)

    server.on_tick = counted
    loop = asyncio.create_task(server.main_loop())
    counts = []
    for window in windows:
        before = calls
        await asyncio.sleep(window)
        counts.append(calls - before)
    server.handle_exit(signal.SIGTERM, None)
    await asyncio.wait_for(loop, 0.05)
    return counts


def draining_server() -> DrainingServer:
    config = Config(app=app, lifespan="off", log_level="warning", limit_max_requests=1000)
    config.load()
    return DrainingServer(config)


def test_an_idle_worker_ticks_once_a_second_and_a_signal_stops_it_at_once(monkeypatch):
    monkeypatch.setattr("servers.draining.SLOW_AFTER_S", 1.0)
    server = draining_server()
    fast, _, slow = asyncio.run(ticks(server, 0.6, 0.6, 2.0))
    assert fast >= 3  # Uvicorn's 0.1 s tick while requests may come (the request limit is checked)
    assert slow <= 3  # then once a second (Uvicorn's own: 20)
    assert dict(server.server_state.default_headers)[b"date"].endswith(b" GMT")  # the same tick keeps it


def test_a_request_brings_the_fast_tick_back(monkeypatch):
    monkeypatch.setattr("servers.draining.SLOW_AFTER_S", 0.2)
    server = draining_server()

    async def scenario() -> list[int]:
        async def requests_from_now_on() -> None:
            await asyncio.sleep(0.6)  # slow by now
            while True:
                server.server_state.total_requests += 1
                await asyncio.sleep(0.05)

        task = asyncio.get_running_loop().create_task(requests_from_now_on())
        counts = await ticks(server, 1.5, 1.0)  # by 1.5 s the slow tick (at most 1 s) has seen them
        task.cancel()
        return counts

    _, busy = asyncio.run(scenario())
    assert busy >= 4  # 0.1 s ticks again (the slow one: at most 2 in that second)
