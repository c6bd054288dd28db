"""Endpoint configuration: named profiles in TOML, the environment, and command-line overrides.

Lookup order for each setting: the command line, then the environment (``OPENAI_API_KEY``,
``OPENAI_BASE_URL``, ``SPEECHWRITER_MODEL``), then the chosen profile in ``./speechwriter.toml``,
then in ``$XDG_CONFIG_HOME/speechwriter/config.toml`` (``~/.config/…`` when unset). The profile is
``--profile``, else ``SPEECHWRITER_PROFILE``, else ``default_profile``. The API key is only ever
shown masked. ``speechwriter config init`` writes a commented file with example profiles.

```toml
default_profile = "deepseek"
prompts = ["my-prompts"]           # folders searched before the built-in prompts/
examples = ["往年讲话稿"]            # past speeches: style references for every section prompt

[profiles.deepseek]
base_url = "https://api.deepseek.com/v1"
model = "deepseek-chat"
api_key_env = "DEEPSEEK_API_KEY"   # or api_key = "..." (kept out of logs and records)

[prices."deepseek-chat"]            # per 1,000 tokens, for the cost estimate
input = 0.002
output = 0.008
```
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InputError
from .files import read_problem, read_text
from .redact import public_url, remember_secret, remember_url_credentials

__all__ = [
    "Profile",
    "Settings",
    "check_base_url",
    "config_paths",
    "endpoint_configured",
    "is_loopback_url",
    "is_private_url",
    "load_settings",
    "mask_key",
    "profile_checks",
    "resolve_profile",
    "starter_config",
    "suggested_mask",
    "user_config_dir",
]

LOOPBACK_PLACEHOLDER_KEY = "sk-no-key-required"
"""Sent to loopback endpoints (Ollama, vLLM, llama.cpp) that need no key: the SDK insists on one."""


def is_loopback_url(url: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (None means the official, remote endpoint)."""
    import ipaddress
    from urllib.parse import urlsplit

    if not url:
        return False
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Public cloud endpoints (OpenAI-compatible or not) whose users are likely to be told not to send
# internal data there: ``config init`` and ``config show`` suggest masking for them. A host matches
# itself and its subdomains (*.openai.azure.com).
CLOUD_HOSTS: tuple[str, ...] = (
    "api.openai.com", "openai.azure.com", "api.anthropic.com", "generativelanguage.googleapis.com",
    "aiplatform.googleapis.com", "api.mistral.ai", "api.groq.com", "api.together.xyz", "api.fireworks.ai",
    "openrouter.ai", "api.x.ai", "api.cohere.com", "api.perplexity.ai",
    "api.deepseek.com", "dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com", "open.bigmodel.cn",
    "api.moonshot.cn", "api.moonshot.ai", "qianfan.baidubce.com", "aip.baidubce.com", "ark.cn-beijing.volces.com",
    "api.siliconflow.cn", "api.baichuan-ai.com", "api.lingyiwanwu.com", "api.minimax.chat", "api.minimaxi.com",
    "spark-api-open.xf-yun.com", "hunyuan.tencentcloudapi.com", "api.hunyuan.cloud.tencent.com", "api.stepfun.com",
)
MASK_ALL = ("figures", "people", "organisations", "places")
"""Every kind of masking, as a profile's ``mask`` accepts them (the same as ``masking.MASK_KINDS``, a layer up)."""
# Names that only resolve inside an organisation's own network.
_PRIVATE_SUFFIXES = (".local", ".lan", ".internal", ".intranet", ".corp", ".home.arpa", ".localdomain")


