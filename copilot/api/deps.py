"""Dependency shortcuts for routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from copilot.api.errors import ApiError
from copilot.config import Settings
from copilot.lint import Linter
from copilot.textcheck import TextError, check_text


# async: FastAPI runs a sync dependency in anyio's shared thread pool, which a hung database can fill
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_linter(request: Request) -> Linter:
    return request.app.state.rulebook.linter


SettingsDep = Annotated[Settings, Depends(get_settings)]
LinterDep = Annotated[Linter, Depends(get_linter)]


def require_text(text: str, settings: Settings, field: str = "text") -> str:
    """The text if we accept it; otherwise a 413 (too long) or 422 (bad characters) ApiError."""
    try:
        check_text(text, settings.max_text_chars, field)
    except TextError as exc:
        status = 413 if exc.code == "text_too_long" else 422
        raise ApiError(status, exc.code, exc.message) from None
    return text
