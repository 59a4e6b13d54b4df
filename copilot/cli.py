"""The `kefu-copilot` command: serve, lint, import, export (more subcommands join as features land)."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from copilot.auth.cli import add_parsers as add_account_parsers
from copilot.config import get_settings
from copilot.errors import AppError
from copilot.lint import Linter, LintResult, RulePackError
from copilot.lint.diagnostic import SEVERITY_ZH as _SEVERITY_ZH
from copilot.lint.diagnostic import VERDICT_ZH as _VERDICT_ZH
from copilot.services import Services
from copilot.store import Store
from copilot.store.health import DatabaseUnavailable, is_unavailable, unusable
from copilot.suggest.intents import INTENTS
from copilot.textcheck import TextError, check_text


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
            f"\n{line_no}:{d.start - line_start + 1}  {_SEVERITY_ZH[d.severity.value]}  [{d.rule}] {d.message}"
        )
        lines.append("  " + text[line_start:line_end])
        underline = _width(text[line_start : d.start]) * " " + "^" * max(1, _width(d.text))
        lines.append("  " + underline + fix)
    if result.fixed != text:
        lines.append(f"\n修正后({_VERDICT_ZH[result.fixed_verdict]}): {result.fixed}")
    return "\n".join(lines)


def _services(*, rules: bool = False, index: bool = False) -> Services:
    """The service's parts this command needs, on the configured database (migrated and seeded like `serve`
    does). With `rules`, the rules the service would lint with: the default packs (a broken pack stops the
    command before the database is opened) and this shop's rules from the database."""
    return Services(get_settings(), rules=rules, index=index)


def _load_linter() -> Linter:
    """The rules the service would lint with."""
    with _services(rules=True) as services:
        return services.rulebook.linter


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


@contextmanager
def _session() -> Iterator[Session]:
    """One transaction on the configured database (migrated and seeded like `serve` does)."""
    with _services() as services, services.store.begin() as session:
        yield session


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
    with _services(rules=True) as services:
        # bodies are checked as the service checks them: rendered for agents, with the shop's rules in force
        check = body_check(services.rulebook.linter, services.defaults)
        with services.store.begin() as session:
            report = import_phrases(
                session,
                rows,
                errors=errors,
                dry_run=args.dry_run,
                source="cli",
                check=check,
                force=args.force,
                replace=args.replace,
            )
    if report.errors:
        hint = "（确需导入，请加 --force）" if report.blocked else ""
        print(
            f"kefu-copilot import: {path.name} 有 {len(report.errors)} 行有问题，未做任何修改{hint}：", file=sys.stderr
        )
        for error in report.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(report.summary())
    for change in report.changes:
        print(
            f"  修改 {change['id']}「{change['title']}」："
            + "；".join(f"{f['label']} {_shown(f['before'])} → {_shown(f['after'])}" for f in change["fields"])
        )
    for row in report.blocked:
        problems = "；".join(f"“{p['text']}”：{p['message']}" for p in row["problems"])
        print(
            f"  第 {row['row']} 行「{row['title']}」含禁止发送的内容（已按 --force 导入）：{problems}"
            if not report.dry_run
            else f"  第 {row['row']} 行「{row['title']}」含禁止发送的内容：{problems}"
        )
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
    settings = get_settings()
    message = sys.stdin.read().strip() if args.message in (None, "-") else args.message
    try:
        check_text(message, settings.max_text_chars, "message")
    except TextError as exc:
        print(f"kefu-copilot suggest: {exc.message}", file=sys.stderr)
        return 2
    # Without the rule book: which phrases the rules block changes their order in the sidebar, not their
    # scores, and loading the packs would double the command's start-up.
    with _services(index=True) as services:
        answer = services.live.suggester.suggest(message, limit=args.limit)
    print(json.dumps(answer, ensure_ascii=False) if args.json else format_suggestions(answer))
    return 0


