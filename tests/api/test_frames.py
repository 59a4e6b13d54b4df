"""The sidebar's frames: every frame model has exactly one handler taking it (and every handler a model), so
adding a frame cannot miss either half; the 1009 close reason says the configured frame limit (a socket closed
with it: tests/api/test_hostile_input.py)."""

from __future__ import annotations

from typing import get_type_hints

import pytest

from copilot.api.connection import HANDLERS
from copilot.api.frames import FRAME_MODELS, FRAME_TYPES, frame_types, parse_frame
from copilot.api.hub import too_big_reason


def test_every_frame_type_has_a_handler_and_every_handler_a_frame_type() -> None:
    assert sorted(HANDLERS) == sorted(FRAME_TYPES)
    assert len(FRAME_TYPES) == len(set(FRAME_TYPES))  # no type claimed by two models


@pytest.mark.parametrize("kind", FRAME_TYPES)
def test_each_handler_takes_the_model_its_frame_type_parses_to(kind: str) -> None:
    (model,) = [model for model in FRAME_MODELS if kind in frame_types(model)]
    assert get_type_hints(HANDLERS[kind])["frame"] is model


def test_frame_types_come_from_the_models_in_the_unions_order() -> None:
    assert FRAME_TYPES == (
        "customer",
        "draft",
        "watch",
        "unwatch",
        "search",
        "used",
        "sent",
        "profile",
        "ping",
        "focus",
    )
    assert type(parse_frame('{"type": "unwatch", "conversation": "c1"}')).__name__ == "WatchFrame"


@pytest.mark.parametrize(("limit", "words"), [(65536, "64 KiB"), (2048, "2 KiB"), (1500, "1500 字节")])
def test_the_too_big_reason_names_the_configured_limit(limit: int, words: str) -> None:
    assert too_big_reason(limit) == f"消息超过 {words}"
