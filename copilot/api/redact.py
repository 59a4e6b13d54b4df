"""Keep secrets out of the server's log: a `?token=` in a logged URL, or any `kc_` API token, is masked."""

from __future__ import annotations

import logging
import re

# `token=` as a query parameter (old sidebars and scripts put the socket's token there), and any API token
# written anywhere else in a line.
_SECRETS = re.compile(r"(?<=[?&;]token=)[^&\s\"']+|\bkc_[A-Za-z0-9_\-]{8,}")
_MASK = "***"
# uvicorn logs HTTP requests to uvicorn.access and WebSocket handshakes to uvicorn.error, both with the path
# and its query string among the record's arguments.
LOGGERS = ("uvicorn.access", "uvicorn.error")


def mask(text: str) -> str:
    return _SECRETS.sub(_MASK, text)


class RedactSecrets(logging.Filter):
    """Rewrite a record's message and string arguments before any handler or formatter sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: mask(arg) if isinstance(arg, str) else arg for key, arg in record.args.items()}
        return True


def install_log_redaction() -> None:
    """Attach the filter to uvicorn's loggers once per process (create_app may run more than once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
