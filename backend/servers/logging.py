"""Structured JSON logs on stdout, one object per line, for the app and its server.

Records are queued by the request path and formatted and written by a background thread
that writes whatever has accumulated in one go: a log line costs the request a queue put,
not a formatted write system call (see loadtest's middleware-cost measurement).
Structured fields travel in ``extra={"fields": {...}}``.

The access line, one per request, skips the logging machinery: ``access(...)`` queues a
plain tuple that the writer turns into the same JSON line. Measured per line on this
machine: logger.info with its LogRecord and handler chain ~7 us, the tuple ~1 us. The writer
writes that line with one f-string (the JSON encoder's own C string escaping for each string),
the same bytes as encoding the dict, at a third of the cost: the writer's time is the app's CPU.

The queue is bounded (``APP_LOG_QUEUE_MAX`` lines): when stdout cannot keep up (a blocked
log shipper, a full pipe), new lines are dropped and counted rather than held in memory
without limit. The count is in /api/health (``log_lines_dropped``) and, with metrics on, in
``app_log_lines_dropped_total`` (counted as each line is dropped: a blocked writer cannot delay
it), and the writer logs one warning per batch in which lines were dropped.
"""

import atexit
import json
import logging
import queue
import sys
import threading
import time
from contextvars import ContextVar
from logging.handlers import QueueHandler

BATCH_INTERVAL_S = 0.05  # how stale a log line may get; the request path never waits for it
# The current request's id: set by servers/middleware/observe.py, read by every log line.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_encode = json.JSONEncoder(default=str).encode  # json.dumps(..., default=str) builds one per call
_string = json.encoder.encode_basestring_ascii  # a str as _encode writes it (quoted, ensure_ascii)
_int, _float = int.__repr__, float.__repr__  # an int (subclass too) and a finite float, as _encode
_RID = '"request_id": '


class JsonFormatter(logging.Formatter):
    _second: tuple[int, str] = (-1, "")  # the last whole second, formatted once

    _milli: tuple[int, str] = (-1, "")  # the last millisecond, formatted once (lines come in bursts)

    def _timestamp(self, t: float) -> str:
        milli, stamp = self._milli
        if int(t * 1000) == milli:
            return stamp
        second, text = self._second
        if int(t) != second:
            second, text = int(t), time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
            self._second = (second, text)
        stamp = f"{text}.{int(t % 1 * 1000):03d}Z"
        self._milli = (int(t * 1000), stamp)
        return stamp

    def _entry(self, t: float, level: str, logger: str, msg: str, rid: str | None, fields: dict | None) -> dict:
        entry = {"ts": self._timestamp(t), "level": level, "logger": logger, "msg": msg}
        if rid:
            entry["request_id"] = rid
        if fields:
            entry.update(fields)
        return entry

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id.get()
        entry = self._entry(record.created, record.levelname.lower(), record.name, record.getMessage(),
                           rid, getattr(record, "fields", None))  # fmt: skip
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _encode(entry)

    def format_access(self, t: float, rid, method, path, status, seconds, client) -> str:
        """The access line: the bytes ``_encode`` writes for its entry, written directly."""
        duration = round(seconds * 1000, 2)
        try:  # each of these raises TypeError on what JSON would write otherwise (a bool, None...)
            fast = (
                f'{{"ts": "{self._timestamp(t)}", "level": "info", "logger": "app.access", "msg": "request"'
                f'{f", {_RID}{_string(rid)}" if rid else ""}, "method": {_string(method)}, "path": {_string(path)},'
                f' "status": {_int(status)}, "duration_ms": {_float(duration)},'
                f' "client": {"null" if client is None else _string(client)}}}'
            )
            if type(status) is not bool:
                return fast
        except TypeError:
            pass
        fields = {"method": method, "path": path, "status": status, "duration_ms": duration, "client": client}
        return _encode(self._entry(t, "info", "app.access", "request", rid, fields))


