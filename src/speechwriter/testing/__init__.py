"""Test doubles shipped with the library: a scripted OpenAI-compatible HTTP server and scripted engines.

They speak the real protocol (sockets, SSE), so tests and notebooks exercise the same code paths as
production without any network beyond 127.0.0.1.
"""

from .engines import FunctionEngine, ScriptedEngine
from .fakeserver import FakeLLMServer, Step

__all__ = ["FakeLLMServer", "FunctionEngine", "ScriptedEngine", "Step"]
