"""``speechwriter runs …``: the run records under ``.speechwriter/runs/``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .app import command, console, is_terminal, print_json, subgroup, workspace

runs_app = subgroup("runs", "运行记录：列出、查看、清理。")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
COLUMNS = ("运行 id", "时间", "类型", "文种", "引擎", "状态", "调用", "tokens", "费用")


def run_row(run: dict) -> list[str]:
    """One run as the cells of ``runs list``."""
    def mapping(key: str) -> dict:
        value = run.get(key)
        return value if isinstance(value, dict) else {}  # a damaged record shows blanks, not a traceback

    def count(value: object) -> int:
        return value if isinstance(value, int) else 0

    usage, engine, cost = mapping("usage"), mapping("engine"), run.get("cost")
    kind = run.get("kind") if isinstance(run.get("kind"), str) else ""
    return [str(run.get("run_id", "?")), str(run.get("created_at", "")),
            {"refine": "修改", "extract": "抽取"}.get(kind or "", "起草"),
            str(run.get("genre", "") or ""), f"{engine.get('name')}/{engine.get('model')}",
            str(run.get("status", "") or ""), str(usage.get("calls", "—")),
            str(count(usage.get("prompt_tokens")) + count(usage.get("completion_tokens"))),
            f"{cost:.4f}" if isinstance(cost, (int, float)) else "—"]


def matches(run: dict, query: str) -> bool:
    """Whether ``query`` occurs (case-insensitively) in a run's id, facts path, genre, engine, model, status or kind."""
    engine = run.get("engine") or {}
    hay = " ".join(str(v) for v in (run.get("run_id"), run.get("facts_path"), run.get("genre"), run.get("status"),
                                    run.get("kind") or "draft", engine.get("name"), engine.get("model"),
                                    engine.get("profile"), run.get("output")) if v)
    return query.casefold() in hay.casefold()


@command(runs_app, "list")
def runs_list(
    as_json: JsonOpt = False,
    limit: Annotated[int | None, typer.Option("-n", "--limit", min=1, help="只列出最新的 N 条")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", metavar="TEXT",
                                               help="只列出运行 id、事实文件、文种、引擎、模型或状态中含 TEXT 的")] = None,
) -> None:
    """列出本目录 .speechwriter/runs 下的运行记录，新的在前（输出到管道时为制表符分隔的纯文本行）。

    \b
    示例：speechwriter runs list -n 5
    示例：speechwriter runs list --search deepseek
    示例：speechwriter runs list | grep 起草 | cut -f1
    """
    from rich.table import Table

    runs = [r for r in workspace().runs() if search is None or matches(r, search)][:limit]
    if as_json:
        print_json(runs)
        return
    if not is_terminal():  # piped: whole rows, one per line, no table cut to 80 columns
        import sys

        sys.stdout.write("\t".join(COLUMNS) + "\n")
        for run in runs:
            sys.stdout.write("\t".join(cell.replace("\t", " ") for cell in run_row(run)) + "\n")
        return
    table = Table(show_edge=False)
    for col in COLUMNS:
        table.add_column(col, no_wrap=True)
    for run in runs:
        table.add_row(*run_row(run))
    console().print(table)


@command(runs_app, "show")
def runs_show(run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="运行 id（唯一前缀即可）")],
              as_json: JsonOpt = False,
              requests: Annotated[bool, typer.Option("--requests", help="逐条显示发出的请求正文（脱敏时即脱敏后的内容）")]
              = False) -> None:
    """显示一次运行的记录：配置、各章节、每次调用和最后的校验结果；加 --requests 显示发出去的每条请求。

    \b
    示例：speechwriter runs show 20261128-101500
    示例：speechwriter runs show 20261128-101500 --requests
    """
    from rich.table import Table

    rec = workspace().run(run_id)
    if requests:
        _show_requests(rec, as_json)
        return
    if as_json:
        print_json({"id": rec.id, "meta": rec.meta, "sections": rec.sections(), "calls": rec.calls(),
                    "report": rec.report()})
        return
    out = console()
    meta = dict(rec.meta)
    out.print(f"[bold]{rec.id}[/bold] · 状态 {meta.get('status')} · 文种 {meta.get('genre')} · "
              f"事实 {meta.get('facts_path')}")
    table = Table(show_edge=False)
    for col in ("#", "章节", "类型", "状态", "尝试", "用时", "输入", "输出", "缓存"):
        table.add_column(col)
    for n, call in enumerate(rec.calls(), 1):
        usage = call.get("usage") or {}
        table.add_row(f"{n:04d}", call["section"], call["kind"], call["status"], str(len(call.get("attempts") or [])),
                      f"{call['latency_ms']}ms", str(usage.get("prompt_tokens", "")),
                      str(usage.get("completion_tokens", "")), "是" if call.get("cached") else "")
    out.print(table)
    out.print(f"已完成章节：{'、'.join(rec.sections()) or '（无）'}")
    report = rec.report()
    if report is not None:
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        out.print(f"最终校验：{len(errors)} 个错误")
    if isinstance(meta.get("cost"), (int, float)):
        out.print(f"估算费用：{meta['cost']:.4f}（按配置单价）")


