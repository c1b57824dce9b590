"""Is a process alive? (what the metrics directory's bookkeeping asks of every pid it finds)"""

import os


def alive(pid: int) -> bool:
    """Is ``pid`` a running process? A zombie (exited, not yet reaped) is not."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel (a zombie then counts as alive until reaped)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
