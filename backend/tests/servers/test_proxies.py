import ipaddress

from servers.proxies import connected_subnets, trusted_proxies

ROUTE = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010013AC\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000013AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth1\t0050A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""


def test_connected_subnets_are_on_link_routes_less_their_gateways(tmp_path):
    routes = tmp_path / "route"
    routes.write_text(ROUTE)
    trusted = [ipaddress.ip_network(n) for n in connected_subnets(routes)]
    everything = [ipaddress.ip_network("172.19.0.0/16"), ipaddress.ip_network("192.168.80.0/24")]
    for gateway in ("172.19.0.1", "192.168.80.1"):  # the default gateway, and a bridge's first address
        assert not any(ipaddress.ip_address(gateway) in n for n in trusted)
    for inside in ("172.19.0.2", "172.19.255.254", "192.168.80.2", "192.168.80.200"):
        assert any(ipaddress.ip_address(inside) in n for n in trusted)
    assert all(any(n.subnet_of(e) for e in everything) for n in trusted)  # nothing outside them


def test_no_route_table_trusts_loopback_only(tmp_path):
    assert connected_subnets(tmp_path / "missing") == ["127.0.0.1"]


def test_explicit_setting_is_used_as_is():
    assert trusted_proxies("10.0.0.5,10.0.0.6") == "10.0.0.5,10.0.0.6"


def test_servers_without_cidr_support_get_every_address(monkeypatch):
    from servers import proxies  # noqa: PLC0415

    monkeypatch.setattr(proxies, "connected_subnets", lambda: ["172.20.0.0/30", "172.20.0.8/29"])
    assert proxies.trusted_proxies("connected") == "172.20.0.0/30,172.20.0.8/29"
    listed = proxies.trusted_proxies("connected", networks=False).split(",")
    assert listed[:2] == ["172.20.0.1", "172.20.0.2"] and len(listed) == 2 + 6
    assert proxies.trusted_proxies("10.1.2.3", networks=False) == "10.1.2.3"


def test_a_network_too_large_to_list_stops_the_start_in_one_line(monkeypatch):
    import pytest  # noqa: PLC0415

    from servers import proxies  # noqa: PLC0415

    monkeypatch.setattr(proxies, "connected_subnets", lambda: ["10.0.0.0/8"])
    with pytest.raises(SystemExit, match="too large to list"):
        proxies.trusted_proxies("connected", networks=False)


def test_the_installed_servers_take_networks():
    from servers import compat  # noqa: PLC0415

    assert compat.trusts_networks()  # the demo's pins (Gunicorn 27, Uvicorn 0.54)
