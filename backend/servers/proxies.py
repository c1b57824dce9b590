"""Which peers may set X-Forwarded-* headers: "connected" means the subnets this container is
attached to. In the bundle the app sits only on the internal network it shares with Nginx,
so that is the proxy network, whatever addresses Docker picked for it."""

import ipaddress
from pathlib import Path

ROUTES = Path("/proc/net/route")


def connected_subnets(routes: Path = ROUTES) -> list[str]:
    subnets = []
    try:
        lines = routes.read_text().splitlines()[1:]
    except OSError:
        return ["127.0.0.1"]
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or fields[0] == "lo":
            continue
        destination, gateway, mask = (int.from_bytes(bytes.fromhex(f), "little") for f in (fields[1], fields[2], fields[7]))
        if gateway != 0 or destination == 0:
            continue  # only on-link networks, never the default route
        net = ipaddress.IPv4Network((destination, bin(mask).count("1")), strict=False)
        subnets.append(str(net))
    return sorted(set(subnets)) or ["127.0.0.1"]


def trusted_proxies(setting: str) -> str:
    return ",".join(connected_subnets()) if setting == "connected" else setting
