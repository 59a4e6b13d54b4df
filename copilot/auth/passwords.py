"""Password hashing with argon2id (argon2-cffi); the cost comes from settings so tests may lower it."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from copilot.auth.errors import InvalidAccount

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 256  # hashing cost is per call, but refuse megabyte "passwords" before hashing


class Passwords:
    """Hash and verify passwords at one argon2id cost."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        # argon2-cffi's default parallelism and lengths (its RFC 9106 low-memory profile) stay as they are.
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

    @cached_property
    def _decoy(self) -> str:
        # Verified against when the user name is unknown, so timing does not tell which names exist.
        return self.hasher.hash("decoy password")

    def hash(self, password: str) -> str:
        check_password(password)
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether the password matches; an unknown user (None) costs the same time and is False."""
        if len(password) > MAX_PASSWORD_CHARS:
            return False
        try:
            return self.hasher.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerificationError, InvalidHashError, UnicodeError):  # a lone surrogate cannot be encoded
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


def check_password(password: str) -> None:
    """Refuse passwords too short to resist guessing, or too long to be a password."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidAccount(f"密码至少需要 {MIN_PASSWORD_CHARS} 个字符")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidAccount(f"密码不能超过 {MAX_PASSWORD_CHARS} 个字符")
    if any(ord(ch) < 32 or ch == "\x7f" for ch in password):
        raise InvalidAccount("密码不能包含控制字符(如换行)")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in password):
        raise InvalidAccount("密码包含无效的字符")
