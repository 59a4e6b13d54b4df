"""Render a phrase body for one agent: {agent_no}, {shop} and {customer} filled, anything else left as typed."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("agent_no", "shop", "customer")
_PLACEHOLDER = re.compile(r"\{(agent_no|shop|customer)\}")


def render(body: str, values: Mapping[str, str]) -> str:
    """Fill the known placeholders; braces that are not placeholders are kept verbatim."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), body)
