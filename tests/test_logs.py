"""COPILOT_LOG_FORMAT: uvicorn's own configuration for text; one JSON object per record for json."""

from __future__ import annotations

import json
import logging
import sys

from uvicorn.config import LOGGING_CONFIG

from copilot.logs import JsonFormatter, logging_config


def _record(name: str, message: str, args: tuple[object, ...] = (), exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, exc_info)  # type: ignore[arg-type]


def test_text_is_uvicorns_own_configuration() -> None:
    assert logging_config("text") == LOGGING_CONFIG


def test_json_formats_uvicorn_and_the_service_alike() -> None:
    config = logging_config("json")
    assert {f["()"] for f in config["formatters"].values()} == {"copilot.logs.JsonFormatter"}
    assert config["root"]["handlers"] == ["default"] and config["loggers"]["copilot"]["level"] == "INFO"
    assert LOGGING_CONFIG["formatters"]["default"]["()"] == "uvicorn.logging.DefaultFormatter"  # not modified


def test_a_record_is_one_line_of_json_with_its_exception() -> None:
    try:
        raise ValueError("坏了")
    except ValueError:
        record = _record("copilot.api.hub", "关闭连接 %s", ("c1",), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "copilot.api.hub" and entry["message"] == "关闭连接 c1"
    assert entry["time"].endswith("+00:00") and "ValueError: 坏了" in entry["exception"]


def test_an_access_record_carries_its_fields() -> None:
    record = _record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5000", "GET", "/healthz", "1.1", 200))
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == '127.0.0.1:5000 - "GET /healthz HTTP/1.1" 200'
    fields = (entry["client"], entry["method"], entry["path"], entry["status"])
    assert fields == ("127.0.0.1:5000", "GET", "/healthz", 200)
