"""Uvicorn's command line, run in this process (``python -m servers.uvicorn_cli`` takes
Uvicorn's own options): ``--forwarded-allow-ips connected`` becomes the proxy network here,
not in an exec'd argv. Uvicorn older than CIDR support (servers/compat.py) needs that network
address by address, and a /16's list (~900 kB) is over the kernel's 128 KiB limit on one exec
argument: the exec failed with E2BIG and the server never started."""

import sys

from uvicorn.main import main as uvicorn_main

from servers import compat
from servers.proxies import trusted_proxies

OPTION = "--forwarded-allow-ips"


def resolve(argv: list[str]) -> list[str]:
    """argv with the value of --forwarded-allow-ips resolved (servers/proxies.py)."""
    if OPTION not in argv:
        return argv
    i = argv.index(OPTION) + 1
    return [*argv[:i], trusted_proxies(argv[i], compat.trusts_networks()), *argv[i + 1 :]]


if __name__ == "__main__":
    uvicorn_main(resolve(sys.argv[1:]))