def sent_requests(rec: Any) -> dict[str, Any]:
    """What a run sent, as its record keeps it: each call's messages, whether it left, and what was masked.

    A cache hit was answered here and sent nothing. ``leaks`` lists the values the run's facts file
    declares (of the masked kinds) that still occur in the data of what was sent (data blocks,
    assistant turns): empty when masking held, and ``None`` when it cannot be checked (no masking,
    or the facts file is gone or broken). ``in_instructions`` lists those that occur outside the
    data blocks, which masking leaves as they are.
    """
    calls = []
    kinds: set[str] = set()
    for n, call in enumerate(rec.calls(), 1):
        messages = call.get("messages")
        if not isinstance(messages, list) or not all(
                isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
            messages = None  # a damaged or hand-edited record: shown as such, never guessed
        masked = call.get("masked") if isinstance(call.get("masked"), list) else []
        kinds.update(str(k) for k in masked)
        calls.append({"n": n, "section": call.get("section", "-"), "kind": call.get("kind", "-"),
                      "status": call.get("status", ""), "sent": call.get("status") != "cache-hit",
                      "masked": [str(k) for k in masked], "messages": messages})
    engine = rec.meta.get("engine") if isinstance(rec.meta.get("engine"), dict) else {}
    return {"id": rec.id, "engine": {k: engine.get(k) for k in ("name", "model", "base_url", "profile")},
            "masked": sorted(kinds), "leaks": _leaks(rec.meta, sorted(kinds), calls),
            "in_instructions": _in_instructions(rec.meta, sorted(kinds), calls), "calls": calls}


def _run_masker(meta: dict[str, Any], kinds: list[str]) -> Any:
    """The masker of the run's facts file, or None (no masking, or the file is gone or broken)."""
    from ..errors import SpeechwriterError
    from ..facts import load_facts
    from ..masking import Masker

    path = meta.get("facts_path")
    if not kinds or not isinstance(path, str):
        return None
    try:
        return Masker.from_facts(load_facts(path), kinds)
    except (SpeechwriterError, OSError):
        return None


def _sent_messages(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for c in calls if c["sent"] and c["messages"] for m in c["messages"]]


def _leaks(meta: dict[str, Any], kinds: list[str], calls: list[dict[str, Any]]) -> list[str] | None:
    """Declared values left in the data of what was sent; None when it cannot be checked."""
    masker = _run_masker(meta, kinds)
    return None if masker is None else masker.data_leaks(_sent_messages(calls))


def _in_instructions(meta: dict[str, Any], kinds: list[str], calls: list[dict[str, Any]]) -> list[str]:
    """Declared values that occur in the instructions (outside the data blocks), where masking never
    reaches: the prompt's own words (只说一次, 第2部分), or a fact a user's template prints there."""
    masker = _run_masker(meta, kinds)
    return [] if masker is None else masker.exposed(_sent_messages(calls))


def _show_requests(rec: Any, as_json: bool) -> None:
    from rich.markup import escape
    from rich.rule import Rule

    data = sent_requests(rec)
    if as_json:
        print_json(data)
        return
    out = console()
    engine = data["engine"]
    out.print(f"[bold]{rec.id}[/bold] · 接口 {escape(str(engine.get('base_url') or '（默认）'))} · "
              f"模型 {escape(str(engine.get('model')))} · 共 {len(data['calls'])} 次调用")
    if data["masked"]:
        out.print(f"已脱敏（{'、'.join(data['masked'])}）：以下即发出的内容，占位符〔数1〕〔单位1〕等代替了事实文件声明的值；"
                  "事实文件中的其余文字照常发出")
        if data["leaks"] is None:
            out.print("（找不到或读不了运行所用的事实文件，未核对请求中是否仍有声明过的值）")
        elif data["leaks"]:
            out.print(f"[red]注意：[/red]请求中出现了事实文件声明的值：{escape('、'.join(data['leaks']))}")
        else:
            out.print("核对：发出的请求的数据中没有出现事实文件声明的任何一个上述值")
        if data["in_instructions"]:
            out.print(f"说明文字（数据块之外）中出现、按规则不替换的字样：{escape('、'.join(data['in_instructions']))}"
                      "（若这是事实而不是提示词本身的字样，请检查自定义模板是否把事实写在了数据块之外）")
    else:
        out.print("未脱敏：以下内容按原文发出")
    for call in data["calls"]:
        where = "缓存命中，未发出" if not call["sent"] else call["status"]
        out.print(Rule(f"#{call['n']:04d} {call['section']} · {call['kind']} · {where}"))
        if call["messages"] is None:
            out.print("（这条记录已损坏，无法显示请求正文）")
            continue
        for message in call["messages"]:
            out.print(f"[bold]{escape(str(message.get('role', '?')))}[/bold]：")
            out.print(message["content"], markup=False)


@command(runs_app, "prune")
def runs_prune(
    keep: Annotated[int, typer.Option("--keep", min=0, help="保留最新的 N 条")] = 20,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出将删除的记录，不删除")] = False,
    as_json: JsonOpt = False,
) -> None:
    """删除较旧的运行记录，只保留最新的 N 条（默认 20）；正在运行的记录不删。

    \b
    示例：speechwriter runs prune --keep 5 --dry-run
    """
    import shutil

    from ..errors import WriteError
    from ..files import write_problem

    ws = workspace()
    runs = ws.runs()
    old = [r for r in runs[keep:] if r.get("status") != "running" and r.get("run_id")]
    removed = []
    for run in old:
        folder = ws.runs_dir / str(run["run_id"])
        if folder.parent != ws.runs_dir or not (folder / "run.json").is_file():
            continue  # only folders that are run records, directly under runs/
        if not dry_run:
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                raise WriteError(f"无法删除运行记录：{write_problem(exc)}", path=str(folder)) from None
        removed.append(str(run["run_id"]))
    if as_json:
        print_json({"removed": removed, "dry_run": dry_run, "kept": len(runs) - len(removed)})
        return
    verb = "将删除" if dry_run else "已删除"
    console().print(f"{verb} {len(removed)} 条运行记录，保留 {len(runs) - len(removed)} 条")
    for run_id in removed:
        console().print(f"  {run_id}")
