"""The JSON depth check's cost on bodies at the 1 MiB limit, hostile shapes included (#10).

Prints one JSON line: milliseconds per check (best of 5) per shape, and json.loads on the same body
where it parses, for scale. Run: .venv/bin/python -m bench.json_depth
The check runs before any JSON body, LanguageTool `data` field or WebSocket frame is parsed; it must
stay linear (a few milliseconds per MiB, like parsing) whatever the shape.
"""

from __future__ import annotations

import json

from bench.common import best_ms
from copilot.api.jsoncheck import nesting_exceeds

MIB = 1024 * 1024
LIMIT = 32

SHAPES: dict[str, bytes] = {
    "lint_body": json.dumps({"text": "亲,您的包裹已经发出了" * 33_000}, ensure_ascii=False).encode(),
    "wide_arrays": b"[" + b"[1,2,3]," * (MIB // 8 - 1) + b"[]]",
    "short_strings": b"[" + b'"ab[c\\"d",' * (MIB // 11) + b"1]",
    "deep_run": b"[" * (MIB // 2) + b"]" * (MIB // 2),
    "deep_zigzag": (b"[" + b"[]" * 10) * (MIB // 42) + b"]" * (MIB // 42),
    "escaped_quotes": b'"' + b'\\"' * (MIB // 2 - 1) + b'"',
}


def main() -> None:
    report: dict[str, dict[str, object]] = {}
    for name, body in SHAPES.items():
        row: dict[str, object] = {
            "bytes": len(body),
            "too_deep": nesting_exceeds(body, LIMIT),
            "check_ms": best_ms(lambda body=body: nesting_exceeds(body, LIMIT)),
        }
        if not row["too_deep"]:
            row["json_loads_ms"] = best_ms(lambda body=body: json.loads(body))
        report[name] = row
    print(json.dumps({"limit": LIMIT, "shapes": report}))


if __name__ == "__main__":
    main()
