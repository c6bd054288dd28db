"""``eval view``: the runs folder served on 127.0.0.1 — a list of runs, one run's report, two side by side.

The static ``report.html`` of each run stays the shareable artifact; this only puts a list in front of
them. Pages:

- ``/`` — every run (newest first) with its suite, time, variants, passed/total, human reviews, and two
  radio columns to pick runs for a side-by-side view;
- ``/run/<name>/`` — the run's own ``report.html`` (and its other files);
- ``/compare?a=<name>&b=<name>`` — the two reports side by side, with the metric changes between them.

Only files inside the runs folder are served; the server binds to loopback only.
"""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

__all__ = ["RunsServer"]

_STYLE = """body{font-family:"Noto Sans CJK SC",sans-serif;margin:1.5em}table{border-collapse:collapse}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}.bad{color:#cf222e}.good{color:#1a7f37}
.pair{display:flex;gap:8px}.pair iframe{flex:1;height:85vh;border:1px solid #ccc}"""


def _page(title: str, body: str) -> bytes:
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>").encode()


class RunsServer:
    """``with RunsServer(folder) as s: s.url`` serves ``folder/evals/runs``; stops with the block (or :meth:`stop`)."""

    def __init__(self, base: Path, port: int = 0) -> None:
        from .suite import eval_runs_root

        self.base = Path(base)
        self.root = eval_runs_root(self.base).resolve()
        self.port = port
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> RunsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def serve_forever(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- pages --------------------------------------------------------------------------------

    def index(self) -> bytes:
        from .history import latest_reviews
        from .suite import list_eval_runs

        runs = [r for r in list_eval_runs(self.base) if not r.get("unfinished")]  # no report yet
        rows = []
        for run in sorted(runs, key=lambda r: r["run"], reverse=True):
            name = html.escape(run["run"])
            reviews = latest_reviews(self.root / run["run"])
            verdicts = "、".join(f"{c} {r.verdict}（{r.by}）" for (c, _), r in reviews.items())
            ok = run["passed"] == run["total"]
            rows.append(
                f"<tr data-run='{name}'><td><input type='radio' name='a' value='{name}'></td>"
                f"<td><input type='radio' name='b' value='{name}'></td><td><a href='/run/{name}/'>{name}</a></td>"
                f"<td>{html.escape(run['suite'] or '')}</td><td>{html.escape(run['started_at'] or '')}</td>"
                f"<td>{html.escape('、'.join(run['variants'] or []))}</td>"
                f"<td class='{'good' if ok else 'bad'}'>{run['passed']}/{run['total']}</td>"
                f"<td>{html.escape(verdicts)}</td></tr>")
        table = ("<form action='/compare'><table id='runs'><thead><tr><th>A</th><th>B</th><th>运行</th><th>套件</th>"
                 "<th>时间</th><th>变体</th><th>通过</th><th>人工评审</th></tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table><p><button id='compare'>并排对比 A 与 B</button></p></form>"
                 if rows else "<p id='empty'>还没有评测运行：先运行 speechwriter eval 套件</p>")
        return _page("评测运行", f"<h1>评测运行（{len(rows)} 次）</h1>{table}")

    def compare(self, a: str, b: str) -> bytes:
        from .suite import compare_runs, load_results

        run_a, run_b = load_results(self.root / a), load_results(self.root / b)
        better, worse = compare_runs(run_a, run_b)
        changes = "".join(
            f"<tr class='{'good' if c in better else 'bad'}'><td>{html.escape(c.case)}</td><td>{html.escape(c.variant)}"
            f"</td><td>{html.escape(c.metric)}</td><td>{c.before:g}</td><td>{c.after:g}</td></tr>"
            for c in [*worse, *better])
        summary = (f"<p id='summary'>变差 {len(worse)} 项，变好 {len(better)} 项</p>"
                   + (f"<table id='changes'><tr><th>用例</th><th>变体</th><th>指标</th><th>{html.escape(a)}</th>"
                      f"<th>{html.escape(b)}</th></tr>{changes}</table>" if changes else ""))
        frames = (f"<div class='pair'><iframe id='left' src='/run/{html.escape(a)}/report.html'></iframe>"
                  f"<iframe id='right' src='/run/{html.escape(b)}/report.html'></iframe></div>")
        return _page(f"{a} 对比 {b}", f"<p><a href='/'>← 全部运行</a></p><h1>{html.escape(a)} ↔ {html.escape(b)}</h1>"
                                      f"{summary}{frames}")

    def file(self, parts: list[str]) -> tuple[bytes, str] | None:
        target = (self.root.joinpath(*parts)).resolve()
        if target.is_dir():
            target = target / "report.html"
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        kind = {".html": "text/html; charset=utf-8", ".json": "application/json", ".md": "text/markdown; charset=utf-8",
                ".png": "image/png"}.get(target.suffix, "application/octet-stream")
        return target.read_bytes(), kind

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                try:
                    if url.path == "/":
                        return self._send(200, server.index())
                    if url.path == "/compare":
                        query = parse_qs(url.query)
                        a, b = query.get("a", [""])[0], query.get("b", [""])[0]
                        if not a or not b:
                            return self._send(400, _page("缺少参数", "<p>请在列表中选出 A 和 B 两次运行</p>"))
                        return self._send(200, server.compare(a, b))
                    if url.path.startswith("/run/"):
                        parts = [unquote(p) for p in url.path[len("/run/"):].split("/") if p]
                        found = server.file(parts)
                        if found is not None:
                            return self._send(200, *found)
                    return self._send(404, _page("找不到", "<p>找不到这个页面</p>"))
                except Exception as exc:  # a broken results.json: say so on the page, keep serving
                    return self._send(500, _page("出错", f"<p>{html.escape(str(exc).splitlines()[0])}</p>"))

        return Handler
