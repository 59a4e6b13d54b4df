"""The `kefu-copilot` command: serve, lint, import, export (more subcommands join as features land)."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from copilot.auth.cli import add_parsers as add_account_parsers
from copilot.config import get_settings
from copilot.lint import Linter, LintResult, RulePackError, load_rules
from copilot.store import DatabaseLimits, Store, StoreError, open_store
from copilot.store.health import DatabaseUnavailable, is_unavailable, unusable
from copilot.suggest.intents import INTENTS
from copilot.textcheck import TextError, check_text

_VERDICT_ZH = {"ok": "可发送", "warn": "建议修改", "block": "禁止发送"}
_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_result(text: str, result: LintResult) -> str:
    """Human output: each diagnostic under its line with a caret underline and the fix."""
    lines = [f"{_VERDICT_ZH[result.verdict]} ({result.verdict}): {len(result.diagnostics)} 个问题"]
    for d in result.diagnostics:
        line_start = text.rfind("\n", 0, d.start) + 1
        line_end = text.find("\n", d.start)
        line_end = len(text) if line_end < 0 else line_end
        line_no = text.count("\n", 0, d.start) + 1
        fix = f" → {d.replacements[0]}" if d.replacements else ""
        lines.append(
            f"\n{line_no}:{d.start - line_start + 1}  {_SEVERITY_ZH[d.severity.value]}  "
            f"[{d.rule}] {d.message}"
        )
        lines.append("  " + text[line_start:line_end])
        underline = _width(text[line_start : d.start]) * " " + "^" * max(1, _width(d.text))
        lines.append("  " + underline + fix)
    if result.fixed != text:
        lines.append(f"\n修正后({_VERDICT_ZH[result.fixed_verdict]}): {result.fixed}")
    return "\n".join(lines)


def _load_linter() -> Linter:
    """The rules the service would lint with: the default packs and this shop's rules from the database."""
    from copilot.rulebook import assemble_linter

    defaults = load_rules([get_settings().rules_dir])  # a broken pack stops here, before the database
    store = _open_store()
    try:
        return assemble_linter(defaults, store, get_settings().lint_max_diagnostics)[1]
    finally:
        store.dispose()


def cmd_lint(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text in (None, "-") else args.text
    if args.text in (None, "-") and text.endswith("\n"):
        text = text[:-1]
    try:
        check_text(text, get_settings().max_text_chars)
    except TextError as exc:
        print(f"kefu-copilot lint: {exc.message}", file=sys.stderr)
        return 2
    result = _load_linter().lint(text, args.scope)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        print(format_result(text, result))
    failing = {"block"} | ({"warn"} if args.strict else set())
    return 1 if result.verdict in failing else 0


def _open_store() -> Store:
    settings = get_settings()
    return open_store(settings.database_url, settings.phrasebank_dir, DatabaseLimits.of(settings))


@contextmanager
def _session() -> Iterator[Session]:
    """One transaction on the configured database (migrated and seeded like `serve` does)."""
    store = _open_store()
    try:
        with store.begin() as session:
            yield session
    finally:
        store.dispose()


def cmd_import(args: argparse.Namespace) -> int:
    from copilot.store.importer import import_phrases
    from copilot.store.io import format_for
    from copilot.store.phrase_check import body_check

    path = Path(args.file)
    fmt = format_for(filename=path.name)  # refuse a wrong extension before touching the database
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"kefu-copilot import: 无法读取 {path}: {exc.strerror}", file=sys.stderr)
        return 2
    rows, errors = fmt.read(data, "")
    settings = get_settings()
    # bodies are checked as the service checks them: rendered for agents, with the shop's rules in force
    check = body_check(_load_linter(), {"agent_no": settings.agent_no, "shop": settings.shop_name,
                                        "customer": settings.customer_name})
    with _session() as session:
        report = import_phrases(session, rows, errors=errors, dry_run=args.dry_run, source="cli", check=check,
                                force=args.force, replace=args.replace)
    if report.errors:
        hint = "（确需导入，请加 --force）" if report.blocked else ""
        print(f"kefu-copilot import: {path.name} 有 {len(report.errors)} 行有问题，未做任何修改{hint}：",
              file=sys.stderr)
        for error in report.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(report.summary())
    for change in report.changes:
        print(f"  修改 {change['id']}「{change['title']}」：" + "；".join(
            f"{f['label']} {_shown(f['before'])} → {_shown(f['after'])}" for f in change["fields"]))
    for row in report.blocked:
        problems = "；".join(f"“{p['text']}”：{p['message']}" for p in row["problems"])
        print(f"  第 {row['row']} 行「{row['title']}」含禁止发送的内容（已按 --force 导入）：{problems}"
              if not report.dry_run else f"  第 {row['row']} 行「{row['title']}」含禁止发送的内容：{problems}")
    return 0


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value)) or "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return "（空）" if value in (None, "") else str(value)


