"""POST /v1/lint: lint a draft against the shop's rules."""

from __future__ import annotations

import os
import time
from typing import Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict

from copilot.api import compute, metrics
from copilot.api.auth_deps import require_reader
from copilot.api.deps import RuleBookDep, SettingsDep, require_text
from copilot.api.models import Health, LintAnswer, answers
from copilot.api.responses import BODY, READER, STORE, errors
from copilot.lint import Linter

router = APIRouter()


class LintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    scope: Literal["presale", "aftersale"] | None = None


@router.post(
    "/v1/lint", **answers(LintAnswer), dependencies=[Depends(require_reader)], responses=errors(BODY, READER, STORE)
)
async def lint(body: LintRequest, response: Response, settings: SettingsDep, rulebook: RuleBookDep) -> dict[str, Any]:
    """Verdict, diagnostics (raw code-point offsets) and the text with every fix applied.

    The X-Rules-Version header names the rules version the answer was linted under (the editor re-lints
    when /healthz shows a newer one); read with the linter, with no await between, so they always agree."""
    version, linter = rulebook.version, rulebook.linter
    response.headers["X-Rules-Version"] = str(version)
    text = require_text(body.text, settings)
    started = time.perf_counter()
    result = await compute.run(settings, _lint_answer, linter, text, body.scope)
    metrics.lint_seconds.labels("http").observe(metrics.elapsed(started))
    return result


def _lint_answer(linter: Linter, text: str, scope: str | None) -> dict[str, Any]:
    return linter.lint(text, scope).as_dict()


@router.get("/healthz", **answers(Health))
async def healthz(rulebook: RuleBookDep) -> dict[str, Any]:
    """Liveness, with how many rules are loaded, their version (a counter every worker shares: pages poll
    it to re-lint when a lead changes the rules) and which worker process answered."""
    return {"status": "ok", "rules": len(rulebook.linter.rules), "rules_version": rulebook.version, "pid": os.getpid()}
