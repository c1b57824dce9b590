#!/usr/bin/env bash
# Build the bundle's images: `make images`.
#
# Base images are build arguments (PYTHON_IMAGE, NGINX_IMAGE, POSTGRES_IMAGE) that default to the official,
# tag-pinned images. Where no container registry is reachable (detected here, or OFFLINE=1),
# the same Dockerfiles build from local base images made from Debian packages with debootstrap,
# and Python packages come from a wheelhouse downloaded on the host, because pip inside a
# build container may have no route to the package index.
#
# Then it builds the runtime images every app image starts from (backend/servers/Dockerfile:
# apibundle/runtime and apibundle/runtime-compare), and, where no registry answers, an image of
# the app's wheels (apibundle/wheels-<app>: the project's dependencies, APP_DIR or the demo in
# ./backend, downloaded on the host) that backend/app.Dockerfile installs from.
#
# Prints nothing on stdout but the export lines for the resolved base images, so the
# Makefile can `eval` them; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${OFFICIAL_PYTHON_IMAGE:=python:3.13.5-slim-trixie}"
: "${OFFICIAL_NGINX_IMAGE:=nginx:1.30.5}"   # stable 1.30: upstream `resolve`, keepalive_min_timeout
: "${OFFICIAL_POSTGRES_IMAGE:=postgres:17-trixie}"
: "${LOCAL_PYTHON_IMAGE:=apibundle/base-python:trixie}"
# Debian trixie with forky's Nginx (trixie's 1.26 predates upstream `resolve` and
# keepalive_min_timeout): see forky_nginx below.
: "${LOCAL_NGINX_IMAGE:=apibundle/base-nginx:1.30-trixie}"
: "${LOCAL_LOADTEST_IMAGE:=apibundle/base-loadtest:trixie}"   # the generator: Python + wrk
: "${LOCAL_POSTGRES_IMAGE:=apibundle/base-postgres:trixie}"   # PostgreSQL 17 (STORE=postgres)
# Monitoring profile: the same versions as Debian trixie's packages (prometheus 2.53.3,
# prometheus-nginx-exporter 1.4.1), so both paths run the same software.
: "${OFFICIAL_PROMETHEUS_IMAGE:=prom/prometheus:v2.53.3}"
: "${OFFICIAL_NGINX_EXPORTER_IMAGE:=nginx/nginx-prometheus-exporter:1.4.1}"
: "${LOCAL_PROMETHEUS_IMAGE:=apibundle/base-prometheus:trixie}"
: "${LOCAL_NGINX_EXPORTER_IMAGE:=apibundle/base-nginx-exporter:trixie}"
: "${DEBIAN_MIRROR:=http://deb.debian.org/debian}"
: "${DEBIAN_SECURITY_MIRROR:=http://deb.debian.org/debian-security}"
# Every Release file debootstrap and apt read is checked against this keyring (the host's
# debian-archive-keyring package; bookworm's carries the trixie and forky signing keys).
: "${DEBIAN_KEYRING:=/usr/share/keyrings/debian-archive-keyring.gpg}"
: "${OFFLINE:=auto}"
IMAGE_PYTHON_VERSION=3.13   # the Python of both the official image and Debian trixie

log() { printf '[images] %s\n' "$*" >&2; }

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# base_label NAME KEY: a label of a local base image (empty when absent).
base_label() { docker image inspect -f "{{index .Config.Labels \"org.apibundle.base.$2\"}}" "$1" 2>/dev/null || true; }

# stale_base NAME: one line when a local base's trixie-security updates are over BASE_MAX_AGE_DAYS
# (14) days old, saying how to take newer ones.
stale_base() {
  local released days
  released=$(base_label "$1" security-release)
  [ -n "$released" ] || return 0
  days=$(( ($(date +%s) - $(date -d "$released" +%s 2>/dev/null || date +%s)) / 86400 ))
  if [ "$days" -gt "${BASE_MAX_AGE_DAYS:-14}" ]; then
    log "$1: its trixie-security updates are $days days old ($released): docker image rm $1 to take newer ones"
  fi
}