class _BoundedQueue:
    """A SimpleQueue (lock-free put) with an approximate bound: qsize() is one C call, so the
    bound may be overshot by the few threads that check at the same instant, never by more."""

    def __init__(self, maxsize: int) -> None:
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self.maxsize = maxsize
        self.dropped = 0  # since start; read by /api/health
        self.on_drop = None  # called once per dropped line (the metrics counter), when set
        self.reported = 0  # how many of those the writer has already warned about
        self.get, self.get_nowait = self._q.get, self._q.get_nowait

    def put(self, item) -> None:
        if self._q.qsize() >= self.maxsize:
            self.dropped += 1  # only the event loop and a few threads put: a lost increment is harmless
            if self.on_drop is not None:
                self.on_drop()
        else:
            self._q.put(item)

    put_nowait = put


class _ContextQueueHandler(QueueHandler):
    """Queues the record unformatted, with the request id of the request that logged it."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.request_id = getattr(record, "request_id", None) or request_id.get()
        return record


class _BatchWriter(threading.Thread):
    """Drains the queue, formats, and writes each batch with a single write and flush."""

    def __init__(self, q: _BoundedQueue, stream, formatter: JsonFormatter) -> None:
        super().__init__(name="log-writer", daemon=True)
        self.q, self.stream, self.formatter = q, stream, formatter

    def _line(self, item: logging.LogRecord | tuple) -> str:
        if isinstance(item, logging.LogRecord):
            return self.formatter.format(item)
        return self.formatter.format_access(*item)

    def _drain(self, first: logging.LogRecord | tuple) -> None:
        lines = [self._line(first)]
        while len(lines) < 1000:
            try:
                lines.append(self._line(self.q.get_nowait()))
            except queue.Empty:
                break
        if self.q.dropped > self.q.reported:
            newly, self.q.reported = self.q.dropped - self.q.reported, self.q.dropped
            lines.append(self._warning(newly))
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()

    def _warning(self, newly: int) -> str:
        record = logging.LogRecord("servers.logging", logging.WARNING, __file__, 0, "log queue full: lines dropped",
                                   None, None)  # fmt: skip
        record.fields = {"dropped": newly, "dropped_total": self.q.dropped, "queue_max": self.q.maxsize}
        return self.formatter.format(record)

    def run(self) -> None:
        while True:
            self._drain(self.q.get())
            # Let lines accumulate: one wake-up (and GIL hand-over) per batch, not per line.
            time.sleep(BATCH_INTERVAL_S)

    def flush(self) -> None:
        try:
            while True:
                self._drain(self.q.get_nowait())
        except queue.Empty:
            pass


_writer: _BatchWriter | None = None


def dropped_lines() -> int:
    """Log lines dropped since start because the queue was full."""
    return _writer.q.dropped if _writer is not None else 0


def on_drop(count) -> None:
    """Call ``count()`` for every line dropped from now on (app_log_lines_dropped_total)."""
    if _writer is not None:
        _writer.q.on_drop = count


def access(method: str, path: str, status: int, seconds: float, client: str | None) -> None:
    """Queue one access-log line (the request id is the current request's): ``method``, ``path``,
    ``status``, ``duration_ms`` (``seconds``, rounded by the writer), ``client``."""
    if _writer is not None:
        _writer.q.put((time.time(), request_id.get(), method, path, status, seconds, client))


def configure(level: str, queue_max: int) -> None:
    """Start the writer; ``queue_max``: AppSettings.log_queue_max (APP_LOG_QUEUE_MAX)."""
    global _writer
    # The logging docs' "Optimization" switches: no caller lookup (a stack walk per record),
    # no thread, process or task names; the JSON line has no use for them.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.logAsyncioTasks = False
    if _writer is None:
        _writer = _BatchWriter(_BoundedQueue(queue_max), sys.stdout, JsonFormatter())
        _writer.start()
        atexit.register(_writer.flush)
    root = logging.getLogger()
    _writer.q.maxsize = queue_max
    root.handlers[:] = [_ContextQueueHandler(_writer.q)]
    root.setLevel(level)
    # The servers' own access logs are off: the app's (servers/middleware/observe.py) has the request id.
    for name in ("uvicorn", "uvicorn.error", "gunicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for name in ("uvicorn.access", "gunicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).disabled = True
