"""`kefu-copilot user …` and `kefu-copilot token …`: accounts managed on the database `serve` uses."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from copilot.auth import tokens, users
from copilot.auth.errors import InvalidAccount
from copilot.auth.passwords import Passwords, check_password
from copilot.auth.roles import ROLES, describe
from copilot.config import get_settings

SessionFactory = Callable[[], AbstractContextManager[Session]]


def passwords() -> Passwords:
    settings = get_settings()
    return Passwords(settings.password_time_cost, settings.password_memory_kib)


def read_password() -> str:
    """Twice from a prompt on a terminal; otherwise the first line of standard input (for scripts)."""
    if sys.stdin.isatty():
        first = getpass.getpass("密码: ")
        check_password(first)
        if getpass.getpass("再输入一次: ") != first:
            raise InvalidAccount("两次输入的密码不一致")
        return first
    password = sys.stdin.readline().rstrip("\r\n")
    check_password(password)
    return password


def cmd_user(args: argparse.Namespace, session_factory: SessionFactory) -> int:
    if args.action == "list":
        with session_factory() as session:
            found = users.list_users(session)
        for user in found:
            state = "  (已停用)" if user.disabled else ""
            print(f"{user.name}\t{user.role}{state}")
        if not found:
            print("还没有用户:kefu-copilot user add NAME --role admin", file=sys.stderr)
        return 0
    if args.action == "add":
        password_hash = passwords().hash(read_password())
        with session_factory() as session:
            user = users.create_user(session, name=args.name, role=args.role, password_hash=password_hash)
        print(f"已添加用户 {user.name},角色 {describe(user.role)}")
        return 0
    if args.action == "passwd":
        with session_factory() as session:
            users.get_user(session, args.name)  # an unknown name is refused before asking for a password
        password_hash = passwords().hash(read_password())
        with session_factory() as session:
            users.update_user(session, name=args.name, password_hash=password_hash)
        print(f"已修改 {args.name} 的密码,原有登录已失效")
        return 0
    disabled = args.action == "disable"
    with session_factory() as session:
        users.update_user(session, name=args.name, disabled=disabled)
    print(f"已停用 {args.name},其登录与令牌均不再可用" if disabled else f"已启用 {args.name}")
    return 0


def cmd_token(args: argparse.Namespace, session_factory: SessionFactory) -> int:
    if args.action == "create":
        with session_factory() as session:
            user = users.get_user(session, args.user)
            token, secret = tokens.create_token(session, user=user, label=args.label)
            token_id = token.id
        # Only the token on stdout, so `TOKEN=$(kefu-copilot token create --user x)` captures it whole.
        print(secret)
        print(f"已为 {args.user} 创建令牌 #{token_id};它只显示这一次,请妥善保存", file=sys.stderr)
        return 0
    if args.action == "list":
        with session_factory() as session:
            owner = users.get_user(session, args.user) if args.user else None
            listed = [tokens.public(token) for token in tokens.list_tokens(session, user=owner)]
        for shown in listed:
            state = f"已撤销 {shown['revoked_at']}" if shown["revoked_at"] else "有效"
            print(
                f"#{shown['id']}\t{shown['user']}\t{shown['label'] or '-'}\t{state}\t"
                f"最近使用 {shown['last_used_at'] or '从未'}"
            )
        return 0
    with session_factory() as session:
        tokens.revoke_token(session, token_id=args.id)
    print(f"已撤销令牌 #{args.id}")
    return 0


def add_parsers(sub: argparse._SubParsersAction, session_factory: SessionFactory) -> None:  # type: ignore[type-arg]
    """The `user` and `token` subcommands, each running on sessions from `session_factory`."""
    user = sub.add_parser("user", help="管理账号(客服 agent / 主管 lead / 管理员 admin)")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="添加用户;密码在终端中输入两次,或从标准输入读取一行")
    add.add_argument("name", help="用户名 (1–32 个字符)")
    add.add_argument("--role", choices=ROLES, default="agent", help="角色 (默认 agent)")
    actions.add_parser("list", help="列出所有用户")
    for action, text in (("passwd", "修改密码(原有登录随之失效)"), ("disable", "停用用户"), ("enable", "重新启用用户")):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("name", help="用户名")
    user.set_defaults(func=lambda args: cmd_user(args, session_factory))

    token = sub.add_parser("token", help="管理 API 令牌 (Authorization: Bearer)")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="生成令牌;标准输出只打印令牌本身,且只显示这一次")
    create.add_argument("--user", required=True, help="令牌属于哪个用户")
    create.add_argument("--label", help="备注,例如用途")
    listing = actions.add_parser("list", help="列出令牌(不含令牌本身)")
    listing.add_argument("--user", help="只列出这个用户的")
    revoke = actions.add_parser("revoke", help="撤销令牌")
    revoke.add_argument("id", type=int, help="令牌编号(token list 中的 #)")
    token.set_defaults(func=lambda args: cmd_token(args, session_factory))
