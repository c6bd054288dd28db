"""`config init` suggests masking (脱敏) for known public clouds, never for loopback, private or on-prem endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speechwriter.config import MASK_ALL, is_private_url, load_settings, starter_config, suggested_mask
from speechwriter.masking import MASK_KINDS

CLOUD = ["https://api.openai.com/v1", "https://api.deepseek.com/v1", "https://dashscope.aliyuncs.com/compatible-mode/v1",
         "https://open.bigmodel.cn/api/paas/v4", "https://api.moonshot.cn/v1", "https://myorg.openai.azure.com/openai",
         "https://API.DeepSeek.com./v1", "https://openrouter.ai/api/v1", None]
HOME = ["http://127.0.0.1:11434/v1", "http://localhost:8000/v1", "http://[::1]:8080/v1", "http://10.2.3.4:8000/v1",
        "http://172.20.0.5/v1", "http://192.168.1.20:11434/v1", "http://[fd12::5]/v1", "http://169.254.3.3/v1",
        "http://llm-server:8000/v1", "https://gpt.office.internal/v1", "http://ai.lan/v1", "https://llm.corp/v1",
        # unknown public hosts get no guess (a company's own gateway, a proxy)
        "https://llm.example-gov.cn/v1", "https://8.8.8.8/v1"]


def test_the_kinds_are_the_maskers_kinds():
    assert MASK_ALL == MASK_KINDS


@pytest.mark.parametrize("url", CLOUD)
def test_known_clouds_get_every_kind(url):
    assert suggested_mask(url) == list(MASK_KINDS)


@pytest.mark.parametrize("url", HOME)
def test_home_and_unknown_endpoints_get_none(url):
    assert suggested_mask(url) == []


@pytest.mark.parametrize("url", HOME[:12])
def test_loopback_private_and_on_prem_are_private(url):
    assert is_private_url(url)


def test_a_cloud_name_inside_a_private_name_is_not_a_cloud():
    assert suggested_mask("http://api.openai.com.local/v1") == []
    assert suggested_mask("https://notapi.openai.com.evil.example/v1") == []
    assert suggested_mask("https://fakeapi.deepseek.com.cn/v1") == []


def test_config_init_writes_mask_on_cloud_profiles_only(cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("config", "init").exit_code == 0
    text = (tmp_path / "speechwriter.toml").read_text(encoding="utf-8")
    assert text == starter_config()
    profiles = load_settings([tmp_path / "speechwriter.toml"]).profiles
    for name in ("openai", "deepseek", "qwen", "glm", "moonshot"):
        assert profiles[name].mask == list(MASK_KINDS), name
    for name in ("ollama", "vllm", "llamacpp"):
        assert profiles[name].mask == [], name


def test_config_show_names_cloud_profiles_without_masking(cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "speechwriter.toml").write_text(
        '[profiles.ds]\nbase_url = "https://api.deepseek.com/v1"\nmodel = "deepseek-chat"\n'
        '[profiles.ds_masked]\nbase_url = "https://api.deepseek.com/v1"\nmodel = "deepseek-chat"\nmask = ["figures"]\n'
        '[profiles.local]\nbase_url = "http://127.0.0.1:11434/v1"\nmodel = "qwen2.5:7b"\n', encoding="utf-8")
    shown = cli("config", "show")
    assert shown.exit_code == 0, shown.stderr
    hints = [line for line in shown.stdout.splitlines() if line.startswith("提示：")]
    assert len(hints) == 1 and "profile ds " in hints[0] and 'mask = ["figures", "people"' in hints[0]
    data = json.loads(cli("config", "show", "--json").stdout)
    assert data["mask_suggested"] == {"ds": list(MASK_KINDS)}
