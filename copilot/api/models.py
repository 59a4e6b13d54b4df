"""What routes answer on success, as models: `/openapi.json` documents every answer from these.

Routes declare them through `answers(Model)` (`response_model` with `response_model_exclude_unset=True`), so an
answer keeps exactly the keys the route built: a key a route leaves out (a diagnostic's `intent`) stays out
rather than turning into null. Every model forbids keys it does not declare: a route that starts answering a
new key fails its tests until the key is declared here, and the schema (`additionalProperties: false`) is what
the fuzz test (tests/api/test_schemathesis.py) holds every answer to.

Numbers that may be whole or fractional are `Number` (int | float): a float field would turn 0 into 0.0.
Timestamps are ISO 8601 strings, as the store formats them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float


def answers(model: Any) -> dict[str, Any]:
    """A route's keyword arguments for its success answer: `@router.get(path, **answers(Model), …)`."""
    return {"response_model": model, "response_model_exclude_unset": True}


class Answer(BaseModel):
    """Base of the success answers: undeclared keys are an error (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------- health


class Health(Answer):
    status: Literal["ok"]
    rules: int = Field(description="启用与停用的规则总数")
    rules_version: int = Field(description="店铺规则的版本号（各工作进程共享）")
    pid: int = Field(description="应答的工作进程")


class Ready(Answer):
    database: Literal["ok"]


# ---------------------------------------------------------------------------------------------- lint


class DiagnosticOut(Answer):
    rule: str
    severity: Literal["error", "warning", "info"]
    message: str
    start: int = Field(description="起始位置（按码位计，原文）")
    end: int
    text: str
    replacements: list[str]
    category: str
    intent: str | None = Field(default=None, description="只有与意图相关的规则才有")


class LintAnswer(Answer):
    verdict: Literal["ok", "warn", "block"]
    diagnostics: list[DiagnosticOut]
    fixed: str
    fixed_verdict: Literal["ok", "warn", "block"]


# ---------------------------------------------------------------------------------------------- suggest


class IntentScore(Answer):
    id: str
    score: Number


class Suggestion(Answer):
    id: str
    title: str
    text: str
    intent: str
    group: str | None
    shortcut: str | None
    score: Number
    matched: list[str]
    blocked: bool


class SuggestAnswer(Answer):
    intents: list[IntentScore]
    complaint_type: str | None
    suggestions: list[Suggestion]
    hints: list[str]


class PushAnswer(Answer):
    """A customer message: its suggestions as the sidebars got them; an agent's message: its text."""

    conversation: str
    message: str | None = None
    text: str | None = None
    received_at: int | None = None
    intents: list[IntentScore] | None = None
    complaint_type: str | None = None
    suggestions: list[Suggestion] | None = None
    hints: list[str] | None = None
    delivered: int = Field(description="收到的侧边栏个数（所有工作进程与主机）")
    agent: str | None = Field(description="会话路由到的坐席")
    role: Literal["customer", "agent"]


class FocusAnswer(Answer):
    agent: str
    conversation: str
    delivered: int


# ---------------------------------------------------------------------------------------------- accounts


class UserRef(Answer):
    name: str
    role: str


class LoginAnswer(Answer):
    user: UserRef
    csrf_token: str
    expires_at: str


class MeAnswer(Answer):
    user: UserRef
    via: Literal["session", "token", "anonymous"]
    csrf_token: str | None


class UserOut(Answer):
    name: str
    role: Literal["agent", "lead", "admin"]
    disabled: bool
    created_at: str


class TokenOut(Answer):
    id: int
    user: str
    label: str | None
    created_at: str | None
    last_used_at: str | None
    revoked_at: str | None


class NewToken(TokenOut):
    token: str = Field(description="令牌本身，只在创建时显示这一次")


# ---------------------------------------------------------------------------------------------- phrases


class PhraseChange(Answer):
    """One recorded change of a phrase: its state before and after (null for a create or delete)."""

    action: str
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    source: str
    changed_at: str
    changed_by: str | None
    overridden: list[dict[str, Any]] | None = Field(description="保存时被“仍然保存”越过的错误级问题")


class DeletedPhrase(Answer):
    id: str
    title: str | None
    body: str | None
    intent: str | None
    group: str | None
    shortcut: str | None
    version: int = Field(description="恢复时用的版本号")
    deleted_at: str
    deleted_by: str | None


class ImportAnswer(Answer):
    dry_run: bool
    summary: str
    added: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]]
    replace: bool
    changes: list[dict[str, Any]]
    blocked: list[dict[str, Any]]
    phrasebank_version: int


