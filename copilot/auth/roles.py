"""The three roles, in order: an agent (客服) < a team lead (主管) < an admin (管理员)."""

from __future__ import annotations

ROLES = ("agent", "lead", "admin")
ROLE_ZH = {"agent": "客服", "lead": "主管", "admin": "管理员"}


def at_least(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may."""
    return ROLES.index(role) >= ROLES.index(needed)


def describe(role: str) -> str:
    """A role as users read it: 主管(lead)."""
    return f"{ROLE_ZH[role]}({role})"