def _host(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower() or None
    except ValueError:
        return None


def is_private_url(url: str | None) -> bool:
    """True for an endpoint inside the machine or the organisation: loopback, private and link-local
    addresses (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10), single-label host names and
    internal suffixes (.local, .lan, .internal, .intranet, .corp). None is the official, public endpoint."""
    import ipaddress

    if not url:
        return False
    if is_loopback_url(url):
        return True
    host = _host(url)
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host or host.endswith(_PRIVATE_SUFFIXES)
    return address.is_private or address.is_link_local


def suggested_mask(url: str | None) -> list[str]:
    """The masking (脱敏) to suggest for an endpoint: every kind for a known public cloud provider
    (None: the official OpenAI endpoint), nothing for a loopback, private or unknown one.

    Unknown public hosts get no suggestion rather than a guess: the user knows what their proxy is.
    """
    if is_private_url(url):
        return []
    host = "api.openai.com" if not url else _host(url)
    if host and any(host == h or host.endswith("." + h) for h in CLOUD_HOSTS):
        return list(MASK_ALL)
    return []


def check_base_url(url: str | None) -> None:
    """Refuse at once a base URL that no request could reach: another scheme, a bad port, broken brackets."""
    from urllib.parse import urlsplit

    if url is None:
        return
    from .redact import redact

    shown = public_url(url) if "[" not in url else redact(url)
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        reason = "端口超出 0–65535" if "range" in str(exc) else (
            "端口不是数字" if "port" in str(exc).lower() else "地址格式错误（如方括号不成对）")
        raise InputError(f"接口地址（base_url）无效：{shown}：{reason}") from None
    if parts.scheme not in ("http", "https"):
        raise InputError(f"接口地址（base_url）无效：{shown}：只支持 http:// 或 https://，"
                          f"不支持「{parts.scheme or '（无）'}」")
    if not host:
        raise InputError(f"接口地址（base_url）无效：{shown}：缺少主机名")
    if port == 0:
        raise InputError(f"接口地址（base_url）无效：{shown}：端口不能为 0")


class Profile(BaseModel):
    """One endpoint: where, which model, which key, and how to call it."""

    model_config = ConfigDict(extra="forbid")

    name: str = "default"
    base_url: str | None = Field(None, description="OpenAI 兼容接口地址，如 https://api.deepseek.com/v1")
    model: str | None = Field(None, description="模型名")
    api_key: str | None = Field(None, description="API 密钥（建议改用 api_key_env）", repr=False)
    api_key_env: str = Field("OPENAI_API_KEY", description="存放 API 密钥的环境变量名")
    temperature: float = Field(0.3, ge=0, le=2)
    max_tokens: int | None = Field(None, gt=0)
    timeout: float = Field(60.0, gt=0, description="单次请求超时（秒）")
    max_attempts: int = Field(5, ge=1, le=20, description="每个请求最多尝试次数")
    max_retry_seconds: float = Field(120.0, gt=0, description="重试总时长上限（秒）")
    backoff_base: float = Field(1.0, gt=0, description="指数退避的基数（秒）")
    concurrency: int = Field(8, ge=1, le=64, description="同时进行的请求数（一篇讲话的各章节默认全部并行）")
    batch: bool = Field(False, description="评测时走服务商的 Batch API（speechwriter eval 相当于加了 --batch）")
    max_retry_after: float = Field(60.0, ge=0, description="服务端要求等待（Retry-After）的上限（秒），超过则放弃")
    mask: list[Literal["figures", "people", "organisations", "places"]] = Field(
        default_factory=list, description="脱敏：发往该接口前替换为占位符的内容（figures 数字、people 人名、"
        "organisations 单位名称、places 地名）；本机和内网接口一般不需要")
    chat_model: str | None = Field(None, description="LangChain 聊天模型类的导入路径（如 "
                                   "langchain_community.chat_models:ChatTongyi）；设置后经 LangChain 调用该模型")
    chat_model_options: dict[str, Any] = Field(default_factory=dict, description="传给 chat_model 类的其他参数")
    deadline: float = Field(300.0, gt=0, description="每个请求的总时限（秒，含重试与等待；max_tokens 超过 4000 时按比例放宽）")
    max_reply_chars: int = Field(400_000, gt=0, description="单个回复的字符数上限，超过即中止接收")
    checks: dict[str, str] = Field(default_factory=dict, description="校验时按代码或检查族关闭或改级别，"
                                   "如 {U604 = \"off\", claims = \"info\"}（值：off、error、warning、info）")

    @field_validator("checks")
    @classmethod
    def _check_switches(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k, v in value.items() if v not in ("off", "error", "warning", "info")]
        if bad:
            raise ValueError(f"{bad[0]} 的值应为 off、error、warning、info 之一")
        return value

    def key(self) -> str:
        """The API key, or an error that says exactly where to put it.

        A loopback endpoint (a local Ollama, vLLM or llama.cpp) needs none: it gets a placeholder.
        Every key handed out is remembered by :mod:`speechwriter.redact`, so it never reaches a
        message, record or report.
        """
        key = self.api_key or os.environ.get(self.api_key_env)
        remember_url_credentials(self.base_url)  # sent as Basic auth: its echo must not be stored either
        if not key:
            if is_loopback_url(self.base_url):
                return LOOPBACK_PLACEHOLDER_KEY
            raise InputError(f"缺少 API 密钥：请设置环境变量 {self.api_key_env}，"
                             f"或在配置文件的 [profiles.{self.name}] 中写 api_key_env / api_key")
        remember_secret(key)
        return key

    def deadline_for(self, max_tokens: int | None = None) -> float:
        """The total time one request may take: ``deadline``, stretched for replies longer than 4000 tokens."""
        tokens = max_tokens if max_tokens is not None else self.max_tokens
        return self.deadline * max(1.0, (tokens or 0) / 4000)

    @property
    def public_base_url(self) -> str | None:
        """The endpoint as it may be shown or stored: without ``user:password@``."""
        return public_url(self.base_url)

    def public(self, *, masked: bool = False) -> dict[str, Any]:
        """Everything but the key. Records get only whether a key is set; ``config show`` a masked key."""
        data = self.model_dump(exclude={"api_key"})
        data["base_url"] = self.public_base_url
        key = self.api_key or os.environ.get(self.api_key_env)
        if key:
            remember_secret(key)
        remember_url_credentials(self.base_url)
        data["api_key"] = mask_key(key) if masked else ("已设置" if key else "未设置")
        return data


class Settings(BaseModel):
    """The parsed config files."""

    model_config = ConfigDict(extra="forbid")

    default_profile: str | None = None
    prompts: list[str] = Field(default_factory=list, description="自定义提示词目录，优先于内置")
    examples: list[str] = Field(default_factory=list, description="往年讲话稿目录（范文），按章节检索作文风参考")
    profiles: dict[str, Profile] = Field(default_factory=dict)
    prices: dict[str, dict[str, float]] = Field(default_factory=dict)
    allow_custom_checks: bool = Field(False, description="允许评测套件运行项目目录之外的自定义检查（Python 代码）")
    sources: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="读取配置时发现的问题（不妨碍使用）")


