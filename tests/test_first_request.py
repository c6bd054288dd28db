"""The first model request goes out before the validators are imported (they are imported to validate).

Run in a fresh interpreter: the scripted server lives in the same process as ``speechwriter draft``
and notes, as the first request arrives, which of the draft's later stages are already imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import REFERENCE_FACTS

SCRIPT = """
import json, sys
from speechwriter.testing.fakeserver import FakeLLMServer, Step

seen = []

def respond(request):
    if not seen:
        seen.append(sorted(m for m in sys.modules if m.startswith("speechwriter.validate")))
    return Step(reply="各级组织扎实推进各项工作，取得了明显成效。")

with FakeLLMServer(respond) as server:
    sys.argv = ["speechwriter", "draft", sys.argv[1], "--engine", "openai", "--base-url", server.base_url,
                "--model", "fake-model", "-o", sys.argv[2], "--allow-gaps", "-q", "--no-cache"]
    from speechwriter.cli import main
    try:
        main()
    except SystemExit as stop:
        code = stop.code
    loaded = "speechwriter.validate.checks" in sys.modules
    print("@@" + json.dumps({"first": seen[0] if seen else None, "calls": server.calls, "code": code,
                             "validated_after": loaded}))
"""


def test_the_first_request_is_sent_before_the_validators_are_imported(tmp_path):
    env_out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(REFERENCE_FACTS), str(env_out)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPENAI_API_KEY": "sk-local-test",
                               "SPEECHWRITER_LOCAL_ONLY": "1", "NO_COLOR": "1"})
    result = json.loads(done.stdout.rsplit("@@", 1)[1])
    assert result["calls"] >= 5, done.stderr
    assert result["first"] == []  # nothing of speechwriter.validate yet
    assert result["validated_after"]  # and the draft was still validated
    assert result["code"] in (0, 1)  # drafted (1: validation findings in this thin reply), not an engine failure
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert report["sections"]
