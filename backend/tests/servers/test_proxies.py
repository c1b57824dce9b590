from servers.proxies import connected_subnets, trusted_proxies

ROUTE = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010013AC\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000013AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth1\t0050A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""


def test_connected_subnets_are_on_link_routes_only(tmp_path):
    routes = tmp_path / "route"
    routes.write_text(ROUTE)
    assert connected_subnets(routes) == ["172.19.0.0/16", "192.168.80.0/24"]


def test_no_route_table_trusts_loopback_only(tmp_path):
    assert connected_subnets(tmp_path / "missing") == ["127.0.0.1"]


def test_explicit_setting_is_used_as_is():
    assert trusted_proxies("10.0.0.5,10.0.0.6") == "10.0.0.5,10.0.0.6"
