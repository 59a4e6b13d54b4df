"""One table of Chinese reasons: the API, the rule-pack loader and the phrase import word a mistake alike."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from copilot.api.errors import describe_request_errors
from copilot.lint.loader import describe_validation_error
from copilot.store.schemas import describe_errors
from copilot.validation_zh import reason


def _must_be_polite(value: str) -> str:
    if "亲" not in value:
        raise ValueError("须含“亲”")
    return value


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    code: str = Field(default="ab", min_length=2)
    tags: list[str] = Field(default_factory=list, min_length=1)
    level: Literal["error", "info"] = "info"
    count: int = 0
    polite: Annotated[str, AfterValidator(_must_be_polite)] = "亲"


def _errors(data: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    return caught.value


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "缺少必填字段"),
        ({"name": "x", "colour": 1}, "未知字段"),
        ({"name": 1}, "应为字符串"),
        ({"name": ""}, "不能为空"),
        ({"name": "x", "code": "a"}, "文本过短"),
        ({"name": "x", "tags": []}, "不能为空"),
        ({"name": "x", "level": "fatal"}, "取值无效(可选: 'error' or 'info')"),
        ({"name": "x", "count": "many"}, "应为整数"),
        ({"name": "x", "polite": "你好"}, "须含“亲”"),
    ],
)
def test_the_same_mistake_reads_the_same_in_every_interface(data: dict[str, object], expected: str) -> None:
    error = _errors(data)
    assert reason(error.errors()[0]) == expected
    assert describe_request_errors(list(error.errors()))[1][0]["reason"] == expected
    assert describe_validation_error(error)[0].endswith(f": {expected}")
    assert describe_errors(error)[0][1] == expected


def test_english_never_reaches_a_user() -> None:
    item = {"type": "url_parsing", "loc": ("site",), "msg": "Input should be a valid URL", "input": "x"}
    assert reason(item) == "取值无效（url_parsing）"