# debootstrap_image NAME PACKAGES [FIXUP]: a minimal Debian trixie root filesystem with
# trixie-security's updates applied, imported as NAME; FIXUP (optional) runs in the root folder
# before the import (e.g. a symlink that puts a binary where the official image has it).
# debootstrap checks the Release signature against DEBIAN_KEYRING (--force-check-gpg: no
# keyring, no build) and every package against the signed Release; apt in the chroot checks
# trixie-security's (and forky's) with the chroot's own debian-archive-keyring.
# The image carries its recipe's hash (org.apibundle.base.recipe: this function, the packages,
# the FIXUP, the mirrors), the suites and the date of the trixie-security Release it was
# upgraded from: an image whose recipe differs is rebuilt; `docker image rm NAME` rebuilds one
# for newer security updates.
debootstrap_image() {
  local name=$1 packages=$2 fixup=${3:-} root recipe have
  recipe=$({ declare -f debootstrap_image trixie_security
    [ -n "$fixup" ] && { declare -f "$fixup" 2>/dev/null || true; }
    printf '%s\n' "$packages" "$fixup" "$DEBIAN_MIRROR" "$DEBIAN_SECURITY_MIRROR"; } | sha256sum | cut -c1-16)
  if have_image "$name"; then
    have=$(base_label "$name" recipe)
    if [ "$have" = "$recipe" ]; then
      stale_base "$name"
      return 0
    fi
    log "$name: built from another recipe (${have:-none recorded}, now $recipe): rebuilding"
  fi
  command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
  [ -r "$DEBIAN_KEYRING" ] || { log "no Debian archive keyring at $DEBIAN_KEYRING (apt-get install debian-archive-keyring)"; exit 1; }
  root=$(mktemp -d /var/tmp/apibundle-rootfs.XXXXXX)
  log "debootstrap trixie -> $name ($packages)"
  if ! debootstrap --variant=minbase --keyring="$DEBIAN_KEYRING" --force-check-gpg \
      --include="debian-archive-keyring,$packages" trixie "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1; then
    tail -n 30 "$root.log" >&2
    if grep -qE '^E: .*([Ss]ignature|[Kk]eyring|signed by)' "$root.log"; then
      log "$name: the trixie Release file from $DEBIAN_MIRROR does not verify against $DEBIAN_KEYRING: not building"
    fi
    exit 1
  fi
  log "$(grep -m 1 'Valid Release signature' "$root.log" || echo 'Release signature checked')"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 0755 "$root/usr/sbin/policy-rc.d"  # no service start
  [ -e "$root/etc/resolv.conf" ] || cp /etc/resolv.conf "$root/etc/resolv.conf"  # debootstrap copies the host's
  local security_date
  security_date=$(cd "$root" && trixie_security) || { log "$name: trixie-security upgrade failed"; exit 1; }
  if [ -n "$fixup" ]; then (cd "$root" && eval "$fixup") || { log "$name: '$fixup' failed"; exit 1; }; fi
  rm -f "$root/usr/sbin/policy-rc.d"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc "$root"/usr/share/man
  local suites="trixie trixie-security"
  [ -e "$root/etc/apt/sources.list.d/forky.sources" ] && suites="$suites forky"
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' \
    --change "LABEL org.apibundle.base.recipe=$recipe" \
    --change "LABEL org.apibundle.base.suites=\"$suites\"" \
    --change "LABEL org.apibundle.base.security-release=\"$security_date\"" - "$name" >/dev/null
  rm -rf "$root" "$root.log"
}

