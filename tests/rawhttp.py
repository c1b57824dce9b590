"""Raw HTTP/1.x over a plain or TLS socket, for requests that httpx would refuse to send or
would normalize (bad paths, missing Host, conflicting framing headers, slow clients)."""

import re
import socket
import ssl
import time
import uuid

_STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3}) ")


def connect(port: int, tls: ssl.SSLContext | None = None, timeout: float = 10) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        sock = tls.wrap_socket(sock, server_hostname="localhost")
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset counts as the end)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, ssl.SSLEOFError):
        pass
    return data


def exchange(port: int, data: bytes, tls: ssl.SSLContext | None = None, timeout: float = 10) -> bytes:
    """Send `data` as is and return the whole answer (b"" when nginx closes without one: 444)."""
    with connect(port, tls, timeout) as sock:
        sock.sendall(data)
        return read_all(sock)


def raw_request(port: int, host_header: str, tls: ssl.SSLContext | None = None) -> bytes:
    return exchange(port, f"GET /api/health HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n".encode(), tls)


def status(response: bytes) -> int | None:
    match = _STATUS.match(response)
    return int(match.group(1)) if match else None


def body(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


def responses(data: bytes) -> int:
    """How many HTTP responses a byte stream holds (status lines at the start of a line)."""
    return len(re.findall(rb"(?:^|\r\n)HTTP/1\.[01] \d{3} ", data))


def logs_after_marker(stack, service: str, timeout: float = 10) -> str:
    """`service`'s logs ("app" or "nginx") once a fresh marker request shows up in them.

    A check that some request id is *absent* from the logs is only meaningful once everything
    sent before it has been processed and logged: this request goes after it and is waited for.
    """
    marker = f"marker-{uuid.uuid4().hex}"
    stack.get("/api/health", headers={"X-Request-ID": marker})
    deadline = time.monotonic() + timeout
    while True:
        logs = stack.logs(service)
        if marker in logs:
            return logs
        if time.monotonic() > deadline:
            raise AssertionError(f"marker request {marker} never showed up in the logs")
        time.sleep(0.2)


def wait_for_log(stack, service: str, text: str, timeout: float = 40) -> None:
    """Wait until ``text`` shows up in ``service``'s logs. Nginx logs a request when it is done
    with it: after a 413 in mid-body that includes its lingering close (up to lingering_time)."""
    deadline = time.monotonic() + timeout
    while text not in stack.logs(service):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text} never showed up in the {service} logs")
        time.sleep(0.5)
