"""Replace secret values in every file under a folder (winci-mask-secrets role).

usage: mask_secrets.py ROOT REPLACEMENT < secrets.json

secrets.json is a JSON list of strings. A URL with a password also has its password
masked on its own. Files whose format carries checksums or compression (subunit,
archives, .evtx) cannot be edited in place: when one contains a secret it is removed and
a ``<name>.removed.txt`` note takes its place. Prints ``{"changed": [...], "removed":
[...]}`` with paths relative to ROOT; never prints a secret.
"""

import json
import os
import sys
from urllib.parse import unquote, urlsplit

OPAQUE = (".subunit", ".gz", ".zip", ".evtx", ".tgz", ".xz", ".bz2", ".sqlite", ".db")
MIN_LENGTH = 4  # shorter values would mask ordinary text


def needles(values):
    out = set()
    for value in values:
        if not isinstance(value, str) or len(value) < MIN_LENGTH:
            continue
        out.add(value)
        try:
            password = urlsplit(value).password
        except ValueError:
            password = None
        if password and len(password) >= MIN_LENGTH:
            out.add(password)
            out.add(unquote(password))
    encoded = set()
    for n in out:
        encoded.add(n.encode("utf-8"))
        encoded.add(n.encode("utf-16-le"))  # Windows tools write UTF-16 text
    # Longest first, so a URL is masked whole before its password alone.
    return sorted(encoded, key=len, reverse=True)


def main():
    root, replacement = sys.argv[1], sys.argv[2].encode("utf-8")
    secrets = needles(json.load(sys.stdin))
    changed, removed = [], []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not secrets:
                continue
            with open(path, "rb") as f:
                data = f.read()
            if not any(s in data for s in secrets):
                continue
            rel = os.path.relpath(path, root)
            if name.lower().endswith(OPAQUE):
                os.remove(path)
                with open(path + ".removed.txt", "w", encoding="utf-8") as f:
                    f.write(f"{name} contained a secret and was removed before publishing; "
                            "the job's node still had it until cleanup.\n")
                removed.append(rel)
                continue
            for secret in secrets:
                data = data.replace(secret, replacement)
            with open(path, "wb") as f:
                f.write(data)
            changed.append(rel)
    print(json.dumps({"changed": sorted(changed), "removed": sorted(removed)}))


if __name__ == "__main__":
    main()
