# shellcheck shell=bash
# Shared by scripts/winci, scripts/test and scripts/test.d: find Python, install Debian
# packages when root and missing, create .venv and install winci into it. Sourced, not
# run: it defines, and does nothing else.

WINCI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$WINCI_ROOT/.venv"
# winci's cache, where winci.host.paths.cache_dir() finds it on Linux
WINCI_CACHE_ROOT=${WINCI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/winci}

say() { printf 'winci bootstrap: %s\n' "$*" >&2; }
die() { printf 'winci bootstrap: error: %s\n' "$*" >&2; exit "${2:-3}"; }

find_python() {
    local cand
    for cand in "${WINCI_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$cand" ] || continue
        if command -v "$cand" >/dev/null 2>&1 &&
            "$cand" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$cand"
            return 0
        fi
    done
    return 1
}

# ensure_debian_packages PKG... : install the missing ones when root on Debian/Ubuntu.
ensure_debian_packages() {
    local missing=() pkg
    command -v dpkg-query >/dev/null 2>&1 || return 0
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "missing Debian packages: ${missing[*]} (not root: install them with apt-get, then re-run)"
        return 0
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local stamp=/var/lib/apt/periodic/winci-update-stamp
    if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
        apt-get update -qq >/dev/null || die "apt-get update failed"
        mkdir -p "$(dirname "$stamp")" && touch "$stamp"
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
}

# ensure_venv EXTRAS : create .venv and install winci (with extras) when its inputs changed.
ensure_venv() {
    local extras="$1" py key stamp
    py=$(find_python) || {
        ensure_debian_packages python3 python3-venv python3-pip
        py=$(find_python) || die "Python >= 3.11 with venv is needed; install it and re-run"
    }
    key=$(cat "$WINCI_ROOT/pyproject.toml" "$WINCI_ROOT/constraints/winci.txt" 2>/dev/null |
        sha256sum | cut -c1-16)
    stamp="$VENV/.winci-installed-$key-${extras:-base}"
    if [ -x "$VENV/bin/python" ] && [ -e "$stamp" ]; then
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV with $py"
        "$py" -m venv "$VENV" || die "could not create $VENV"
    fi
    say "installing winci${extras:+[$extras]} into .venv (pinned by constraints/winci.txt)"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    if ! "$VENV/bin/python" -m pip install -c "$WINCI_ROOT/constraints/winci.txt" \
        -e "$WINCI_ROOT${extras:+[$extras]}" >"$VENV/pip-install.log" 2>&1; then
        grep -v "^WARNING: Location" "$VENV/pip-install.log" | tail -n 30 >&2
        die "pip install of winci failed (full log: $VENV/pip-install.log)"
    fi
    rm -f "$VENV"/.winci-installed-*
    touch "$stamp"
}