class MiningProgress:
    """The progress of a mining job on stderr: a bar redrawn in place on a terminal, else a plain line at
    every tenth (logs and CI keep a short record)."""

    BAR = 30

    def __init__(self, stream: TextIO, tty: bool) -> None:
        self.stream, self.tty = stream, tty
        self._shown = -1  # the last tenth (plain) or cell count (bar) shown
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        if total <= 0:
            return
        done = min(done, total)
        if self.tty:
            cells = done * self.BAR // total
            if cells == self._shown and done < total:
                return
            self._shown = cells
            bar = "█" * cells + "░" * (self.BAR - cells)
            self.stream.write(f"\r已挖掘 [{bar}] {done}/{total} 条 {done * 100 // total}%")
            self._drawn = True
        else:
            tenth = done * 10 // total
            if tenth == self._shown:
                return
            self._shown = tenth
            self.stream.write(f"已挖掘 {done}/{total} 条\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def cmd_learn_import(args: argparse.Namespace) -> int:
    """Upload a chat log and run its mining job here, to the end (a running service sees the upload, and
    none of its workers can take the job: it is claimed for this process from the start)."""
    from copilot.learn import jobs
    from copilot.learn.chatlog import ChatLogRefused
    from copilot.learn.matching import matcher_for

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"kefu-copilot learn import: 无法读取 {path}: {exc.strerror}", file=sys.stderr)
        return 2
    settings = get_settings()
    # the phrase index the service would suggest from, like `suggest`'s without the rule book
    with _services() as services:
        store = services.store
        worker = jobs.worker_name()
        try:
            upload = jobs.create_upload(store, data, path.name, actor="cli", settings=settings, worker=worker)
        except ChatLogRefused as exc:
            print(f"kefu-copilot learn import: {path.name} 未导入 — {exc.message}", file=sys.stderr)
            return 1
        del data
        print(
            f"正在挖掘 {path.name}：{upload['messages']} 条消息，{upload['conversations']} 个会话，"
            f"{upload['total']} 条顾客消息",
            file=sys.stderr,
        )
        progress = MiningProgress(sys.stderr, sys.stderr.isatty())
        try:
            # Built after the file is accepted, so a refused file is answered at once. (Should this take
            # longer than the lease, a running service takes the job over and finishes it; we then say so.)
            suggester = services.live.suggester
            ended = jobs.run_job(
                store,
                upload["id"],
                suggester,
                matcher_for(suggester.index),
                worker=worker,
                keep_text=settings.learn_keep_text,
                auto_accept_agents=settings.learn_auto_accept_agents,
                lease_seconds=settings.learn_lease_seconds,
                on_progress=progress.update,
            )
        except KeyboardInterrupt:
            progress.close()
            jobs.give_up(store, upload["id"], worker)
            print("kefu-copilot learn import: 已中断，未导入任何结果", file=sys.stderr)
            return 130
        progress.close()
        return _learn_summary(store, ended)


def _learn_summary(store: Store, ended: dict[str, Any] | None) -> int:
    from copilot.learn import jobs

    if ended is None:  # deleted meanwhile (or taken over after this process stalled past its lease)
        print("kefu-copilot learn import: 任务已被删除或由其他进程接手，本次未导入结果", file=sys.stderr)
        return 1
    if ended["status"] != "done":
        why = ended["error"] or "任务已被取消"
        print(f"kefu-copilot learn import: {ended['filename']} 未导入 — {why}", file=sys.stderr)
        return 1
    print(
        f"已导入 {ended['filename']}（编号 {ended['id']}）：{ended['messages']} 条消息，"
        f"{ended['conversations']} 个会话，{ended['total']} 条顾客消息"
    )
    print(f"候选问法：{ended['candidates']} 次（请主管在编辑器的「学习」页采纳或拒绝）")
    print(f"缺口：{ended['gaps']} 个（没有话术回答的问题）")
    top = jobs.upload_gaps(store, ended["id"], limit=5)
    if top:
        print("最大的缺口：")
        for number, gap in enumerate(top, 1):
            print(f"  {number}. {gap['questions'][0] if gap['questions'] else '（无样例）'}（{gap['count']} 次）")
            if gap["reply"]:
                print(f"     常见回复：{gap['reply']}")
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
        print(
            f"注意: 服务监听 {host},但未设置 COPILOT_REQUIRE_LOGIN=true,其他电脑无需登录即可使用检查与推荐",
            file=sys.stderr,
        )
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

    imp = sub.add_parser("import", help="从 .yaml/.csv/.xlsx 文件导入话术(按 ID 或快捷编码更新;有错误的文件整份不导入)")
    imp.add_argument("file", help="要导入的文件,格式由扩展名决定")
    imp.add_argument("--dry-run", action="store_true", help="只显示将新增/更新多少条及每条改了什么,不写入")
    imp.add_argument(
        "--replace", action="store_true", help="关键词和示例问题以文件为准整列替换（默认与已有的合并、去重）"
    )
    imp.add_argument(
        "--force",
        action="store_true",
        help="短语内容违反错误级规则时仍然导入（历史记录会注明）；默认这类行会拒绝整份导入",
    )
    imp.set_defaults(func=cmd_import)

    sug = sub.add_parser("suggest", help="为一条顾客消息推荐话术")
    sug.add_argument("message", nargs="?", help="顾客消息;省略或 - 表示从标准输入读取")
    sug.add_argument("--json", action="store_true", help="输出与 /v1/suggest 相同的 JSON")
    sug.add_argument("--limit", type=int, default=5, help="最多几条话术 (默认 5)")
    sug.set_defaults(func=cmd_suggest)

    exp = sub.add_parser("export", help="把话术库导出为 .yaml/.csv/.xlsx 文件")
    exp.add_argument("file", help="导出到的文件,格式由扩展名决定")
    exp.set_defaults(func=cmd_export)

    learn = sub.add_parser("learn", help="从团队的聊天记录学习（候选问法与缺口）")
    learn_sub = learn.add_subparsers(dest="learn_command", required=True)
    learn_import = learn_sub.add_parser(
        "import", help="导入 .csv/.xlsx/.jsonl 聊天记录并在本进程挖掘到底（进度写到标准错误；文件有误则整份不导入）"
    )
    learn_import.add_argument(
        "file", help="聊天记录文件，列：会话ID、时间、角色、内容（或 conversation、time、role、text）"
    )
    learn_import.set_defaults(func=cmd_learn_import)

    add_account_parsers(sub, _session)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except RulePackError as exc:
        print(f"kefu-copilot: {exc}", file=sys.stderr)
        return 2
    except AppError as exc:
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
