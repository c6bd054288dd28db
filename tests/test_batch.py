"""Evaluation on the Batch API against a scripted server that implements /v1/files and /v1/batches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from speechwriter.evals import RunOptions, SuiteResult, Variant, load_suite, run_suite
from speechwriter.evals.batch import collect_batch, load_run, submit_batch
from speechwriter.testing.batchserver import BatchFate, FakeBatchServer
from speechwriter.testing.fakeserver import Step

from .conftest import ALL_FIXTURES, ROOT, SECRET_KEY, composer_brain, is_repair, section_of

VARIANTS = [Variant(engine="openai")]


@pytest.fixture
def endpoint(monkeypatch):
    """Point the default engine at a scripted server; yields a function that starts one."""
    started: list[FakeBatchServer] = []

    def start(script=None, **kwargs) -> FakeBatchServer:
        server = FakeBatchServer(script or composer_brain(), **kwargs)
        server.start()
        started.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SPEECHWRITER_MODEL", "fake-model")
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        return server

    yield start
    for server in started:
        server.stop()


def suite_file(folder: Path, n: int = 4, judge: bool = False) -> Path:
    fixtures = (ALL_FIXTURES * 3)[:n]
    text = "name: batch\ncases:\n" + "".join(f"  - {{id: c{i}, facts: {p}}}\n" for i, p in enumerate(fixtures))
    path = folder / "suite.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def client_for(server: FakeBatchServer):
    return lambda _endpoint: openai.OpenAI(base_url=server.base_url, api_key=SECRET_KEY, max_retries=0)


def comparable(result: SuiteResult) -> list:
    """What must match between a live and a batch run (timings and timestamps differ by nature)."""
    return [(r.case, r.variant, r.repeat, r.status, r.metrics, r.failures,
             [s["body"] for s in (r.draft or {}).get("sections", [])], r.findings) for r in result.results]


def chat_posts(server: FakeBatchServer) -> int:
    return sum(1 for h in server.headers_seen if "x-speechwriter-kind" in h)


def collect_until_done(folder: Path, root: Path, server: FakeBatchServer, limit: int = 12):
    whats = []
    for _ in range(limit):
        folder, run, result, what = collect_batch(folder, root, client_for(server))
        whats.append(what)
        if result is not None:
            return result, run, whats
    raise AssertionError(f"batch never finished: {whats}")


def invents_once(brain):
    """A model whose first achievements section invents a figure (so the run needs a repair round)."""
    def respond(request):
        step = brain(request)
        if section_of(request) == "achievements" and not is_repair(request):
            step.reply = step.reply.replace("。", "，新增投入386万元。", 1)
        return step

    return respond


def test_a_suite_by_batch_gives_the_same_results_as_live(tmp_path: Path, endpoint) -> None:
    suite = load_suite(suite_file(tmp_path))
    live_server = endpoint(invents_once(composer_brain()))
    live = run_suite(suite, VARIANTS, RunOptions(use_cache=False, workdir=tmp_path / "live"))
    assert any(is_repair(r) for r in live_server.requests)

    server = endpoint(invents_once(composer_brain()))
    root = tmp_path / "batch"
    root.mkdir()
    folder, run, plan = submit_batch(suite, VARIANTS, RunOptions(workdir=root), client_for=client_for(server))
    live_generations = sum(1 for r in live_server.requests if r["speechwriter"]["kind"] == "generate")
    assert plan.count == live_generations and chat_posts(server) == 0  # every first-round request; none sent live
    lines = (folder / run.jobs[0].input_file).read_text(encoding="utf-8").splitlines()
    assert {json.loads(x)["url"] for x in lines} == {"/v1/chat/completions"}
    assert len({json.loads(x)["custom_id"] for x in lines}) == len(lines)
    result, run, whats = collect_until_done(folder, root, server)
    assert whats[-1] == "done" and "round2" in whats  # the repairs went as a second, smaller batch
    assert len(run.jobs[1].requests) < len(run.jobs[0].requests)
    assert chat_posts(server) == 0
    assert comparable(result) == comparable(live)
    assert json.loads((folder / "results.json").read_text(encoding="utf-8"))["results"]
    assert (folder / "report.html").is_file()
    assert SECRET_KEY not in "".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.iterdir())


def test_repair_round_can_run_synchronously(tmp_path: Path, endpoint) -> None:
    suite = load_suite(suite_file(tmp_path, 2))
    server = endpoint(invents_once(composer_brain()))
    folder, _, _ = submit_batch(suite, VARIANTS, RunOptions(workdir=tmp_path), client_for=client_for(server),
                                repair_sync=True)
    result, run, whats = collect_until_done(folder, tmp_path, server)
    assert "round2" not in whats and len({j.round for j in run.jobs}) == 1
    assert chat_posts(server) >= 1 and all(r.status == "passed" for r in result.results)


def test_expired_batch_resubmits_only_the_missing_lines(tmp_path: Path, endpoint) -> None:
    suite = load_suite(suite_file(tmp_path, 2))
    server = endpoint(fates=[BatchFate(expire_after=3), BatchFate(failed_lines=lambda cid: cid.startswith("generate.plans"))])
    folder, _, _ = submit_batch(suite, VARIANTS, RunOptions(workdir=tmp_path), client_for=client_for(server))
    result, run, _ = collect_until_done(folder, tmp_path, server)
    first, second = run.jobs[0], run.jobs[1]
    assert first.status == "expired" and len(first.collected) == 3
    assert set(second.requests.values()) == set(first.requests.values()) - {first.requests[c] for c in first.collected}
    assert second.failed and all(c.startswith("generate.plans") for c in second.failed)
    third = run.jobs[2]
    assert set(third.requests) == set(second.failed)  # failed lines retried in a follow-up batch
    assert all(r.status == "passed" for r in result.results)
    assert server.uploads == 3


def test_cancelled_batch_is_resubmitted(tmp_path: Path, endpoint) -> None:
    suite = load_suite(suite_file(tmp_path, 1))
    server = endpoint(fates=[BatchFate(cancel=True)])
    folder, _, _ = submit_batch(suite, VARIANTS, RunOptions(workdir=tmp_path), client_for=client_for(server))
    result, run, _ = collect_until_done(folder, tmp_path, server)
    assert run.jobs[0].status == "cancelled" and run.jobs[1].status == "completed"
    assert result.results[0].status == "passed"


def test_file_only_then_collect_from_a_results_file(tmp_path: Path, endpoint) -> None:
    suite = load_suite(suite_file(tmp_path, 1))
    server = endpoint()
    folder, run, _ = submit_batch(suite, VARIANTS, RunOptions(workdir=tmp_path), client_for=client_for(server),
                                  file_only=True)
    assert server.uploads == 0 and run.jobs[0].status == "file-only"
    # another machine runs the JSONL (here: the scripted server's batch runner) and hands back its output
    upload = server.upload((folder / run.jobs[0].input_file).read_bytes())
    batch = server.create_batch({"input_file_id": upload["id"]})
    while server.poll(batch["id"])["status"] != "completed":
        pass
    output = tmp_path / "out.jsonl"
    output.write_bytes(server.files[server.batches[batch["id"]].output_file_id])
    folder, run, result, what = collect_batch(folder, tmp_path, client_for(server), results_file=output)
    assert what == "done" and result.results[0].status == "passed"


KILLER = """
import os, sys, openai
sys.path.insert(0, {root!r})
from pathlib import Path
from speechwriter.evals.batch import collect_batch
from speechwriter.pipeline.cache import ReplyCache

