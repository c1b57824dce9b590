"""Generates the Swarm stack file from docker-compose.yml, so the two cannot drift.

    python3 loadtest/bundle/swarm_stack.py --stack NAME [--profile prod --profile postgres] [-o FILE]

It runs `docker compose config` on the chosen profiles (the environment is interpolated as for
`docker compose up`; APP_UPSTREAM defaults to tcp and APP_REPLICAS to 2, since tasks share no
socket), keeps what `docker stack deploy` understands and rewrites what it does not:

* dropped: build, profiles, depends_on (Swarm ignores it), restart (deploy.restart_policy
  instead), security_opt (no Swarm equivalent), names Compose gave networks/volumes/secrets;
* service-level tmpfs -> tmpfs volume mounts of the same size (the read-only Nginx writes its
  config there). The stack format has no mode or owner for them: Swarm gives the mount the mode
  of the image's folder, owned by root, so such folders are 1777 in the images (backend/servers/Dockerfile
  /run/metrics, like /tmp) while compose mounts them 0700 for the app's user; shm_size -> a tmpfs mount
  at /dev/shm of that size; group_add dropped (not in the stack format: Swarm mounts a secret
  0444 unless told otherwise, so the group that compose adds to read it is not needed);
* host-mode ports (this kernel has no IPVS for the ingress mesh), without host_ip;
* the unix-socket volume is dropped (tasks reach each other over TCP);
* the TLS certificate folder mounted into Nginx -> Swarm secrets tls_crt and tls_key at the
  same paths; every secret's name carries a hash of its content (Swarm secrets are immutable,
  so a new certificate or password is a new secret, rolled out by the next deploy);
* every service's endpoint_mode is SWARM_ENDPOINT_MODE (default dnsrr: a service name resolves to
  its tasks' addresses; `vip`, Swarm's own default, needs IPVS in the kernel, which this one lacks);
* SWARM_PUBLISH_MODE: host (default; one Nginx task per node and port) or ingress (the routing
  mesh: any node answers; needs IPVS);
* SWARM_REGISTRY (e.g. manager:5000): the bundle's images are named from that registry, so other
  nodes can pull them (README, "Images on other nodes");
* compose/swarm/overrides.yml merged in (update/rollback policy, placement); an empty list there
  removes the key (Prometheus' loopback-only port, which Swarm cannot express).

Standard library and PyYAML only (both in the project's venv).
"""

import argparse
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]  # run as a script too: no import of loadtest.bundle.paths
OVERRIDES = ROOT / "compose" / "swarm" / "overrides.yml"
STACK_VERSION = "3.9"  # what Docker 20.10's `docker stack deploy` reads (Debian's docker.io)
CERTS_TARGET = "/etc/nginx/certs"
SOCKET_VOLUME = "appsock"
NGINX_UID = "10001"  # the Nginx image's user and group (nginx/Dockerfile)

SERVICE_KEYS = {
    "image", "command", "entrypoint", "environment", "healthcheck", "networks", "ports", "volumes",
    "secrets", "configs", "read_only", "cap_add", "cap_drop", "user", "working_dir", "stop_grace_period",
    "stop_signal", "init", "ulimits", "sysctls", "labels", "logging", "hostname", "deploy", "tty", "stdin_open",
}  # fmt: skip
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "disable"}
DEPLOY_KEYS = {"mode", "replicas", "resources", "placement", "endpoint_mode", "labels", "restart_policy",
               "update_config", "rollback_config"}  # fmt: skip


def compose_config(profiles: list[str], env: dict[str, str]) -> dict:
    cmd = ["docker", "compose", "-f", str(ROOT / "docker-compose.yml")]
    for p in profiles:
        cmd += ["--profile", p]
    out = subprocess.run([*cmd, "config", "--format", "json"], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"docker compose config failed:\n{out.stderr}")
    return json.loads(out.stdout)


def size_bytes(text: str) -> int:
    m = re.fullmatch(r"(\d+)([kmg]?)b?", text.strip().lower())
    if not m:
        raise ValueError(f"unreadable tmpfs size {text!r}")
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2)]


def tmpfs_mount(spec: str) -> dict:
    target, _, opts = spec.partition(":")
    mount = {"type": "tmpfs", "target": target}
    for opt in filter(None, opts.split(",")):
        key, _, value = opt.partition("=")
        if key == "size":
            mount["tmpfs"] = {"size": size_bytes(value)}
        # mode, uid, gid: not in the stack format; the mount takes the image folder's mode (above).
    return mount


def mount(vol: dict) -> dict:
    out = {k: vol[k] for k in ("type", "source", "target", "read_only") if k in vol}
    if vol.get("type") == "volume" and (vol.get("volume") or {}).get("nocopy"):
        out["volume"] = {"nocopy": True}
    if vol.get("type") == "tmpfs" and (vol.get("tmpfs") or {}).get("size"):
        out["tmpfs"] = {"size": int(vol["tmpfs"]["size"])}
    return out


