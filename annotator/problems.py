"""Problems found in user input, collected instead of raised one at a time.

Readers and importers return what they could parse plus a list of
:class:`Problem`; callers show both and store nothing when an error is among
them. :class:`InputError` carries such a list when a caller wants to raise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what it is."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


def errors(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that block an import (warnings let it go on)."""
    return [p for p in problems if p.severity == "error"]


class InputError(ValueError):
    """Raised when input has errors; ``problems`` lists every one found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid input"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem(s))" if more > 0 else ""))
