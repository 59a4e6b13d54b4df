"""The JSON checks every client input passes before parsing: nesting depth, decode errors in Chinese."""

from __future__ import annotations

import json

import pytest

from copilot.api.jsoncheck import JsonRefused, nesting_exceeds, parse_json
from copilot.api.throttle import TokenBucket


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('{"a": 1}', 1),
        ('{"a": [1, {"b": []}]}', 4),
        (nested(32), 32),
        (nested(33), 33),
        ('[{"a": [{"b": [{}]}]}]', 6),
        ('{"x": [[], [[]], []]}', 4),
    ],
)
def test_depth_is_measured_on_objects_and_arrays_alike(text: str, depth: int) -> None:
    json.loads(text)  # every case is valid JSON
    assert not nesting_exceeds(text, depth)
    assert depth == 0 or nesting_exceeds(text, depth - 1)


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"text": "[[[[{{{{" * 100, "q": 'a"[[[[[[[[\\[[[['})
    assert not nesting_exceeds(text, 1)


@pytest.mark.parametrize("value", ["a\\", '\\"]]]', '"[[[[[[', "]]]]]]\\"])
def test_escaped_backslashes_and_quotes_keep_strings_apart(value: str) -> None:
    text = json.dumps([value, "[[[[[[[[", value, 1])
    assert json.loads(text)[0] == value
    assert not nesting_exceeds(text, 1)
    assert nesting_exceeds(json.dumps([[[value]]]), 2)


def test_an_unterminated_string_or_a_truncated_body_is_left_to_the_parser() -> None:
    assert not nesting_exceeds('{"text": "[[[[[[[[[[', 2)
    assert not nesting_exceeds('{"a": [1, 2', 2)
    with pytest.raises(JsonRefused) as refused:
        parse_json('{"a": [1, 2', 32, "消息")
    assert refused.value.code == "invalid_json"


def test_openers_without_closers_count_as_depth() -> None:
    assert nesting_exceeds("[" * 50_000, 32)
    assert nesting_exceeds('{"a":' + "[" * 40, 32)


def test_escaped_quotes_cannot_make_the_scan_quadratic() -> None:
    assert not nesting_exceeds('"' + '\\"' * 200_000, 32)  # finishes at once; a backtracking scan would not


def test_parse_json_refuses_deep_nesting_with_a_chinese_message() -> None:
    with pytest.raises(JsonRefused) as refused:
        parse_json(nested(50_000), 32, "data")
    assert refused.value.code == "json_too_deep"
    assert refused.value.message == "data 的 JSON 嵌套超过 32 层"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "此处缺少一个值（第 1 个字符）"),
        ('{"a" 1}', "此处缺少冒号（第 6 个字符）"),
        ("{'a': 1}", "属性名应使用双引号（第 2 个字符）"),
        ('{"a": 1} x', "JSON 结束后还有多余内容（第 10 个字符）"),
        ('"abc', "字符串没有结束引号（第 1 个字符）"),
    ],
)
def test_decode_errors_say_what_and_where_in_chinese(text: str, reason: str) -> None:
    with pytest.raises(JsonRefused) as refused:
        parse_json(text, 32, "消息")
    assert refused.value.message == f"消息 不是合法的 JSON：{reason}"


class Clock:
    """A hand-moved clock for the bucket (time itself, not our code, is what the test controls)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_sustained_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=20, burst=200, clock=clock)
    assert all(bucket.take() for _ in range(200))
    assert not bucket.take()
    clock.now += 0.5  # ten tokens back
    assert sum(bucket.take() for _ in range(15)) == 10


def test_token_bucket_never_holds_more_than_its_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=20, burst=5, clock=clock)
    clock.now += 3600
    assert sum(bucket.take() for _ in range(10)) == 5


def test_a_typist_with_an_ime_is_never_refused() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=20, burst=200, clock=clock)
    for _ in range(600):  # ten minutes of drafts at 15 a second, plus a search and a ping each second
        for _ in range(17):
            clock.now += 1 / 17
            assert bucket.take()