def cmd_export(args: argparse.Namespace) -> int:
    from copilot.store.io import format_for
    from copilot.store.phrases import list_phrases

    path = Path(args.file)
    fmt = format_for(filename=path.name)
    with _session() as session:
        found = list_phrases(session)
    try:
        path.write_bytes(fmt.write(found))
    except OSError as exc:
        print(f"kefu-copilot export: 无法写入 {path}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"已导出 {len(found)} 条短语到 {path}")
    return 0


def format_suggestions(answer: dict[str, Any]) -> str:
    """Human output of a /v1/suggest answer."""
    intents = "、".join(f"{INTENTS.get(i['id'], i['id'])} ({i['score']:.2f})" for i in answer["intents"]) or "无"
    lines = [f"意图: {intents}"]
    if answer["complaint_type"]:
        lines.append(f"投诉类型: {answer['complaint_type']}")
        lines.extend(f"  - {hint}" for hint in answer["hints"])
    for number, s in enumerate(answer["suggestions"], 1):
        code = f" /{s['shortcut']}" if s["shortcut"] else ""
        lines.append(f"\n{number}. {s['title']}{code}  [{INTENTS.get(s['intent'], s['intent'])}] {s['score']:.2f}")
        lines.append(f"   {s['text']}")
    if not answer["suggestions"]:
        lines.append("(没有合适的话术)")
    return "\n".join(lines)


def cmd_suggest(args: argparse.Namespace) -> int:
    from copilot.store import load_enabled_phrases
    from copilot.suggest import model_cache
    from copilot.suggest.index import SuggestIndex
    from copilot.suggest.lexicon import load_lexicon
    from copilot.suggest.suggester import Suggester

    settings = get_settings()
    message = sys.stdin.read().strip() if args.message in (None, "-") else args.message
    try:
        check_text(message, settings.max_text_chars, "message")
    except TextError as exc:
        print(f"kefu-copilot suggest: {exc.message}", file=sys.stderr)
        return 2
    with _session() as session:
        phrases = load_enabled_phrases(session)
    defaults = {"agent_no": settings.agent_no, "shop": settings.shop_name, "customer": settings.customer_name}
    model_cache.use_folder(settings.cache_dir)
    lexicon = load_lexicon(settings.lexicon_dir, settings.training_dir)
    suggester = Suggester(SuggestIndex(phrases, lexicon), defaults)
    answer = suggester.suggest(message, limit=args.limit)
    print(json.dumps(answer, ensure_ascii=False) if args.json else format_suggestions(answer))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from copilot.api.metrics import share_between_workers
    from copilot.logs import logging_config

    # Refuse to start on a broken rule pack, with the pack's own message; migrate and seed once here,
    # and refuse to start on a broken phrasebank.
    _load_linter()
    settings = get_settings()
    host = args.host or settings.host
    if host not in ("127.0.0.1", "::1", "localhost") and not settings.require_login:
        print(f"注意: 服务监听 {host},但未设置 COPILOT_REQUIRE_LOGIN=true,其他电脑无需登录即可使用检查与推荐",
              file=sys.stderr)
    share_between_workers(args.workers)
    uvicorn.run(
        "copilot.api.app:create_app",
        factory=True,
        host=host,
        port=args.port if args.port is not None else settings.port,
        workers=args.workers,
        log_level="info",
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the app believes only
        # COPILOT_TRUSTED_PROXIES (copilot/api/client.py), so uvicorn must leave the client address alone.
        proxy_headers=False,
        log_config=logging_config(settings.log_format),
        ws_max_size=settings.ws_max_frame_bytes,  # larger frames close with 1009
        # Slow or oversized request headers are cut off (uvicorn has no header timeout of its own).
        http="copilot.api.http_protocol:GuardedHttpToolsProtocol",
        timeout_keep_alive=settings.keep_alive_seconds,  # type: ignore[arg-type]  # a float works
        ws_ping_interval=settings.ws_ping_interval_seconds,  # a dead sidebar's socket is closed within
        ws_ping_timeout=settings.ws_ping_timeout_seconds,  # interval + timeout
        # Sidebar frames are small and travel over loopback or a LAN: compressing them costs more CPU
        # (both ends) and latency than it saves.
        ws_per_message_deflate=False,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu-copilot", description="客服副驾: 话术推荐与发送前检查")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="启动服务 (默认只监听 127.0.0.1)")
    serve.add_argument("--host", help="监听地址 (默认 127.0.0.1)")
    serve.add_argument("--port", type=int, help="端口 (默认 8000)")
    serve.add_argument("--workers", type=int, default=1, help="工作进程数")
    serve.set_defaults(func=cmd_serve)

    lint = sub.add_parser("lint", help="检查一段回复是否违反店铺规则")
    lint.add_argument("text", nargs="?", help="要检查的文本;省略或 - 表示从标准输入读取")
    lint.add_argument("--json", action="store_true", help="输出与 /v1/lint 相同的 JSON")
    lint.add_argument("--strict", action="store_true", help="有警告也以退出码 1 结束")
    lint.add_argument("--scope", choices=["presale", "aftersale"], help="只用售前或售后的规则")
    lint.set_defaults(func=cmd_lint)

    imp = sub.add_parser(
        "import", help="从 .yaml/.csv/.xlsx 文件导入话术(按 ID 或快捷编码更新;有错误的文件整份不导入)"
    )
    imp.add_argument("file", help="要导入的文件,格式由扩展名决定")
    imp.add_argument("--dry-run", action="store_true", help="只显示将新增/更新多少条及每条改了什么,不写入")
    imp.add_argument("--replace", action="store_true",
                     help="关键词和示例问题以文件为准整列替换（默认与已有的合并、去重）")
    imp.add_argument("--force", action="store_true",
                     help="短语内容违反错误级规则时仍然导入（历史记录会注明）；默认这类行会拒绝整份导入")
    imp.set_defaults(func=cmd_import)

    sug = sub.add_parser("suggest", help="为一条顾客消息推荐话术")
    sug.add_argument("message", nargs="?", help="顾客消息;省略或 - 表示从标准输入读取")
    sug.add_argument("--json", action="store_true", help="输出与 /v1/suggest 相同的 JSON")
    sug.add_argument("--limit", type=int, default=5, help="最多几条话术 (默认 5)")
    sug.set_defaults(func=cmd_suggest)

    exp = sub.add_parser("export", help="把话术库导出为 .yaml/.csv/.xlsx 文件")
    exp.add_argument("file", help="导出到的文件,格式由扩展名决定")
    exp.set_defaults(func=cmd_export)

    add_account_parsers(sub, _session)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RulePackError as exc:
        print(f"kefu-copilot: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        # ImportRefused (unreadable file, wrong extension) is a refused import; the rest stop the command.
        print(f"kefu-copilot {args.command}: {exc.message}", file=sys.stderr)
        return 1 if args.command == "import" else 2
    except (SQLAlchemyError, DatabaseUnavailable) as exc:
        # A database that cannot be used (read-only file, nobody listening, a wrong URL) is one line, not a
        # traceback; a refused connection is not the user's bug. Anything else is ours: the traceback stays.
        if not (is_unavailable(exc) or isinstance(exc, ArgumentError)):
            raise
        print(f"kefu-copilot {args.command}: {unusable(get_settings().database_url, exc)}", file=sys.stderr)
        return 2
