"""POST /v1/lint: lint a draft against the shop's rules."""

from __future__ import annotations

import os
import time
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from copilot.api import compute, metrics
from copilot.api.deps import LinterDep, SettingsDep, require_text
from copilot.api.responses import BODY, READER, STORE, errors
from copilot.auth.deps import require_reader
from copilot.lint import Linter

router = APIRouter()


class LintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    scope: Literal["presale", "aftersale"] | None = None


@router.post("/v1/lint", dependencies=[Depends(require_reader)], responses=errors(BODY, READER, STORE))
async def lint(body: LintRequest, linter: LinterDep, settings: SettingsDep) -> dict[str, Any]:
    """Verdict, diagnostics (raw code-point offsets) and the text with every fix applied."""
    text = require_text(body.text, settings)
    started = time.perf_counter()
    result = await compute.run(settings, _lint_answer, linter, text, body.scope)
    metrics.lint_seconds.labels("http").observe(metrics.elapsed(started))
    return result


def _lint_answer(linter: Linter, text: str, scope: str | None) -> dict[str, Any]:
    return linter.lint(text, scope).as_dict()


@router.get("/healthz")
async def healthz(linter: LinterDep) -> dict[str, Any]:
    """Liveness, with how many rules are loaded and which worker process answered."""
    return {"status": "ok", "rules": len(linter.rules), "pid": os.getpid()}