def mask_key(key: str | None) -> str:
    """``sk-abcdef…wxyz`` → ``sk-a…wxyz``; None → ``（未设置）``."""
    if not key:
        return "（未设置）"
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:4]}…{key[-4:]}"


def user_config_dir() -> Path:
    """The user's config folder: SPEECHWRITER_CONFIG_HOME, else $XDG_CONFIG_HOME/speechwriter, else ~/.config/speechwriter."""
    if os.environ.get("SPEECHWRITER_CONFIG_HOME"):
        return Path(os.environ["SPEECHWRITER_CONFIG_HOME"])
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"  # the spec ignores relative ones
    return base / "speechwriter"


def config_paths(cwd: Path | None = None) -> list[Path]:
    """Config files in lookup order (the first wins for each profile)."""
    return [(cwd or Path.cwd()) / "speechwriter.toml", user_config_dir() / "config.toml"]


def _config_file_exists(path: Path) -> bool:
    """Whether a config file is there; a folder the user may not enter is one Chinese line, not a traceback."""
    import stat

    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except PermissionError:
        raise InputError("没有权限读取配置文件或其所在目录（请检查目录权限）", path=str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("这是一个目录，不是配置文件", path=str(path))
    return True


def load_settings(paths: list[Path] | None = None) -> Settings:
    """Merge the config files; a broken file is an InputError naming it."""
    import tomllib

    merged: dict[str, Any] = {"profiles": {}, "prices": {}, "sources": [], "warnings": []}
    for path in reversed(paths or config_paths()):
        try:
            exists = _config_file_exists(path)
        except OSError as exc:  # unreadable other than by permission: the other config files still count
            merged["warnings"].append(f"无法读取配置文件 {path}（{read_problem(exc)}），已忽略")
            continue
        if not exists:
            continue
        try:
            data = tomllib.loads(read_text(path, what="配置文件"))
        except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
            raise InputError(f"配置文件格式错误：{exc}", path=str(path)) from None
        loose = _readable_by_others(path)
        for name, prof in (data.pop("profiles", {}) or {}).items():
            if not isinstance(prof, dict):
                raise InputError(f"[profiles.{name}] 应为表", path=str(path))
            if prof.get("api_key") and loose:
                merged["warnings"].append(
                    f"{path} 中写有 API 密钥（[profiles.{name}] api_key），但同组或其他用户也能读取该文件（权限 {loose}）："
                    f"请执行 chmod 600 {path}，或改用 api_key_env")
            merged["profiles"][name] = {**merged["profiles"].get(name, {}), **prof, "name": name}
        merged["prices"].update(data.pop("prices", {}) or {})
        if "default_profile" in data:
            merged["default_profile"] = data.pop("default_profile")
        if "allow_custom_checks" in data:
            merged["allow_custom_checks"] = data.pop("allow_custom_checks")
        for key in ("prompts", "examples"):
            if key in data:
                value = data.pop(key)
                folders = [value] if isinstance(value, str) else list(value or [])
                # relative folders are relative to the config file that names them
                # (absolute, links kept: a link loop is reported where the folder is opened, in Chinese)
                merged[key] = [os.path.abspath(path.parent / f) for f in folders]
        if data:
            raise InputError(f"未知配置项：{'、'.join(data)}（可用：default_profile、prompts、examples、profiles、prices、"
                             f"allow_custom_checks）",
                             path=str(path))
        merged["sources"].insert(0, str(path))
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise InputError(f"配置项 {loc} 无效：{err['msg']}", path=merged["sources"][0] if merged["sources"]
                         else None) from None


def _readable_by_others(path: Path) -> str | None:
    """The file's mode as ``0644`` when group or others may read it (as ssh warns of a loose key file), else None."""
    import stat

    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return f"{mode:04o}" if mode & 0o044 else None


def endpoint_configured(settings: Settings | None = None) -> bool:
    """True when an LLM endpoint is configured (so the default engine is not the offline one)."""
    settings = settings or load_settings()
    return bool(os.environ.get("OPENAI_BASE_URL") or os.environ.get("SPEECHWRITER_MODEL")
                or os.environ.get("SPEECHWRITER_PROFILE") or settings.default_profile)


def profile_checks(settings: Settings, name: str | None = None) -> dict[str, str]:
    """The ``checks`` switches of the chosen profile (``name``, else SPEECHWRITER_PROFILE, else the default)."""
    chosen = name or os.environ.get("SPEECHWRITER_PROFILE") or settings.default_profile
    if name and name not in settings.profiles:
        known = "、".join(settings.profiles) or "（配置文件中没有任何 profile）"
        raise InputError(f"未知的 profile「{name}」，可选：{known}")
    profile = settings.profiles.get(chosen or "")
    return dict(profile.checks) if profile else {}


def resolve_profile(name: str | None = None, *, settings: Settings | None = None,
                    model: str | None = None, base_url: str | None = None,
                    temperature: float | None = None, require_model: bool = True) -> Profile:
    """The profile to use, with environment and command-line overrides applied.

    ``require_model=False`` for engines whose model class may name the model itself (LangChain).
    """
    settings = settings or load_settings()
    chosen = name or os.environ.get("SPEECHWRITER_PROFILE") or settings.default_profile
    if chosen:
        if chosen not in settings.profiles:
            known = "、".join(settings.profiles) or "（配置文件中没有任何 profile）"
            where = "" if name or not os.environ.get("SPEECHWRITER_PROFILE") else "（来自环境变量 SPEECHWRITER_PROFILE）"
            raise InputError(f"未知的 profile「{chosen}」{where}，可选：{known}")
        profile = settings.profiles[chosen].model_copy()
    else:
        profile = Profile()
    updates: dict[str, Any] = {}
    if os.environ.get("OPENAI_BASE_URL") and not (chosen and profile.base_url):
        updates["base_url"] = os.environ["OPENAI_BASE_URL"]
    if os.environ.get("SPEECHWRITER_MODEL") and not (chosen and profile.model):
        updates["model"] = os.environ["SPEECHWRITER_MODEL"]
    for key, value in (("model", model), ("base_url", base_url), ("temperature", temperature)):
        if value is not None:
            updates[key] = value
    profile = profile.model_copy(update=updates)
    check_base_url(profile.base_url)
    if not profile.model and (require_model or not profile.chat_model):
        raise InputError("没有指定模型：请用 --model、环境变量 SPEECHWRITER_MODEL 或 profile 中的 model 指定")
    return profile


def price_for(settings: Settings, model: str | None) -> dict[str, float] | None:
    """Per-1,000-token prices of ``model`` from the config, if given."""
    return settings.prices.get(model or "")


# (name, comment, base_url, model, key setting, extra settings) of the example profiles.
_EXAMPLES: list[tuple[str, str, str, str, str, str]] = [
    ("openai", "OpenAI", "https://api.openai.com/v1", "gpt-4o-mini", 'api_key_env = "OPENAI_API_KEY"', ""),
    ("deepseek", "DeepSeek（深度求索）", "https://api.deepseek.com/v1", "deepseek-chat",
     'api_key_env = "DEEPSEEK_API_KEY"', ""),
    ("qwen", "通义千问：阿里云百炼 DashScope 的 OpenAI 兼容模式", "https://dashscope.aliyuncs.com/compatible-mode/v1",
     "qwen-plus", 'api_key_env = "DASHSCOPE_API_KEY"', ""),
    ("glm", "智谱 GLM（open.bigmodel.cn）", "https://open.bigmodel.cn/api/paas/v4", "glm-4-flash",
     'api_key_env = "ZHIPUAI_API_KEY"', ""),
    ("moonshot", "月之暗面 Kimi（Moonshot）", "https://api.moonshot.cn/v1", "moonshot-v1-8k",
     'api_key_env = "MOONSHOT_API_KEY"', ""),
    ("ollama", "本机 Ollama（先 ollama pull qwen2.5:7b）；本机地址不需要密钥", "http://127.0.0.1:11434/v1",
     "qwen2.5:7b", 'api_key_env = "OLLAMA_API_KEY"   # 不设置也可以', "timeout = 300.0\nconcurrency = 2"),
    ("vllm", "本机 vLLM（vllm serve Qwen/Qwen2.5-7B-Instruct）；启动时加了 --api-key 才需要设置 VLLM_API_KEY",
     "http://127.0.0.1:8000/v1", "Qwen/Qwen2.5-7B-Instruct", 'api_key_env = "VLLM_API_KEY"', "timeout = 300.0"),
    ("llamacpp", "本机 llama.cpp 服务（llama-server -m 模型.gguf --port 8080）；模型名可任意；加了 --api-key 才需要密钥",
     "http://127.0.0.1:8080/v1", "local-gguf", 'api_key_env = "LLAMA_API_KEY"', "timeout = 600.0\nconcurrency = 1"),
]


def starter_config() -> str:
    """A commented ``speechwriter.toml`` with a working example profile for each common endpoint.

    No profile is the default: until one is chosen (``default_profile``, ``--profile`` or
    ``SPEECHWRITER_PROFILE``) drafting stays with the offline composer.
    """
    lines = [
        "# speechwriter 配置文件（TOML）。由 speechwriter config init 生成，按需修改。",
        "# 选择 profile：命令行 --profile 名称 > 环境变量 SPEECHWRITER_PROFILE > 下面的 default_profile。",
        "# 密钥请放在环境变量里（api_key_env 写变量名），不要直接写进本文件；本机（127.0.0.1）服务不需要密钥。",
        "# 检查某个 profile 是否可用：speechwriter config check --profile deepseek",
        "",
        '# default_profile = "deepseek"',
        "",
        "# 自定义提示词目录（相对本文件），优先于内置提示词：",
        '# prompts = ["my-prompts"]',
        "",
    ]
    for name, comment, base_url, model, key, extra in _EXAMPLES:
        lines += [f"# {comment}", f"[profiles.{name}]", f'base_url = "{base_url}"', f'model = "{model}"', key]
        lines += [x for x in extra.split("\n") if x]
        mask = suggested_mask(base_url)
        if mask:  # a public cloud: internal figures and names stay at home unless the user removes this
            kinds = ", ".join(f'"{k}"' for k in mask)
            lines.append(f"mask = [{kinds}]   # 脱敏（建议）：公共云接口，数字、人名、单位、地名换成占位符再发出；不需要时删去")
        lines.append("")
    lines += [
        "# 可选的通用设置（每个 profile 都可写）：",
        "# temperature = 0.3        # 采样温度",
        "# max_tokens = 4096        # 单次回复上限",
        "# timeout = 60.0           # 单次请求超时（秒）",
        "# max_attempts = 5         # 失败重试次数上限",
        "# concurrency = 8          # 同时进行的请求数",
        '# mask = ["figures", "people", "organisations", "places"]   # 脱敏；本机、内网接口默认不脱敏',
        "",
        "# 每千 tokens 单价（用于估算费用，按各家公布的价格填写）：",
        '# [prices."deepseek-chat"]',
        "# input = 0.002",
        "# output = 0.008",
    ]
    return "\n".join(lines) + "\n"
