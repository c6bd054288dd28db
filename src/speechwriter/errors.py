"""Errors that reach the user as one Chinese line instead of a traceback."""

from __future__ import annotations

from .redact import redact


class SpeechwriterError(Exception):
    """Base class: ``str(err)`` is a complete one-line message for the user."""

    exit_code = 1

    def __init__(self, *args: object) -> None:
        # Every message is free of secrets from the moment it exists (server bodies echo keys).
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class InputError(SpeechwriterError):
    """Bad input (a file, an option, a facts value). The CLI exits with code 2."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None, field: str | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.detail = redact(message)
        super().__init__(self.format())

    def format(self) -> str:
        """Render as ``file:line:col: 字段 x: message``."""
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"字段 {self.field}: " if self.field else ""
        return redact(f"{where}{field}{self.detail}")


class WriteError(InputError):
    """A file could not be written (full disk, read-only folder, no permission). Exit code 2.

    Whatever was there before is left as it was: writes are atomic.
    """