# ---------------------------------------------------------------------------------------------- rules


class ClauseTerm(Answer):
    """A clause rule's pattern and the fix for what it matches (read from the rule's own entry)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    match: str
    fix: str | None


class DefaultRuleOut(Answer):
    """A rule of the default packs, with this shop's switch."""

    id: str
    source: Literal["default"]
    pack: str
    kind: str
    severity: Literal["error", "warning", "info"]
    message: str
    scope: str | None
    enabled: bool
    pack_enabled: bool
    version: int
    terms: list[str | ClauseTerm] = Field(description="规则查找的词、替换或模式（最多 8 项）")
    term_count: int


class ShopRuleOut(Answer):
    """A rule the shop wrote."""

    id: str
    kind: str
    term: str
    replacements: list[str]
    severity: Literal["error", "warning", "info"]
    message: str
    scope: str | None
    enabled: bool
    version: int
    source: Literal["shop"]
    created_at: str
    updated_at: str
    updated_by: str | None


RuleOut = Annotated[DefaultRuleOut | ShopRuleOut, Field(discriminator="source")]


class RuleChange(Answer):
    """One recorded change of a rule (a shop rule, or a default rule's switch)."""

    action: str
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed_at: str
    changed_by: str | None


# ---------------------------------------------------------------------------------------------- learn


class CandidateOut(Answer):
    id: int
    phrase_id: str
    message: str
    status: Literal["pending", "accepted", "rejected"]
    count: int
    agents: list[str]
    agent_count: int
    decided_at: str | None
    decided_by: str | None


class CandidatePhrase(Answer):
    id: str
    title: str | None
    intent: str | None


class GroupedCandidate(Answer):
    id: int
    message: str
    status: Literal["pending", "accepted", "rejected"]
    count: int
    agents: list[str]
    agent_count: int
    decided_at: str | None
    decided_by: str | None


class CandidateGroup(Answer):
    phrase: CandidatePhrase
    count: int
    candidates: list[GroupedCandidate]


class UploadOut(Answer):
    id: str
    filename: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    total: int
    done: int
    messages: int
    conversations: int
    candidates: int
    gaps: int
    error: str | None
    created_at: str | None
    created_by: str | None
    finished_at: str | None


class UploadDeleted(Answer):
    deleted: str
    candidates: int = Field(description="随之删除的待处理候选问法个数")


class GapOut(Answer):
    id: int
    count: int
    questions: list[str]
    reply: str | None


class GapDismissed(Answer):
    id: int
    dismissed: Literal[True]


# ---------------------------------------------------------------------------------------------- stats


class RuleHits(Answer):
    rule: str
    message: str | None
    count: int
    by_day: dict[str, int]
    by_agent: dict[str, int]


class SentCounts(Answer):
    total: int
    ok: int
    warn: int
    block: int


class PhraseUse(Answer):
    id: str
    title: str | None
    count: int


class PhraseUnused(Answer):
    id: str
    title: str | None


class PhraseUses(Answer):
    used: list[PhraseUse]
    never_used: list[PhraseUnused]


class ReplyTime(Answer):
    median_s: Number | None
    count: int


class StatsAnswer(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(alias="from")
    to: str | None
    agent: str | None
    rules: list[RuleHits]
    sent: SentCounts
    phrases: PhraseUses
    reply_time: ReplyTime


class StatsClass(Answer):
    id: str
    name: str


class AgentReplyTime(Answer):
    count: int
    median_ms: Number | None
    p90_ms: Number | None


class AgentRuleHits(Answer):
    total: int
    by_class: dict[str, int]


class AgentRow(Answer):
    agent: str | None
    answered: int
    used: int
    reply_time: AgentReplyTime
    rule_hits: AgentRuleHits


class DayRow(Answer):
    day: str
    answered: int
    rule_hits: int


class AgentStatsAnswer(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    timezone: str
    scope: Literal["team", "agent"]
    agent: str | None
    classes: list[StatsClass]
    agents: list[AgentRow]
    days: list[DayRow]


# ---------------------------------------------------------------------------------------------- LanguageTool


class LtLanguage(Answer):
    name: str
    code: str
    longCode: str  # noqa: N815 - LanguageTool's own field name


class LtCheckAnswer(Answer):
    """LanguageTool's /v2/check answer: our diagnostics as its matches (offsets in UTF-16 code units)."""

    software: dict[str, Any]
    warnings: dict[str, Any]
    language: dict[str, Any]
    matches: list[dict[str, Any]]