put = ReplyCache.put
count = [0]
def put_then_die(self, key, completion):
    put(self, key, completion)
    count[0] += 1
    if count[0] == 2:
        os._exit(9)  # killed in the middle of storing the downloaded replies
ReplyCache.put = put_then_die
collect_batch(Path({folder!r}), Path({tmp!r}), lambda e: openai.OpenAI(base_url={url!r}, api_key="k", max_retries=0))
"""


def test_a_killed_collect_picks_up_where_it_stopped(tmp_path: Path, endpoint) -> None:
    suite = load_suite(suite_file(tmp_path, 1))
    server = endpoint(fates=[BatchFate(polls_to_finish=1)])
    folder, _, _ = submit_batch(suite, VARIANTS, RunOptions(workdir=tmp_path), client_for=client_for(server))
    env = {**os.environ, "SPEECHWRITER_LOCAL_ONLY": "1"}
    code = KILLER.format(root=str(ROOT / "src"), folder=str(folder), tmp=str(tmp_path), url=server.base_url)
    died = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert died.returncode == 9, died.stderr
    _, state = load_run(folder, tmp_path)
    assert state.jobs[0].status == "completed" and not state.done
    result, _, _ = collect_until_done(folder, tmp_path, server)
    assert result.results[0].status == "passed" and server.uploads == 1  # nothing uploaded twice


def test_batch_cli_dry_run_submit_status_collect(tmp_path: Path, endpoint, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "speechwriter.toml").write_text('[prices.fake-model]\ninput = 1.0\noutput = 2.0\nbatch = 0.5\n', encoding="utf-8")
    path = suite_file(tmp_path, 2)
    server = endpoint()
    dry = cli("eval", path, "--engine", "openai", "--batch", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    estimate = json.loads(dry.stdout)
    assert estimate["requests"] == 10 and estimate["batch_price"]  # 2 cases x 5 model sections == pytest.approx(estimate["price"] / 2)
    assert server.uploads == 0 and not (tmp_path / "evals" / "runs").exists()
    sent = cli("eval", path, "--engine", "openai", "--batch")
    assert sent.exit_code == 0, sent.output
    run_name = next((tmp_path / "evals" / "runs").iterdir()).name
    assert "已提交" in sent.stdout and run_name in sent.stdout
    status = cli("eval", "status", run_name)
    assert status.exit_code == 0 and "共 10 个请求" in status.stdout
    for _ in range(5):
        done = cli("eval", "collect", run_name)
        assert done.exit_code in (0, 3), done.output
        if done.exit_code == 0:
            break
    assert "report.html" in done.stdout
    assert (tmp_path / "evals" / "runs" / run_name / "results.json").is_file()


def test_batch_refuses_rule_based_only_suites_and_no_cache(tmp_path: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = suite_file(tmp_path, 1)
    offline = cli("eval", path, "--batch")  # the suite's default engine is the offline composer
    assert (offline.exit_code == 2 and "缓存中" in offline.stderr) or "离线" in offline.stderr
    no_cache = cli("eval", path, "--engine", "openai", "--batch", "--no-cache")
    assert no_cache.exit_code == 2 and "--no-cache" in no_cache.stderr


def test_same_step_replies_for_live_and_batch(endpoint) -> None:
    server = endpoint(lambda request: Step(reply="好"))
    upload = server.upload(b'{"custom_id": "generate.x.1", "body": {"model": "fake-model", "messages": []}}\n')
    batch = server.create_batch({"input_file_id": upload["id"]})
    while server.poll(batch["id"])["status"] != "completed":
        pass
    line = json.loads(server.files[server.batches[batch["id"]].output_file_id])
    assert line["response"]["body"]["choices"][0]["message"]["content"] == "好"


def _needs_a_key(monkeypatch) -> None:
    """Treat the scripted server like a provider's endpoint: it needs an API key, and none is set.

    Only the key rule changes (speechwriter.config); the engine's own guard still keeps tests on 127.0.0.1.
    """
    import speechwriter.config as config

    monkeypatch.setattr(config, "is_loopback_url", lambda url: False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_dry_run_counts_the_requests_without_an_api_key(tmp_path: Path, endpoint, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = suite_file(tmp_path, 2)
    server = endpoint()
    with_key = json.loads(cli("eval", path, "--engine", "openai", "--batch", "--dry-run", "--json").stdout)
    _needs_a_key(monkeypatch)
    dry = cli("eval", path, "--engine", "openai", "--batch", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    estimate = json.loads(dry.stdout)
    assert with_key["requests"] == 10 and estimate["requests"] == 10  # 2 cases x 5 model sections, key or not
    assert estimate["key_missing"] == ["OPENAI_API_KEY"]
    text = cli("eval", path, "--engine", "openai", "--batch", "--dry-run")
    assert "10 个请求" in text.stdout and "OPENAI_API_KEY" in text.stdout
    assert server.uploads == 0 and chat_posts(server) == 0
    # without --dry-run the missing key stops the submission with one line naming the variable
    sent = cli("eval", path, "--engine", "openai", "--batch")
    assert sent.exit_code == 2 and "OPENAI_API_KEY" in sent.stderr and "Traceback" not in sent.stderr
    assert server.uploads == 0


def test_dry_run_prices_from_the_shipped_table_and_the_users_override(tmp_path: Path, endpoint, cli,
                                                                      monkeypatch) -> None:
    from speechwriter.evals.batch import price_table
    from speechwriter.workspace import Workspace

    monkeypatch.chdir(tmp_path)
    path = suite_file(tmp_path, 2)
    endpoint()
    monkeypatch.setenv("SPEECHWRITER_MODEL", "gpt-4o-mini")  # a model the shipped table prices
    shipped = price_table(Workspace(tmp_path))["gpt-4o-mini"]
    assert shipped["currency"] == "USD" and shipped["batch"] == 0.5
    estimate = json.loads(cli("eval", path, "--engine", "openai", "--batch", "--dry-run", "--json").stdout)
    expected = (estimate["prompt_tokens"] * shipped["input"] + estimate["completion_tokens"] * shipped["output"]) / 1000
    assert estimate["price"] == pytest.approx(expected, abs=1e-4) and estimate["price"] > 0
    assert estimate["batch_price"] == pytest.approx(estimate["price"] * 0.5, abs=1e-4)
    assert estimate["currency"] == "USD"
    text = cli("eval", path, "--engine", "openai", "--batch", "--dry-run").stdout
    assert "实时约" in text and "批处理约" in text and "USD" in text
    # the user's config overrides the shipped price of the same model
    (tmp_path / "speechwriter.toml").write_text('[prices."gpt-4o-mini"]\ninput = 1.0\noutput = 2.0\nbatch = 0.25\n',
                                                encoding="utf-8")
    mine = json.loads(cli("eval", path, "--engine", "openai", "--batch", "--dry-run", "--json").stdout)
    assert mine["price"] == pytest.approx((mine["prompt_tokens"] * 1.0 + mine["completion_tokens"] * 2.0) / 1000,
                                          abs=1e-3)
    assert mine["batch_price"] == pytest.approx(mine["price"] * 0.25, abs=1e-3)
    # a model with no known price: the counts, and a plain line saying where to put its price
    monkeypatch.setenv("SPEECHWRITER_MODEL", "unknown-model")
    unknown = cli("eval", path, "--engine", "openai", "--batch", "--dry-run")
    assert "10 个请求" in unknown.stdout and "[prices" in unknown.stdout
