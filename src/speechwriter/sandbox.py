"""A Jinja sandbox whose renders are bounded in size and work, for templates from a user's prompts folder.

Jinja's own sandbox stops attribute tricks but not a template that asks for four hundred million
characters (``{{'a'*400000000}}``), doubles a string forty times (``{% set s = s ~ s %}``) or
nests loops until the end of time. :class:`BoundedEnvironment` bounds each render:

* every value a template builds (``*``, ``+``, ``~``, ``%``, ``**``, a filter, a method call) is at
  most :data:`MAX_VALUE_CHARS` characters or items, checked before it is built when its size can be
  known from the arguments, and right after otherwise;
* all loops of one render together take at most :data:`MAX_ITERATIONS` steps;
* a render's output is at most :data:`MAX_OUTPUT_CHARS` characters.

Beyond a bound the render stops with :class:`RenderLimit`, a Jinja ``SecurityError`` whose message
is Chinese and says which bound. The bounds are far above what a prompt needs (a long prompt is
some tens of thousands of characters).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["MAX_ITERATIONS", "MAX_OUTPUT_CHARS", "MAX_VALUE_CHARS", "BoundedEnvironment", "RenderLimit"]

MAX_VALUE_CHARS = 1_000_000
MAX_OUTPUT_CHARS = 2_000_000
MAX_ITERATIONS = 1_000_000
_MAX_EXPONENT = 4096

_steps: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("template_steps", default=None)


class RenderLimit(SecurityError):
    """A render went past one of the bounds (value size, loop steps, output size)."""


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return len(value)
    return 0


def _too_big(size: int) -> RenderLimit:
    return RenderLimit(f"模板生成的值过大（约 {size} 个字符或元素，上限 {MAX_VALUE_CHARS}）")


def _checked(value: Any) -> Any:
    size = _size(value)
    if size > MAX_VALUE_CHARS:
        raise _too_big(size)
    return value


def _check_args(args: Iterable[Any]) -> None:
    """Refuse an integer argument larger than any value may be (a width, a count, a repetition)."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_VALUE_CHARS:
            raise _too_big(abs(arg))


def _check_replace(func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """``s.replace(old, new)`` / ``s|replace(old, new)`` can grow to len(s) / len(old) × len(new): check first."""
    if "replace" not in getattr(func, "__name__", ""):
        return
    owner = getattr(func, "__self__", None)
    texts = [a for a in ([owner] if isinstance(owner, str) else []) + list(args) if isinstance(a, str)]
    if len(texts) >= 3:
        text, old, new = texts[:3]
        estimate = len(text) + (len(text) // max(len(old), 1) + 1) * len(new)
        if estimate > MAX_VALUE_CHARS:
            raise _too_big(estimate)


def _bounded_call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    _check_args([*args, *kwargs.values()])
    _check_replace(func, args)
    return _checked(func(*args, **kwargs))


def _binop_size(op: str, left: Any, right: Any) -> int:
    """The size a binary operation's result will have, when it can be known before computing it."""
    if op == "*":
        for seq, count in ((left, right), (right, left)):
            if _size(seq) and isinstance(count, int):
                return _size(seq) * max(count, 0)
    if op == "+":
        return _size(left) + _size(right)
    return 0


def step() -> None:
    """Count one loop step of the current render; past :data:`MAX_ITERATIONS` the render stops."""
    counter = _steps.get()
    if counter is None:
        return
    counter[0] += 1
    if counter[0] > MAX_ITERATIONS:
        raise RenderLimit(f"模板的循环次数过多（超过 {MAX_ITERATIONS} 次）")


def _bounded_iter(iterable: Any) -> Iterator[Any]:
    for item in iterable:
        step()
        yield item


def _bounded_concat(*parts: Any) -> str:
    texts = [str(p) for p in parts]
    size = sum(map(len, texts))
    if size > MAX_VALUE_CHARS:
        raise _too_big(size)
    return "".join(texts)


class BoundedTemplate(Template):
    """A template whose :meth:`render` is bounded like :meth:`BoundedEnvironment.render_bounded`."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.environment.render_bounded(self, dict(*args, **kwargs))  # type: ignore[attr-defined]


class BoundedEnvironment(SandboxedEnvironment):
    """``SandboxedEnvironment`` with the bounds of this module (every template's ``render`` is bounded)."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})
    template_class = BoundedTemplate

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["sw_bounded_iter"] = _bounded_iter
        self.globals["sw_bounded_concat"] = _bounded_concat
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.filters = _BoundedFilters(self.filters)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        size = _binop_size(op, left, right)
        if size > MAX_VALUE_CHARS:
            raise _too_big(size)
        if op == "**" and isinstance(right, int) and abs(right) > _MAX_EXPONENT and not (
                isinstance(left, int) and abs(left) <= 1):
            raise RenderLimit(f"模板中的乘方过大（指数 {right}，上限 {_MAX_EXPONENT}）")
        if op == "%" and isinstance(left, str):
            _check_args(right if isinstance(right, (tuple, list)) else [right])
        return _checked(super().call_binop(context, op, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_args([*args, *kwargs.values()])
        _check_replace(__obj, args)
        return _checked(super().call(__context, __obj, *args, **kwargs))

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        # Rewrite the tree so every loop counts its steps and every ``~`` is bounded.
        for loop in source.find_all(nodes.For):
            loop.iter = _call("sw_bounded_iter", [loop.iter], loop.lineno)
        for concat in list(source.find_all(nodes.Concat)):
            _replace(source, concat, _call("sw_bounded_concat", list(concat.nodes), concat.lineno))
        return super()._generate(source, name, filename, defer_init=defer_init)

    def render_bounded(self, template: Any, context: dict[str, Any]) -> str:
        """Render ``template`` with a fresh loop budget, stopping once the output passes its bound."""
        token = _steps.set([0])
        try:
            out: list[str] = []
            size = 0
            for piece in template.generate(**context):
                size += len(piece)
                if size > MAX_OUTPUT_CHARS:
                    raise RenderLimit(f"模板输出过长（超过 {MAX_OUTPUT_CHARS} 个字符）")
                out.append(piece)
            return "".join(out)
        finally:
            _steps.reset(token)


class _BoundedFilters(dict):  # type: ignore[type-arg]
    """The filter table, each filter wrapped in the size checks (filters added later are wrapped too)."""

    def __init__(self, filters: dict[str, Callable[..., Any]]) -> None:
        super().__init__()
        for key, value in filters.items():
            self[key] = value

    def __setitem__(self, key: str, func: Callable[..., Any]) -> None:
        super().__setitem__(key, _wrap_filter(func))


def _wrap_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(func, "_bounded", False):
        return func

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        return _bounded_call(func, *args, **kwargs)

    bounded._bounded = True  # type: ignore[attr-defined]
    return bounded


def _call(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.Name(name, "load", lineno=lineno), args, [], None, None, lineno=lineno)


def _replace(tree: nodes.Node, old: nodes.Node, new: nodes.Node) -> None:
    """Put ``new`` where ``old`` is in ``tree`` (as a field or an item of a list field)."""
    for node in [tree, *tree.find_all(nodes.Node)]:
        for field in node.fields:
            value = getattr(node, field, None)
            if value is old:
                setattr(node, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return

