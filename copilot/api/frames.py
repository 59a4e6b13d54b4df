"""The WebSocket frames an agent's sidebar may send, validated; anything else gets a Chinese error frame."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from copilot.api.errors import describe_request_errors
from copilot.api.jsoncheck import JsonRefused, parse_json
from copilot.suggest.intents import INTENTS

ConversationId = Annotated[str, Field(min_length=1, max_length=128)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class CustomerFrame(_Frame):
    type: Literal["customer"]
    conversation: ConversationId
    text: str


class DraftFrame(_Frame):
    type: Literal["draft"]
    conversation: ConversationId | None = None
    seq: int = Field(ge=0)
    text: str


class WatchFrame(_Frame):
    type: Literal["watch", "unwatch"]
    conversation: ConversationId


class SearchFrame(_Frame):
    type: Literal["search"]
    seq: int = Field(default=0, ge=0)
    q: str = Field(default="", max_length=200)
    # the phrases of one intent (a lint diagnostic's intent: 换用“到货时间”话术), filtered by q if given
    intent: str | None = None

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str | None) -> str | None:
        if value is not None and value not in INTENTS:
            raise ValueError(f"未知的意图 {value!r}")
        return value


class UsedFrame(_Frame):
    """The agent took a phrase into the draft; with `conversation` (newer sidebars) the conversation's waiting
    customer message becomes a candidate example question of the phrase."""

    type: Literal["used"]
    phrase: str = Field(min_length=1, max_length=200)
    conversation: ConversationId | None = None


class SentFrame(_Frame):
    type: Literal["sent"]
    conversation: ConversationId
    text: str


class ProfileFrame(_Frame):
    type: Literal["profile"]
    agent_no: str = Field(max_length=20)


class PingFrame(_Frame):
    type: Literal["ping"]


class FocusFrame(_Frame):
    """The chat in front of this socket's agent changed: every sidebar of the agent switches to it."""

    type: Literal["focus"]
    conversation: ConversationId


# Every frame a sidebar may send: adding one is a model above, its name here and its handler in
# copilot/api/connection.py (HANDLERS; tests/api/test_frames.py checks the two agree).
Frame = Annotated[
    CustomerFrame
    | DraftFrame
    | WatchFrame
    | SearchFrame
    | UsedFrame
    | SentFrame
    | ProfileFrame
    | PingFrame
    | FocusFrame,
    Field(discriminator="type"),
]
_frame = TypeAdapter(Frame)
FRAME_MODELS: tuple[type[BaseModel], ...] = get_args(get_args(Frame)[0])


def frame_types(model: type[BaseModel]) -> tuple[str, ...]:
    """The `type` values a frame model accepts (its Literal)."""
    return get_args(model.model_fields["type"].annotation)


FRAME_TYPES = tuple(kind for model in FRAME_MODELS for kind in frame_types(model))  # in the union's order


class FrameError(ValueError):
    """A frame we cannot act on: a stable code and a Chinese message saying what and where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_frame(self) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "message": self.message}


def parse_frame(raw: str, max_depth: int = 32) -> Any:
    """The validated frame object for one incoming text frame, or FrameError."""
    try:
        data = parse_json(raw, max_depth, "消息")
    except JsonRefused as exc:
        raise FrameError(exc.code, exc.message) from None
    if not isinstance(data, dict):
        raise FrameError("invalid_frame", '消息应为 JSON 对象,例如 {"type": "ping"}')
    kind = data.get("type")
    if kind is None:
        raise FrameError("missing_type", f"消息缺少 type 字段;可用: {', '.join(FRAME_TYPES)}")
    if kind not in FRAME_TYPES:
        raise FrameError("unknown_type", f"未知的消息类型 {kind!r};可用: {', '.join(FRAME_TYPES)}")
    try:
        return _frame.validate_python(data)
    except ValidationError as exc:
        errors = [{**e, "loc": e["loc"][1:]} for e in exc.errors()]  # drop the union tag from the path
        message, _ = describe_request_errors(errors)
        raise FrameError("invalid_field", f"{kind} 消息有误 — {message.removeprefix('请求有误 — ')}") from None
