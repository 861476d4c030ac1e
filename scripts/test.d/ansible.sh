#!/usr/bin/env bash
# The Ansible collections that ansible/requirements.yml pins, for tests/ansible, installed
# into .venv-tools/ansible/collections with ansible-galaxy, offline-capable:
#
#   - default: the collections bundled in the PyPI `ansible` wheel (ANSIBLE_BUNDLE below),
#     downloaded once with pip into the winci cache, repackaged as collection tarballs by
#     ansible/tools/collections_from_pypi.py, then `ansible-galaxy collection install
#     --offline` from those tarballs (Galaxy is not reachable from winci's test machines);
#   - WINCI_ANSIBLE_GALAXY=1: `ansible-galaxy collection install -r requirements.yml` from
#     Galaxy instead.
#
# Idempotent and cached: nothing happens when the installed versions already match the
# pins (stamp keyed on requirements.yml and this script). Prints what it does.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TVENV="$ROOT/.venv-tools/ansible"
DEST="$TVENV/collections"
REQ="$ROOT/ansible/requirements.yml"
ANSIBLE_BUNDLE=12.3.0
# shellcheck source=scripts/_bootstrap.sh
. "$ROOT/scripts/_bootstrap.sh"
CACHE=$WINCI_CACHE_ROOT/ansible
say() { printf 'ansible.sh: %s\n' "$*" >&2; }

if [ ! -x "$TVENV/bin/ansible-galaxy" ]; then
    say "$TVENV is missing (scripts/test makes it from requirements/tools-ansible.txt): skipping"
    exit 0
fi
key=$(cat "$REQ" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
if [ -e "$DEST/.stamp-$key" ]; then
    say "collections in $DEST match ansible/requirements.yml (cached)"
    exit 0
fi

# ns.name:version for each pinned collection, read with the tool venv's PyYAML.
mapfile -t pins < <("$TVENV/bin/python" - "$REQ" <<'PY'
import sys, yaml
for c in yaml.safe_load(open(sys.argv[1]))["collections"]:
    print(f"{c['name']}:{c['version']}")
PY
)
rm -rf "$DEST"
mkdir -p "$DEST"
if [ "${WINCI_ANSIBLE_GALAXY:-}" = 1 ]; then
    say "installing ${pins[*]} from Galaxy"
    "$TVENV/bin/ansible-galaxy" collection install -r "$REQ" -p "$DEST"
else
    mkdir -p "$CACHE"
    wheel="$CACHE/ansible-$ANSIBLE_BUNDLE-py3-none-any.whl"
    if [ ! -e "$wheel" ]; then
        say "downloading the ansible $ANSIBLE_BUNDLE wheel from PyPI into $CACHE (once)"
        "$TVENV/bin/python" -m pip download -q --no-deps "ansible==$ANSIBLE_BUNDLE" -d "$CACHE"
    else
        say "using the cached ansible $ANSIBLE_BUNDLE wheel ($wheel)"
    fi
    tars="$CACHE/tarballs-$ANSIBLE_BUNDLE"
    rm -rf "$tars"
    say "repackaging ${pins[*]} from the wheel as collection tarballs"
    "$TVENV/bin/python" "$ROOT/ansible/tools/collections_from_pypi.py" "$wheel" "$tars" "${pins[@]}" >/dev/null
    say "ansible-galaxy collection install --offline into $DEST"
    ANSIBLE_COLLECTIONS_PATH="$DEST" "$TVENV/bin/ansible-galaxy" collection install --offline -p "$DEST" "$tars"/*.tar.gz >/dev/null
fi

# The installed versions must be the pinned ones.
ANSIBLE_COLLECTIONS_PATH="$DEST" "$TVENV/bin/ansible-galaxy" collection list --format json 2>/dev/null |
    "$TVENV/bin/python" -c '
import json, sys
found = {}
for coll in json.load(sys.stdin).values():
    found.update({k: v["version"] for k, v in coll.items()})
bad = [p for p in sys.argv[1:] if found.get(p.split(":")[0]) != p.split(":")[1]]
if bad:
    sys.exit("ansible.sh: installed collections do not match the pins: " + " ".join(bad))
' "${pins[@]}"
touch "$DEST/.stamp-$key"
say "installed ${pins[*]} into $DEST"