def secret_name(stack: str, key: str, path: Path) -> str:
    if not path.is_file():
        sys.exit(f"secret {key}: no file {path} (make certs / make secrets)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return f"{stack}_{key}_{digest}"


def merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in extra.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def service(name: str, svc: dict, secrets: dict, stack: str, env: dict[str, str]) -> dict:
    out = {k: copy.deepcopy(v) for k, v in svc.items() if k in SERVICE_KEYS and v is not None}
    if env.get("SWARM_REGISTRY") and out.get("image", "").startswith("apibundle/"):
        out["image"] = f"{env['SWARM_REGISTRY'].rstrip('/')}/{out['image']}"
    if "environment" in out:  # unset pass-through variables stay unset
        out["environment"] = {k: str(v) for k, v in out["environment"].items() if v is not None}
    if "healthcheck" in out:
        out["healthcheck"] = {k: v for k, v in out["healthcheck"].items() if k in HEALTHCHECK_KEYS}
    if "networks" in out:
        out["networks"] = {n: ({"aliases": c["aliases"]} if c and c.get("aliases") else None)
                           for n, c in out["networks"].items()}  # fmt: skip
    if "ports" in out:
        out["ports"] = [{"target": int(p["target"]), "published": int(p["published"]),
                         "protocol": p.get("protocol", "tcp"), "mode": env["SWARM_PUBLISH_MODE"]}
                        for p in out["ports"]]  # fmt: skip
    mounts = [tmpfs_mount(t) for t in svc.get("tmpfs") or []]
    if svc.get("shm_size"):
        mounts.append({"type": "tmpfs", "target": "/dev/shm", "tmpfs": {"size": int(svc["shm_size"])}})
    for vol in svc.get("volumes") or []:
        if vol.get("type") == "volume" and vol.get("source") == SOCKET_VOLUME:
            continue
        if vol.get("type") == "bind" and vol.get("target") == CERTS_TARGET:
            certs = Path(vol["source"])
            for key, file in (("tls_crt", "server.crt"), ("tls_key", "server.key")):
                secrets[key] = {"file": str(certs / file), "name": secret_name(stack, key, certs / file)}
                out.setdefault("secrets", []).append({"source": key, "target": f"{CERTS_TARGET}/{file}",
                                                      "uid": NGINX_UID, "gid": NGINX_UID, "mode": 0o440})  # fmt: skip
            continue
        mounts.append(mount(vol))
    if mounts:
        out["volumes"] = mounts
    else:
        out.pop("volumes", None)
    deploy = {k: v for k, v in (svc.get("deploy") or {}).items() if k in DEPLOY_KEYS and v}
    limits = (deploy.get("resources") or {}).get("limits") or {}
    for key in ("cpus", "memory"):  # the stack format wants strings
        if key in limits:
            limits[key] = str(limits[key])
    # dnsrr cannot publish through the ingress mesh: there, Nginx alone gets a virtual IP.
    mesh = env["SWARM_PUBLISH_MODE"] == "ingress" and "ports" in out
    deploy["endpoint_mode"] = "vip" if mesh else env["SWARM_ENDPOINT_MODE"]
    out["deploy"] = deploy
    return out


def generate(stack: str, profiles: list[str], env: dict[str, str]) -> dict:
    defaults = {
        "APP_UPSTREAM": "tcp",
        "APP_REPLICAS": "2",
        "SWARM_ENDPOINT_MODE": "dnsrr",
        "SWARM_PUBLISH_MODE": "host",
    }
    env = {**env, **{k: v for k, v in defaults.items() if not env.get(k)}}
    if env["SWARM_ENDPOINT_MODE"] not in ("dnsrr", "vip"):
        sys.exit(f"SWARM_ENDPOINT_MODE={env['SWARM_ENDPOINT_MODE']!r} is neither dnsrr nor vip")
    if env["SWARM_PUBLISH_MODE"] not in ("host", "ingress"):
        sys.exit(f"SWARM_PUBLISH_MODE={env['SWARM_PUBLISH_MODE']!r} is neither host nor ingress")
    if env["APP_UPSTREAM"] != "tcp":
        sys.exit("a Swarm stack needs APP_UPSTREAM=tcp: tasks share no unix socket")
    if int(env["APP_REPLICAS"]) < 2:
        sys.exit("a Swarm stack needs APP_REPLICAS >= 2: start-first rolling updates fail over between tasks")
    cfg = compose_config(profiles, env)
    overrides = yaml.safe_load(OVERRIDES.read_text())["services"]
    secrets: dict[str, dict] = {}
    for key, sec in (cfg.get("secrets") or {}).items():
        path = Path(sec["file"])
        secrets[key] = {"file": str(path), "name": secret_name(stack, key, path)}
    services = {}
    for name, svc in cfg["services"].items():
        override = overrides.get(name) or {}
        merged = merge(service(name, svc, secrets, stack, env), override)
        # An override's [] removes the key (an empty list from compose, `command: []`, stays).
        services[name] = {k: v for k, v in merged.items() if not (override.get(k) == [] and v == [])}
    nginx = services.get("nginx", {}).get("environment")
    if nginx is not None and "nginx" not in nginx.get("SERVER_NAME", "").split():
        # Generators on the frontend network (compose/swarm/locust.yml) address it by its name.
        nginx["SERVER_NAME"] = f"{nginx.get('SERVER_NAME', '')} nginx".strip()
    used_volumes = {m["source"] for s in services.values() for m in s.get("volumes", []) if m["type"] == "volume"}
    networks = {n: {"driver": "overlay", **({"internal": True} if c.get("internal") else {})}
                for n, c in (cfg.get("networks") or {}).items()}  # fmt: skip
    volumes = {v: ({"external": True} if (c or {}).get("external") else None)
               for v, c in (cfg.get("volumes") or {}).items() if v in used_volumes}  # fmt: skip
    doc = {"version": STACK_VERSION, "services": services, "networks": networks}
    if volumes:
        doc["volumes"] = volumes
    if secrets:
        doc["secrets"] = secrets
    return doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stack", required=True, help="stack name (prefixes the secrets' names)")
    ap.add_argument("--profile", action="append", default=[], help="compose profile (repeatable; default prod)")
    ap.add_argument("-o", "--output", help="file to write (default: standard output)")
    args = ap.parse_args(argv)
    doc = generate(args.stack, args.profile or ["prod"], dict(os.environ))
    text = "# Generated by loadtest/bundle/swarm_stack.py from docker-compose.yml: do not edit.\n"
    text += yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=120)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
