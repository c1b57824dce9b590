"""Which peers may set X-Forwarded-* headers: "connected" means the subnets this container is
attached to, less their gateways. In the bundle the app sits only on the internal network it
shares with Nginx, so that is the proxy network, whatever addresses Docker picked for it; the
gateway address is the Docker host itself, which is not a proxy and is never trusted."""

import ipaddress
from pathlib import Path

ROUTES = Path("/proc/net/route")


def _routes(routes: Path) -> list[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address, int]]:
    """(destination, gateway, prefix length) of each IPv4 route, loopback excluded."""
    out = []
    for line in routes.read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[0] == "lo":
            continue
        dest, gw, mask = (int.from_bytes(bytes.fromhex(f), "little") for f in (fields[1], fields[2], fields[7]))
        out.append((ipaddress.IPv4Address(dest), ipaddress.IPv4Address(gw), bin(mask).count("1")))
    return out


def connected_subnets(routes: Path = ROUTES) -> list[str]:
    try:
        table = _routes(routes)
    except OSError:
        return ["127.0.0.1"]
    on_link = [ipaddress.IPv4Network((d, p)) for d, g, p in table if int(g) == 0 and int(d) != 0]
    # Gateways: the default route's, and Docker's convention of the first address of a bridge.
    gateways = {g for d, g, p in table if int(g)} | {next(n.hosts()) for n in on_link if n.num_addresses > 2}
    trusted: list[ipaddress.IPv4Network] = []
    for net in on_link:
        parts = [net]
        for gw in (g for g in gateways if g in net):
            parts = [
                piece
                for part in parts
                for piece in (part.address_exclude(ipaddress.IPv4Network(gw)) if gw in part else [part])
            ]
        trusted.extend(parts)
    return sorted({str(n) for n in ipaddress.collapse_addresses(trusted)}) or ["127.0.0.1"]


MAX_ADDRESSES = 65_536  # a /16's worth, for servers that take addresses only


def addresses(networks: list[str], limit: int = MAX_ADDRESSES) -> list[str]:
    """Every host address of the networks, for servers older than CIDR support (Gunicorn 23,
    Uvicorn 0.30 compare the peer against a set of addresses)."""
    nets = [ipaddress.ip_network(n) for n in networks]
    if sum(n.num_addresses for n in nets) > limit:
        raise SystemExit(
            f"servers: the proxy network ({', '.join(networks)}) is too large to list address by address for this"
            " Gunicorn/Uvicorn, which take no CIDR networks: set SERVER_FORWARDED_ALLOW_IPS to Nginx's address,"
            " or use Gunicorn >= 24 and Uvicorn >= 0.32"
        )
    return [str(a) for n in nets for a in (n.hosts() if n.num_addresses > 2 else n)]


def trusted_proxies(setting: str, networks: bool = True) -> str:
    """The forwarded_allow_ips value for the servers: "connected" as networks, or as addresses
    where the installed servers take no networks (``networks=False``: servers/compat.py)."""
    if setting != "connected":
        return setting
    subnets = connected_subnets()
    return ",".join(subnets if networks else addresses(subnets))
