"""One drill's outcome, printed as one line."""

from __future__ import annotations

from dataclasses import dataclass

GREEN, RED, PLAIN = "\033[32m", "\033[31m", "\033[0m"


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str
    seconds: float

    def line(self, colour: bool) -> str:
        mark = "PASS" if self.ok else "FAIL"
        if colour:
            mark = f"{GREEN if self.ok else RED}{mark}{PLAIN}"
        first, *rest = self.detail.splitlines() or [""]
        out = f"{mark}  {self.name}: {first} ({self.seconds:.0f} s)"
        return "\n".join([out, *(f"      {line}" for line in rest)]) if not self.ok else out
