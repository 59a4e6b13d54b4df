"""Whether the database answers: which failures mean "unavailable", and one log line per outage."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot be asked right now (down, unreachable, too slow, or this worker's gate is full)."""

    def __init__(self, message: str = "数据库暂时无法访问") -> None:
        super().__init__(message)
        self.message = message


class DatabaseBusy(DatabaseUnavailable):
    """Too many requests of this worker already wait on the database; answered at once instead of queued."""

    def __init__(self) -> None:
        super().__init__("数据库繁忙,等待数据库的请求已达上限")


def is_unavailable(error: BaseException) -> bool:
    """True for failures of reaching the database, as opposed to a wrong query or a constraint."""
    if isinstance(
        error,
        (
            DatabaseUnavailable,
            sa_exc.OperationalError,
            sa_exc.InterfaceError,
            sa_exc.DisconnectionError,
            sa_exc.TimeoutError,
        ),
    ):
        return True  # OperationalError covers refused, reset, timed out, canceled by statement_timeout, locked
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def describe(error: BaseException) -> str:
    """The driver's own first line for a failure, without SQLAlchemy's statement and link."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}"


def _starts_outage(error: BaseException) -> bool:
    # A full gate is load; SQLite's "database is locked" is another process writing: both pass.
    return not isinstance(error, DatabaseBusy) and "database is locked" not in str(error)


class Outage:
    """Tracks one outage at a time so it is logged twice in all: when it starts and when it ends (with a count)."""

    # During an outage one call at a time still goes to the database, a second after the last one ended
    # (the background refresh keeps asking too); the others fail at once instead of each waiting out the
    # timeouts.
    PROBE_EVERY = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None
        self.failed_requests = 0
        self._probing = False
        self._next_probe = 0.0

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Let a call go to the database: always, but during an outage only as the one probe (else raise)."""
        if self.since is None:
            yield
            return
        with self._lock:
            if self._probing or time.monotonic() < self._next_probe:
                raise DatabaseUnavailable
            self._probing = True
        try:
            yield
        finally:
            with self._lock:
                self._probing = False
                self._next_probe = time.monotonic() + self.PROBE_EVERY

    @property
    def down(self) -> bool:
        return self.since is not None

    def failure(self, error: BaseException, *, request: bool = True) -> None:
        """The database failed a request (or a background task, request=False)."""
        with self._lock:
            if self.since is None:
                if not _starts_outage(error):
                    return  # load or contention, not an outage; counted only within one
                self.since, self.failed_requests = time.monotonic(), 0
                self._next_probe = self.since + self.PROBE_EVERY
                log.warning(
                    "database unavailable (%s); answering 503 database_unavailable until it is back", describe(error)
                )
            if request:
                self.failed_requests += 1

    def success(self) -> None:
        """A statement went through: if an outage was on, it is over."""
        if self.since is None:  # the common case, without the lock
            return
        with self._lock:
            if self.since is None:
                return
            lasted, failed = time.monotonic() - self.since, self.failed_requests
            self.since, self.failed_requests = None, 0
        log.warning("database back after %.1f s; %d requests failed during the outage", lasted, failed)


_WHY = (  # the driver's words -> what a person should look at
    ("readonly", "数据库文件只读,无法写入"),
    ("read-only", "数据库只读,无法写入"),
    ("unable to open database file", "无法打开数据库文件(目录不存在或无权限)"),
    ("connection refused", "连接被拒绝(数据库没有运行,或地址、端口不对)"),
    ("timeout expired", "连接超时(数据库无应答)"),
    ("timed out", "连接超时(数据库无应答)"),
    ("password authentication failed", "用户名或密码错误"),
    ("does not exist", "数据库或用户不存在"),
    ("could not translate host name", "无法解析数据库主机名"),
    ("name or service not known", "无法解析数据库主机名"),
)


def without_password(url: str) -> str:
    """The database URL as it may be printed: any password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:  # not a URL SQLAlchemy reads, but it may still hold a password
        head, at, host = url.rpartition("@")
        if not at:
            return url
        scheme, slashes, userinfo = head.rpartition("//")
        return f"{scheme}{slashes}{userinfo.split(':', 1)[0]}:***@{host}"


def unusable(url: str, error: BaseException) -> str:
    """One line saying which database cannot be used and why, for start-up."""
    if isinstance(error, sa_exc.ArgumentError):
        why = "数据库地址无法识别(COPILOT_DATABASE_URL 应形如 sqlite:///路径 或 postgresql+psycopg://用户@主机/库)"
    else:
        text = str(getattr(error, "orig", None) or error).lower()
        why = next((zh for words, zh in _WHY if words in text), "无法使用数据库")
    return f"无法使用数据库 {without_password(url)}:{why}({describe(error)})"
