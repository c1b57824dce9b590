"""The Swarm stack file (loadtest/bundle/swarm_stack.py) says what docker-compose.yml says: the same
images, environment, healthchecks, limits and replicas, with nothing `docker stack deploy`
rejects, and the Swarm-only parts the README promises (dnsrr, host-mode ports, secrets, tmpfs
mounts, the app's update and rollback policy). Needs the Docker CLI's compose plugin, no engine
work: `docker stack deploy` itself is exercised by tests/test_swarm.py."""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from loadtest.bundle.host import make_secrets
from loadtest.bundle.stack import STORES, store_env
from tests.conftest import ROOT

pytestmark = pytest.mark.containers

GENERATOR = ROOT / "loadtest" / "bundle" / "swarm_stack.py"
OVERRIDES = yaml.safe_load((ROOT / "compose" / "swarm" / "overrides.yml").read_text())["services"]
REJECTED = {"build", "profiles", "depends_on", "container_name", "restart", "security_opt", "tmpfs", "cpuset",
            "pull_policy", "develop", "group_add", "shm_size"}  # fmt: skip


@pytest.fixture(scope="module", params=list(STORES))
def store(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def env(store, certs, tmp_path_factory) -> dict:
    password_file = make_secrets(ROOT, tmp_path_factory.mktemp("secrets"))
    return {**os.environ, "APP_UPSTREAM": "tcp", "APP_REPLICAS": "2", "CERTS_DIR": str(certs / "live"),
            "HTTP_PORT": "28080", "HTTPS_PORT": "28443", "POSTGRES_PASSWORD_FILE": str(password_file),
            **store_env(store, ROOT)}  # fmt: skip


def _profiles(store: str) -> list[str]:
    return [a for p in ["prod", *STORES[store][0]] for a in ("--profile", p)]


@pytest.fixture(scope="module")
def compose(store, env) -> dict:
    cmd = ["docker", "compose", *_profiles(store), "config", "--format", "json"]
    return json.loads(subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout)


@pytest.fixture(scope="module")
def stack(store, env) -> dict:
    cmd = [sys.executable, str(GENERATOR), "--stack", "check", *_profiles(store)]
    return yaml.safe_load(subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout)


def test_same_services_images_healthchecks_replicas(compose, stack):
    assert set(stack["services"]) == set(compose["services"])
    for name, svc in compose["services"].items():
        gen = stack["services"][name]
        assert gen["image"] == svc["image"], name
        if "healthcheck" in svc:
            expected = {k: v for k, v in svc["healthcheck"].items() if k != "start_interval"}
            if name == "app":  # Swarm restarts on it: liveness, where compose waits on readiness
                assert expected["test"][-1] == "ready" and gen["healthcheck"]["test"][-1] == "live"
                expected["test"] = [*expected["test"][:-1], "live"]
            assert gen["healthcheck"] == expected, name
        assert gen.get("command") == svc.get("command"), name
        assert gen["deploy"].get("replicas") == (svc.get("deploy") or {}).get("replicas"), name
        assert gen.get("read_only") == svc.get("read_only"), name
        assert gen.get("cap_drop") == svc.get("cap_drop"), name


def test_same_environment(compose, stack):
    for name, svc in compose["services"].items():
        want = {k: str(v) for k, v in (svc.get("environment") or {}).items() if v is not None}
        want |= (OVERRIDES.get(name) or {}).get("environment") or {}
        got = dict(stack["services"][name].get("environment") or {})
        if name == "nginx":  # the service name is added, for generators on the frontend network
            assert got.pop("SERVER_NAME") == f"{want.pop('SERVER_NAME')} nginx"
        assert got == want, name


def test_same_limits(compose, stack):
    for name, svc in compose["services"].items():
        want = ((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}
        got = stack["services"][name]["deploy"].get("resources", {}).get("limits", {})
        assert float(got.get("cpus", 0)) == float(want.get("cpus", 0)), name
        assert int(got.get("memory", 0)) == int(want.get("memory", 0)), name


def test_nothing_stack_deploy_rejects(stack):
    assert "name" not in stack and stack["version"] == "3.9"
    for name, svc in stack["services"].items():
        assert not (REJECTED & set(svc)), (name, REJECTED & set(svc))
        for mount in svc.get("volumes", []):
            assert set(mount) <= {"type", "source", "target", "read_only", "tmpfs", "volume"}, (name, mount)


def test_tmpfs_becomes_a_mount_and_the_socket_volume_goes(compose, stack):
    for name, svc in compose["services"].items():
        mounts = stack["services"][name].get("volumes", [])
        for spec in svc.get("tmpfs") or []:
            assert {"type": "tmpfs", "target": spec.split(":")[0]} in [
                {k: m[k] for k in ("type", "target")} for m in mounts
            ], name
        assert not any(m.get("source") == "appsock" for m in mounts), name
    assert "appsock" not in (stack.get("volumes") or {})


def test_tls_key_and_passwords_are_secrets(compose, stack, certs):
    nginx = stack["services"]["nginx"]
    assert not any(m["target"] == "/etc/nginx/certs" for m in nginx.get("volumes", []))
    targets = {s["target"]: s for s in nginx["secrets"]}
    assert set(targets) == {"/etc/nginx/certs/server.crt", "/etc/nginx/certs/server.key"}
    assert targets["/etc/nginx/certs/server.key"]["mode"] == 0o440
    assert stack["secrets"]["tls_key"]["file"] == str(certs / "live" / "server.key")
    for key in compose.get("secrets") or {}:  # e.g. postgres_password: the same name, from its file
        assert stack["secrets"][key]["file"] == compose["secrets"][key]["file"]
        assert stack["secrets"][key]["name"].startswith(f"check_{key}_")


def test_dnsrr_and_host_mode_ports(stack):
    for name, svc in stack["services"].items():
        assert svc["deploy"]["endpoint_mode"] == "dnsrr", name
        assert all(p["mode"] == "host" for p in svc.get("ports", [])), name
    assert {(p["published"], p["target"], p["protocol"]) for p in stack["services"]["nginx"]["ports"]} == {
        (28080, 8080, "tcp"), (28443, 8443, "tcp"), (28443, 8443, "udp")}  # fmt: skip


def _seconds(text: str) -> float:
    return float(re.fullmatch(r"(\d+)s", text).group(1))


def test_app_update_policy(stack):
    fail_timeout = re.search(r"fail_timeout=(\d+)s", (ROOT / "nginx" / "docker-entrypoint.sh").read_text())
    deploy = stack["services"]["app"]["deploy"]
    update = deploy["update_config"]
    assert (update["order"], update["parallelism"], update["failure_action"]) == ("start-first", 1, "rollback")
    assert _seconds(update["delay"]) > float(fail_timeout.group(1))
    assert _seconds(update["monitor"]) > 0
    assert deploy["rollback_config"]["order"] == "start-first"
    assert stack["services"]["app"]["environment"]["SERVER_UPSTREAM"] == "tcp"
    assert deploy["replicas"] >= 2


def test_refuses_the_unix_socket_and_one_replica(env):
    for bad in ({"APP_UPSTREAM": "unix"}, {"APP_REPLICAS": "1"}):
        out = subprocess.run([sys.executable, str(GENERATOR), "--stack", "x"], cwd=ROOT, env={**env, **bad},
                             capture_output=True, text=True)  # fmt: skip
        assert out.returncode != 0 and "Swarm stack needs" in out.stderr, bad


def test_postgres_is_one_task_pinned_by_a_label_and_migrate_runs_once(store, stack):
    services = stack["services"]
    assert services["migrate"]["deploy"]["restart_policy"]["condition"] == "on-failure"
    if store == "sqlite":
        assert "postgres" not in services
        return
    pg = services["postgres"]
    assert pg["deploy"].get("replicas", 1) == 1
    assert "node.labels.apibundle.postgres == true" in pg["deploy"]["placement"]["constraints"]
    assert {"type": "tmpfs", "target": "/dev/shm", "tmpfs": {"size": 128 << 20}} in pg["volumes"]  # shm_size
    assert services["app"]["environment"]["APP_DATABASE_URL"].startswith("postgresql://app@postgres:5432/")


def test_the_monitoring_profile_generates_without_publishing_prometheus(store, env):
    # MONITORING=1 adds the profile; the services come from docker-compose.yml like every other,
    # but Prometheus (no authentication, loopback-only under compose) publishes nothing in Swarm,
    # where a host-mode port would bind every address of the node.
    profiles = [*_profiles(store), "--profile", "monitoring"]
    cmd = ["docker", "compose", *profiles, "config", "--format", "json"]
    compose = json.loads(subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout)
    assert compose["services"]["prometheus"]["ports"][0]["host_ip"] == "127.0.0.1"
    out = subprocess.run([sys.executable, str(GENERATOR), "--stack", "check", *profiles], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    stack = yaml.safe_load(out.stdout)
    prometheus, exporter = stack["services"]["prometheus"], stack["services"]["nginx-exporter"]
    assert "ports" not in prometheus and "ports" not in exporter
    assert [p for s in stack["services"].values() for p in s.get("ports", [])] == stack["services"]["nginx"]["ports"]
    for svc, name in ((prometheus, "prometheus"), (exporter, "nginx-exporter")):
        assert svc["image"] == compose["services"][name]["image"]
        assert svc["command"] == compose["services"][name]["command"]
        assert svc["user"] == "65534:65534" and svc["read_only"] is True and svc["cap_drop"] == ["ALL"]
        assert svc["deploy"]["restart_policy"]["condition"] == "any"
    assert prometheus["healthcheck"]["test"] == compose["services"]["prometheus"]["healthcheck"]["test"]
    assert {"type": "volume", "source": "prometheus-data", "target": "/prometheus"} in prometheus["volumes"]
    assert set(prometheus["networks"]) == {"backend", "monitoring"} and set(exporter["networks"]) == {"backend"}
    assert stack["networks"]["backend"] == {"driver": "overlay", "internal": True}
    assert "prometheus-data" in stack["volumes"]


def _rotated(service: dict) -> bool:
    logging = service.get("logging") or {}
    options = logging.get("options") or {}
    return logging.get("driver") == "json-file" and bool(options.get("max-size")) and bool(options.get("max-file"))


def test_every_service_rotates_its_log_in_compose_and_in_the_stack(store, env, stack):
    # Without max-size a json-file log grows without bound (Nginx writes a line per request).
    profiles = [a for p in ["prod", "dev", "monitoring", *STORES[store][0]] for a in ("--profile", p)]
    cmd = ["docker", "compose", *profiles, "config", "--format", "json"]
    everything = json.loads(subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout)
    assert {"nginx", "app", "app-dev", "migrate", "prometheus", "nginx-exporter"} <= set(everything["services"])
    assert [n for n, s in everything["services"].items() if not _rotated(s)] == []
    assert [n for n, s in stack["services"].items() if not _rotated(s)] == []
    assert stack["services"]["nginx"]["logging"]["options"] == {"max-size": "10m", "max-file": "3"}


def test_the_swarm_load_generator_rotates_its_log_too(env):
    cmd = ["docker", "compose", "-f", "compose/swarm/locust.yml", "config", "--format", "json"]
    services = json.loads(subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout)
    assert [n for n, s in services["services"].items() if not _rotated(s)] == []
