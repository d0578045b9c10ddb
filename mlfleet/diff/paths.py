"""Property paths: the diff's display paths (`rules[0].a`, `tags["k8s.io/role"]`, `policy{json}.X`)
and Pulumi's resource-option paths (`replaceOnChanges`, `ignoreChanges`: `spec.template`,
`tags["a.b"]`, `items[*].name`, `*`), parsed to segments so one can be matched against the other."""

from __future__ import annotations

import json
import re

Segment = str | int
WILDCARD = "*"
_TOKEN = re.compile(r'\.?([A-Za-z_$][\w$-]*|\*)|\[(\d+|\*|"(?:[^"\\]|\\.)*")\]|\{json\}')


def segments(path: str) -> list[Segment]:
    """`a.b[0]["c.d"]{json}.e` -> ["a", "b", 0, "c.d", "e"] (`{json}` marks a JSON document in a
    string: the string property is the path the engine knows, so it is transparent here)."""
    out: list[Segment] = []
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None or match.end() == position:
            out.append(path[position:])  # not a path we know: keep the rest as one opaque key
            break
        name, index = match.group(1), match.group(2)
        if name is not None:
            out.append(name)
        elif index is not None:
            out.append(
                json.loads(index) if index.startswith('"') else (WILDCARD if index == "*" else int(index))
            )
        position = match.end()
    return out


def _same(pattern: Segment, segment: Segment) -> bool:
    return pattern == WILDCARD or pattern == segment


def under(path: str, pattern: str) -> bool:
    """`path` is `pattern` or inside it (`*` matches any one key or index)."""
    have, want = segments(path), segments(pattern)
    return len(have) >= len(want) and all(_same(w, h) for w, h in zip(want, have, strict=False))


def overlaps(path: str, pattern: str) -> bool:
    """`path` is inside `pattern`, or contains it (a change to `spec` touches `spec.template`)."""
    have, want = segments(path), segments(pattern)
    return all(_same(w, h) for w, h in zip(want, have, strict=False))
