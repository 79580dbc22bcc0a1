"""The scheduler's answer and its JSON form ("Scheduler solution" of the contract).

Fields beyond the contract: ``moved`` (meetings that had a ``current`` place and are now
elsewhere or unplaced), ``required_placed`` / ``required_total``, ``break_spread`` (max -
min breaks over participants with meetings), ``break_spread_ok`` (false only when no
schedule within ``max_break_spread`` was found in the time limit) and ``required_proven``
(the number of required meetings placed is proven to be the most possible; with status
"infeasible" and ``required_proven`` false, the time limit ran out before placing them all
or proving that it cannot be done) and ``bounds``: upper bounds on the number of required
meetings that can be placed and on the score with that many placed (relaxations, so the
best possible day lies between the answer and them).

Status "infeasible" also answers a problem whose ``max_break_spread`` no schedule found
meets with every required meeting placed (``break_spread_ok`` false): as in the
published B2B results, fairness is part of the problem, and the schedule returned is the
best one found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Assignment:
    meeting: str
    slot: int
    table: int


@dataclass(frozen=True)
class Unplaced:
    meeting: str
    reason: str


@dataclass(frozen=True)
class Solution:
    status: str
    """"optimal" (proven), "feasible", or "infeasible" (some required meeting unplaced)."""
    assignments: tuple[Assignment, ...]
    unplaced: tuple[Unplaced, ...]
    score: float
    """Total score of the optional meetings placed (the objective's score term)."""
    breaks: int
    elapsed_s: float
    moved: int
    required_placed: int
    required_total: int
    break_spread: int
    break_spread_ok: bool = True
    required_proven: bool = True
    bounds: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "assignments": [
                {"meeting": a.meeting, "slot": a.slot, "table": a.table} for a in self.assignments
            ],
            "unplaced": [{"meeting": u.meeting, "reason": u.reason} for u in self.unplaced],
            "score": self.score,
            "breaks": self.breaks,
            "elapsed_s": self.elapsed_s,
            "moved": self.moved,
            "required_placed": self.required_placed,
            "required_total": self.required_total,
            "break_spread": self.break_spread,
            "break_spread_ok": self.break_spread_ok,
            "required_proven": self.required_proven,
            "bounds": dict(self.bounds),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
