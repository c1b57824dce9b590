"""Counter cells for the request path: one float, written straight into this process's file.

prometheus-client's multiprocess value takes a lock, checks the pid and looks its key up on
every ``inc`` (0.57 us here); a request writes three of them. A cell keeps its running total
and its position in the mmap file and writes the two doubles itself (0.12 us), the same bytes
``MmapedDict.write_value`` writes. Only for values that one thread alone writes (the event loop:
the request metrics' series and in-progress gauge); a cell belongs to the process that made it
(after a fork, make new ones: servers/middleware/metrics.py drops its cells in every forked child).

Without a multiprocess directory (unit tests) a cell is the library's own value.
"""

import struct

pack_two_doubles = struct.Struct("dd").pack_into  # value, timestamp: prometheus_client.mmap_dict's layout


class MmapCell:
    """``inc`` is the whole write; the hottest caller (servers/middleware/metrics.py) inlines it:
    ``c.total += n; pack_two_doubles(c.file._m, c.pos, c.total, 0.0)`` (``_m``: the file may
    have grown into a new mapping since)."""

    __slots__ = ("file", "pos", "total")

    def __init__(self, value) -> None:
        self.total = value.get()  # also makes the value (re)open this process's file after a fork
        self.file = value._file
        self.pos = value._file._positions[value._key]

    def inc(self, amount: float) -> None:
        self.total += amount
        pack_two_doubles(self.file._m, self.pos, self.total, 0.0)


def cell(value):
    """A fast ``inc`` for a metric child's value (``Counter.labels(...)._value`` and the like)."""
    return MmapCell(value) if getattr(value, "_multiprocess", False) else value
