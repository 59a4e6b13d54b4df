"""Log output for `serve`: uvicorn's text lines (the default) or one JSON object per line (COPILOT_LOG_FORMAT=json).

Only formatting lives here; filters (such as the access log's token masking) are attached to the handlers
separately and run before the formatter, so they apply to either format.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime
from typing import Any

from uvicorn.config import LOGGING_CONFIG

# uvicorn's access records carry these as args: client address, method, path with query, HTTP version, status.
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            entry.update(zip(_ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str) -> dict[str, Any]:
    """The dictConfig `serve` hands uvicorn: its own for text; for json the same loggers and handlers with
    JsonFormatter, and the root logger too, so the service's own records come out as JSON as well."""
    config = copy.deepcopy(LOGGING_CONFIG)
    if log_format != "json":
        return config
    json_formatter = {"()": f"{__name__}.JsonFormatter"}
    config["formatters"] = {"default": json_formatter, "access": dict(json_formatter)}
    # uvicorn's loggers do not propagate, so the root handler adds the other records without doubling theirs:
    # the service's own from INFO, libraries' (alembic, bm25s) from WARNING as in text mode.
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    config["loggers"]["copilot"] = {"level": "INFO"}
    return config