# trixie_security: run in a debootstrapped root folder, adds trixie-security to its apt sources
# (it stays: an `apt-get upgrade` in a derived image gets security updates too) and applies its
# updates; prints the Date of the trixie-security Release it read. Like forky's below, the
# Release's Valid-Until is not enforced (a lagging mirror or snapshot would stop every build),
# its signature is; a Release past its Valid-Until is reported on stderr.
trixie_security() {
  local apt=(chroot . env DEBIAN_FRONTEND=noninteractive apt-get -q -o Acquire::Check-Valid-Until=false)
  local release before after valid out
  printf 'Types: deb\nURIs: %s\nSuites: trixie-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$DEBIAN_SECURITY_MIRROR" >etc/apt/sources.list.d/trixie-security.sources
  "${apt[@]}" -qq update >&2 || return 1
  release=$(ls var/lib/apt/lists/*_dists_trixie-security_InRelease 2>/dev/null | head -n 1)
  [ -n "$release" ] || { log "no trixie-security InRelease from $DEBIAN_SECURITY_MIRROR"; return 1; }
  valid=$(sed -n 's/^Valid-Until: //p' "$release")
  if [ -n "$valid" ] && [ "$(date -d "$valid" +%s)" -lt "$(date +%s)" ]; then
    log "warning: trixie-security's Release from $DEBIAN_SECURITY_MIRROR expired $valid (a stale mirror?)"
  fi
  before=$(chroot . dpkg-query -W -f '${Package} ${Version}\n')
  out=$("${apt[@]}" -qq -y --no-install-recommends upgrade 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
  after=$(chroot . dpkg-query -W -f '${Package} ${Version}\n')
  log "trixie-security updates: $(grep -vxF -f <(printf '%s\n' "$before") <(printf '%s\n' "$after") | tr '\n' ' ' || echo none)"
  sed -n 's/^Date: //p' "$release"
}

# forky_nginx: a FIXUP (run in the root folder) that installs Nginx from Debian forky over the
# trixie system: apt takes forky's versions of what it needs and nothing else (today nginx,
# nginx-common and libpcre2-8-0: the image lists them in /usr/local/share/apibundle/from-forky.txt).
# The apt pin stays in the image (forky at priority 1, its nginx at 990), so an `apt-get
# upgrade` in a derived image keeps the same mix. Forky's Release file has a Valid-Until
# that a lagging mirror or snapshot passes; its signature is still checked.
forky_nginx() {
  local apt=(chroot . env DEBIAN_FRONTEND=noninteractive apt-get -q -o Acquire::Check-Valid-Until=false)
  printf 'Types: deb\nURIs: %s\nSuites: forky\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$DEBIAN_MIRROR" >etc/apt/sources.list.d/forky.sources
  printf '%s\n' '# apibundle: only Nginx (and what it needs) comes from forky; the rest stays on trixie.' \
    'Package: *' 'Pin: release n=forky' 'Pin-Priority: 1' '' \
    'Package: nginx nginx-common' 'Pin: release n=forky' 'Pin-Priority: 990' >etc/apt/preferences.d/apibundle-nginx-forky
  local before
  before=$(chroot . dpkg-query -W -f '${Package} ${Version}\n')
  "${apt[@]}" -qq update >&2 && "${apt[@]}" install -y --no-install-recommends nginx/forky >&2 || return 1
  mkdir -p usr/local/share/apibundle
  chroot . dpkg-query -W -f '${Package} ${Version}\n' | grep -vxF -f <(printf '%s\n' "$before") \
    >usr/local/share/apibundle/from-forky.txt
  log "from forky: $(tr '\n' ' ' <usr/local/share/apibundle/from-forky.txt)"
}

# wheelhouse [--require-hashes] DIR REQUIREMENTS...: every pinned wheel for the image's Python,
# downloaded on the host; --require-hashes (the bundle's own lock files, and a project's that
# carries hashes): pip checks every file against the lock's sha256 and stops on any other.
wheelhouse() {
  local hashes=() dir stamp req reqs=()
  if [ "$1" = --require-hashes ]; then hashes=(--require-hashes); shift; fi
  dir=$1
  shift
  for req in "$@"; do reqs+=(-r "$req"); done
  stamp="$dir/.requirements.sha256"
  if [ -f "$stamp" ] && [ "$(wc -l <"$stamp")" -eq $# ] && sha256sum --status -c "$stamp" 2>/dev/null; then return 0; fi
  log "downloading wheels for Python $IMAGE_PYTHON_VERSION into $dir"
  find "$dir" -name '*.whl' -delete 2>/dev/null || true
  mkdir -p "$dir"
  # PIP_NO_INDEX is meant for the image builds (this script exports it for compose), not the host.
  env -u PIP_NO_INDEX -u PIP_FIND_LINKS python3 -m pip download -q --disable-pip-version-check "${hashes[@]}" --dest "$dir" --only-binary=:all: \
    --python-version "$IMAGE_PYTHON_VERSION" --implementation cp --abi "cp${IMAGE_PYTHON_VERSION/./}" --abi abi3 --abi none \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_31_x86_64 --platform manylinux_2_34_x86_64 --platform linux_x86_64 --platform any \
    "${reqs[@]}" 2> >(grep -v "^WARNING: Location" >&2)
  sha256sum "$@" >"$stamp"
}

# resolve OFFICIAL LOCAL PACKAGES [FIXUP]: which base image to build from.
resolve() {
  local official=$1 local_name=$2 packages=$3 fixup=${4:-}
  case "$OFFLINE" in
    1|true|yes) debootstrap_image "$local_name" "$packages" "$fixup"; echo "$local_name"; return ;;
    0|false|no) echo "$official"; return ;;
  esac
  if have_image "$official"; then echo "$official"; return; fi
  if timeout 60 docker pull -q "$official" >/dev/null 2>&1; then echo "$official"; return; fi
  log "no registry answers for $official: building from Debian packages instead"
  debootstrap_image "$local_name" "$packages" "$fixup"; echo "$local_name"
}

python_image=$(resolve "$OFFICIAL_PYTHON_IMAGE" "$LOCAL_PYTHON_IMAGE" python3,python3-venv,ca-certificates)
nginx_image=$(resolve "$OFFICIAL_NGINX_IMAGE" "$LOCAL_NGINX_IMAGE" curl,ca-certificates forky_nginx)
# Debian's server package only: postgres/Dockerfile brings its own entrypoint (initdb, password
# from the secret file), used on the official image too.
postgres_image=$(resolve "$OFFICIAL_POSTGRES_IMAGE" "$LOCAL_POSTGRES_IMAGE" postgresql-17)
# The monitoring images (monitoring/*.Dockerfile) expect the official images' paths: promtool and
# prometheus in /bin (usrmerge: /bin is /usr/bin on trixie), the exporter as
# /usr/bin/nginx-prometheus-exporter (Debian names it prometheus-nginx-exporter).
prometheus_image=$(resolve "$OFFICIAL_PROMETHEUS_IMAGE" "$LOCAL_PROMETHEUS_IMAGE" prometheus)
nginx_exporter_image=$(resolve "$OFFICIAL_NGINX_EXPORTER_IMAGE" "$LOCAL_NGINX_EXPORTER_IMAGE" \
  prometheus-nginx-exporter 'ln -s prometheus-nginx-exporter usr/bin/nginx-prometheus-exporter')
if [ "$python_image" = "$LOCAL_PYTHON_IMAGE" ]; then
  # The generator also needs wrk, which the Dockerfile cannot apt-get without a network:
  # its local base carries it. (On the official image the Dockerfile installs it with apt.)
  loadtest_image=$LOCAL_LOADTEST_IMAGE
  debootstrap_image "$loadtest_image" python3,python3-venv,ca-certificates,wrk
  wheelhouse --require-hashes backend/servers/wheelhouse backend/servers/requirements.txt backend/servers/requirements-compare.txt
  wheelhouse --require-hashes loadtest/wheelhouse loadtest/requirements.txt
  pip_no_index=1
else
  loadtest_image=$python_image
  pip_no_index=0
fi

# The runtime images (the server layer), which every app image is built on.
tag=${BUNDLE_TAG:-latest}
for target in runtime runtime-compare; do
  log "building apibundle/$target:$tag"
  docker build -q -t "apibundle/$target:$tag" --target "$target" --build-arg PYTHON_IMAGE="$python_image" \
    --build-arg PIP_NO_INDEX="$pip_no_index" backend/servers >/dev/null
done

# The app's wheels, air-gapped: its dependencies for the image's Python, as an image to build from.
app_dir=${APP_DIR:-backend}
[ -d "$app_dir" ] || { log "APP_DIR=$app_dir is not a folder"; exit 1; }
wheels_image=apibundle/runtime:$tag
if [ "$pip_no_index" = 1 ]; then
  app_name=$(basename "$(cd "$app_dir" && pwd)" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9._\n-' '-')
  build=.build/wheels-$app_name
  mkdir -p "$build/wheels"
  python3 -I backend/servers/deps.py "$app_dir" >"$build/requirements.txt" || exit 1
  python3 -I backend/servers/compat.py --ranges >"$build/server-ranges.txt"
  # A project's lock with hashes is installed with --require-hashes (backend/app.Dockerfile):
  # its wheels are checked here too, and the unhashed ranges stay out of it. Plain requirements
  # cannot be hash-checked: they are downloaded as given, with the ranges.
  if grep -q -e '--hash=' "$build/requirements.txt"; then
    wheelhouse --require-hashes "$build/wheels" "$build/requirements.txt"
  else
    wheelhouse "$build/wheels" "$build/requirements.txt" "$build/server-ranges.txt"
  fi
  wheels_image=apibundle/wheels-$app_name:$tag
  if ! have_image "$wheels_image" || [ "$build/wheels/.requirements.sha256" -nt "$build/.built" ]; then
    log "building $wheels_image"
    printf 'FROM scratch\nCOPY wheels/ /wheels/\n' | docker build -q -t "$wheels_image" -f - "$build" >/dev/null
    touch "$build/.built"
  fi
fi
printf 'export PYTHON_IMAGE=%q NGINX_IMAGE=%q POSTGRES_IMAGE=%q LOADTEST_PYTHON_IMAGE=%q PIP_NO_INDEX=%q WHEELS_IMAGE=%q\n' \
  "$python_image" "$nginx_image" "$postgres_image" "$loadtest_image" "$pip_no_index" "$wheels_image"
printf 'export PROMETHEUS_IMAGE=%q NGINX_EXPORTER_IMAGE=%q\n' "$prometheus_image" "$nginx_exporter_image"
