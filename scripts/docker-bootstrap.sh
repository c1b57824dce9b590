#!/usr/bin/env bash
# Bring a bare Debian 12 machine (root) to a working Docker engine with the Compose v2 plugin.
#
# - Docker Engine from Debian's docker.io package (20.10 on bookworm); dockerd is started if
#   nothing answers on the socket. Its pid goes to $DOCKERD_PIDFILE so the caller can stop it.
# - Compose v2: bookworm packages only Compose v1, so the v2 plugin binary is taken from Debian
#   trixie's docker-compose package (apt-get download + dpkg-deb -x), never from a registry.
# - debootstrap, used to make base images where no container registry is reachable, with
#   debian-archive-keyring and gpgv, which check the signatures of what it downloads.
#
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail

DOCKERD_PIDFILE=${DOCKERD_PIDFILE:-/run/apibundle-dockerd.pid}
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
log() { printf '[docker-bootstrap] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "must run as root to install packages and start dockerd"; exit 1
  fi
}

apt_updated=
apt_update() {
  # Third-party sources on a machine may be unreachable: their failure must not stop us.
  [ -n "$apt_updated" ] && return 0
  apt-get update -qq >/dev/null 2>&1 || log "apt-get update reported errors (ignored; Debian's own archive is what we need)"
  apt_updated=1
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
  command -v gpgv >/dev/null || missing+=(gpgv)
  dpkg -s iptables >/dev/null 2>&1 || missing+=(iptables)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_update
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_compose_v2() {
  if docker compose version >/dev/null 2>&1; then return 0; fi
  log "installing the Compose v2 plugin from Debian trixie's docker-compose package"
  local tmp list=/etc/apt/sources.list.d/apibundle-trixie.list
  tmp=$(mktemp -d)
  echo "deb http://deb.debian.org/debian trixie main" >"$list"
  # Only this list is refreshed, and it is removed again right after: the machine stays on bookworm.
  apt-get update -qq -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
    -o APT::Get::List-Cleanup=0 >/dev/null 2>&1 || true
  (cd "$tmp" && apt-get download -qq docker-compose/trixie >/dev/null) || { rm -f "$list"; apt-get update -qq >/dev/null 2>&1 || true; log "could not download docker-compose/trixie"; exit 1; }
  rm -f "$list"
  apt-get update -qq >/dev/null 2>&1 || true
  dpkg-deb -x "$tmp"/docker-compose_*.deb "$tmp/x"
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  rm -rf "$tmp"
  docker compose version >&2
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then log "a Docker engine already answers"; return 0; fi
  log "starting dockerd"
  nohup dockerd >/var/log/apibundle-dockerd.log 2>&1 &
  echo $! >"$DOCKERD_PIDFILE"
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then log "dockerd is up"; return 0; fi
    sleep 1
  done
  log "dockerd did not come up; last lines of its log:"; tail -n 30 /var/log/apibundle-dockerd.log >&2; exit 1
}

need_root
install_packages
start_dockerd
install_compose_v2
docker version --format 'engine {{.Server.Version}}, client {{.Client.Version}}' >&2
