#!/usr/bin/env bash
# A real container engine for the docker-backend tests: Debian's podman, rootful, serving
# the Docker Engine API on a unix socket, so winci's docker SDK code runs for real.
#
# Idempotent and cached: packages are installed only when missing, the Debian base image
# is made once (debootstrap + podman import) and reused, and the API service is started
# only when its socket does not answer. Prints what it does and, at the end, the
# DOCKER_HOST to use. Needs root; without root or on a non-Debian host it says so and
# exits 0 (the integration tests then skip with a reason).
#
#   WINCI_PODMAN_SOCK   socket path (default /run/winci-podman.sock)
#   WINCI_BASE_IMAGE    base image name (default localhost/winci/debian:bookworm)
#   WINCI_PODMAN_SKIP=1 do nothing
set -euo pipefail

SOCK=${WINCI_PODMAN_SOCK:-/run/winci-podman.sock}
BASE_IMAGE=${WINCI_BASE_IMAGE:-localhost/winci/debian:bookworm}
SUITE=bookworm
# shellcheck source=scripts/_bootstrap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../_bootstrap.sh"
LOG_DIR=$WINCI_CACHE_ROOT/podman
say() { printf 'podman.sh: %s\n' "$*" >&2; }

if [ "${WINCI_PODMAN_SKIP:-}" = 1 ]; then
    say "WINCI_PODMAN_SKIP=1: skipping the podman set-up"
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v dpkg-query >/dev/null 2>&1; then
    say "not root on Debian: skipping (docker integration tests will skip)"
    exit 0
fi

# 1. Packages. runc: crun fails here on rlimits; uidmap for podman's user namespaces;
#    debootstrap to make the base image without any registry.
missing=()
for pkg in podman runc uidmap debootstrap; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    stamp=/var/lib/apt/periodic/winci-update-stamp
    if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
        apt-get update -qq >/dev/null
        mkdir -p "$(dirname "$stamp")" && touch "$stamp"
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PODMAN=(podman --runtime runc)

# 2. The base image, made from Debian's archive (no registry is reachable).
if "${PODMAN[@]}" image exists "$BASE_IMAGE"; then
    say "base image $BASE_IMAGE exists (cached)"
else
    mirror=$(sed -n 's/^deb \(http[^ ]*\) bookworm main.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1 || true)
    if [ -z "$mirror" ] && [ -e /etc/apt/sources.list.d/debian.sources ]; then
        mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources || true)
    fi
    [ -n "$mirror" ] || { say "no Debian mirror found in the host's apt sources"; exit 3; }
    root=$(mktemp -d /var/tmp/winci-debootstrap.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    say "making $BASE_IMAGE: debootstrap --variant=minbase $SUITE (from the host's apt mirror)"
    debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    say "importing it with podman import"
    tar -C "$root" -c . | "${PODMAN[@]}" import -q \
        --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$BASE_IMAGE" >/dev/null
    rm -rf "$root"
    trap - EXIT
fi

# 3. The engine's settings for winci, in its own file (the host's containers.conf is left
#    alone): the open-files and process limits must not exceed this host's hard limits
#    (runc fails with "error setting rlimit type 7/6" otherwise), and builds keep the Docker image format,
#    which has HEALTHCHECK (podman's default, OCI, drops it).
mkdir -p "$LOG_DIR"
nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
# nproc: runc here refused 65536 and the hard limit (96365) but took 32768 (measured).
nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
CONF="$LOG_DIR/containers.conf"
printf '# written by scripts/test.d/podman.sh\n[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" >"$CONF.new"
if cmp -s "$CONF.new" "$CONF"; then rm -f "$CONF.new"; else mv "$CONF.new" "$CONF"; fi
key="$(sha256sum "$CONF" | cut -c1-12)-runc-docker-format"
STATE="$LOG_DIR/service.state"   # "<pid> <key>" of the service this script started

# 4. The Docker Engine API on a unix socket, in the background, kept between runs.
api_ok() {
    command -v curl >/dev/null 2>&1 &&
        curl -fsS --max-time 3 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && return 0
    python3 - "$SOCK" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n"); sys.exit(0 if b" 200 " in s.recv(64) else 1)
PY
}
old_pid=""; old_key=""
if [ -e "$STATE" ]; then read -r old_pid old_key <"$STATE" || true; fi
# The service's working folder must still exist: conmon starts each container there
# ("Failed to get working directory" otherwise), and a service started by an older
# script from a checkout since deleted (a CI's clean clone) has lost it.
lost_cwd=""
if [ -n "$old_pid" ] && [[ "$(readlink "/proc/$old_pid/cwd" 2>/dev/null)" == *" (deleted)" ]]; then
    lost_cwd=1
fi
if api_ok && [ "$old_key" = "$key" ] && [ -z "$lost_cwd" ]; then
    say "podman API service answers on $SOCK (already running, pid $old_pid)"
else
    if [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null; then
        if [ -n "$lost_cwd" ]; then
            say "restarting the podman API service (pid $old_pid): the folder it was started in is gone"
        else
            say "restarting the podman API service (pid $old_pid): its settings changed"
        fi
        kill "$old_pid"
        for _ in $(seq 1 50); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.2; done
    elif api_ok; then
        say "something else serves $SOCK; set WINCI_PODMAN_SOCK to use another socket"
        exit 3
    fi
    rm -f "$SOCK"
    say "starting podman system service on unix://$SOCK (log: $LOG_DIR/service.log)"
    # from /, so that it outlives the checkout that started it
    cd /
    CONTAINERS_CONF="$CONF" BUILDAH_FORMAT=docker nohup "${PODMAN[@]}" system service \
        --time=0 "unix://$SOCK" >>"$LOG_DIR/service.log" 2>&1 </dev/null &
    echo "$! $key" >"$STATE"
    for _ in $(seq 1 50); do
        api_ok && break
        sleep 0.2
    done
    api_ok || { say "the podman API did not come up; see $LOG_DIR/service.log"; exit 3; }
fi
say "use: export DOCKER_HOST=unix://$SOCK"
echo "DOCKER_HOST=unix://$SOCK"
