"""``# winci: ignore[WP401,WP402]`` comments: which rules are silenced on which line."""

from __future__ import annotations

import io
import tokenize


def suppressions(source: str) -> dict[int, set[str]]:
    """Line -> rule ids named by ``# winci: ignore[WP401,WP402]`` comments."""
    out: dict[int, set[str]] = {}
    if "winci:" not in source:
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return out
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        text = tok.string.lstrip("#").strip()
        head, sep, rest = text.partition("winci:")
        if not sep or head.strip():
            continue
        rest = rest.strip()
        if not rest.startswith("ignore[") or "]" not in rest:
            continue
        ids = rest[len("ignore["):rest.index("]")]
        out.setdefault(tok.start[0], set()).update(
            i.strip().upper() for i in ids.split(",") if i.strip()
        )
    return out
