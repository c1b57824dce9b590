"""Structured JSON logs on stdout, one object per line, for the app and its server.

Records are queued by the request path and formatted and written by a background thread
that writes whatever has accumulated in one go: a log line costs the request a queue put,
not a formatted write system call (see loadtest's middleware-cost measurement).
Structured fields travel in ``extra={"fields": {...}}``.
"""

import atexit
import json
import logging
import queue
import sys
import threading
import time
from logging.handlers import QueueHandler

from app.middleware.request_id import request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        t = record.created
        entry = {
            "ts": f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t))}.{int(t % 1 * 1000):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            entry["request_id"] = rid
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _ContextQueueHandler(QueueHandler):
    """Queues the record unformatted, with the request id of the request that logged it."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.request_id = getattr(record, "request_id", None) or request_id.get()
        return record


class _BatchWriter(threading.Thread):
    """Drains the queue, formats, and writes each batch with a single write and flush."""

    def __init__(self, q: queue.SimpleQueue, stream, formatter: logging.Formatter) -> None:
        super().__init__(name="log-writer", daemon=True)
        self.q, self.stream, self.formatter = q, stream, formatter

    def _drain(self, first: logging.LogRecord) -> None:
        lines = [self.formatter.format(first)]
        while len(lines) < 1000:
            try:
                lines.append(self.formatter.format(self.q.get_nowait()))
            except queue.Empty:
                break
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()

    def run(self) -> None:
        while True:
            self._drain(self.q.get())

    def flush(self) -> None:
        try:
            while True:
                self._drain(self.q.get_nowait())
        except queue.Empty:
            pass


_writer: _BatchWriter | None = None


def configure(level: str, access_log: bool) -> None:
    global _writer
    # The logging docs' "Optimization" switches: no caller lookup (a stack walk per record),
    # no thread, process or task names; the JSON line has no use for them.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.logAsyncioTasks = False
    if _writer is None:
        q: queue.SimpleQueue = queue.SimpleQueue()
        _writer = _BatchWriter(q, sys.stdout, JsonFormatter())
        _writer.start()
        atexit.register(_writer.flush)
    root = logging.getLogger()
    root.handlers[:] = [_ContextQueueHandler(_writer.q)]
    root.setLevel(level)
    # The servers' own access logs are off: the app's access log has the request id.
    for name in ("uvicorn", "uvicorn.error", "gunicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for name in ("uvicorn.access", "gunicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).disabled = True
    logging.getLogger("app.access").disabled = not access_log
