"""The scheduler problem: JSON format, validation and immutable in-memory form.

The format is the "Scheduler problem" of the public contract::

    {"slots": 22, "tables": 14,
     "participants": [{"id": "p1", "unavailable": [3, 4], "max_meetings": 8,
                       "languages": ["vi", "en"]}],
     "meetings": [{"id": "m1", "participants": ["p1", "p2"], "required": true,
                   "score": 0.8, "allowed_slots": [1, 2, 3], "fixed_slot": 5,
                   "after": ["m7"], "needs": ["interpreter-ko"]}],
     "resources": {"interpreter-ko": 3},
     "objective": {"minimize_breaks": true, "max_break_spread": 2}}

Extensions to the contract's format, all optional:

- meeting ``"table": t``: the meeting must sit at table ``t`` (used for locked meetings
  and for tables reserved for a delegation).
- meeting ``"current": {"slot": s, "table": t}``: where the meeting stands in the live
  schedule. The solver keeps it there when it can; putting it elsewhere, or dropping it,
  counts as a move.
- objective ``"minimize_moves": true`` (default true): minimise moves of meetings that
  have ``current``, right after placing the required meetings and before the score.
- ``"session_starts": [1, 12]``: the first slot of each session, in increasing order (slot
  1 always starts one). The pause between two sessions is nobody's break.

Rules of interpretation:

- Slots are 1..``slots``, tables 1..``tables``.
- A break is a gap between two consecutive meetings in a participant's own day (JAIR 2022,
  definition 2.3), whatever its length. Without ``session_starts`` (or with one session)
  a gap spanning a pause counts too: this is the definition under which the published
  B2B optima hold. With several sessions, only gaps between two meetings of the same
  session count.
- ``after`` binds pairs of placed meetings: each listed meeting that is placed sits in a
  strictly earlier slot. An unplaced predecessor does not block its successor.
- ``needs`` may list a resource twice: the meeting then uses two units of it.
- ``score`` must be finite and >= 0; scores count with a precision of 0.001.
- Keys not named here are ignored, so callers may carry their own annotations.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class ProblemError(ValueError):
    """A problem file that cannot be scheduled as written; the message is one line."""


@dataclass(frozen=True)
class Participant:
    id: str
    unavailable: frozenset[int] = frozenset()
    max_meetings: int | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    """A (slot, table) position in the schedule grid."""

    slot: int
    table: int


@dataclass(frozen=True)
class Meeting:
    id: str
    participants: tuple[str, str]
    required: bool = False
    score: float = 0.0
    allowed_slots: frozenset[int] | None = None
    fixed_slot: int | None = None
    table: int | None = None
    after: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    current: Place | None = None


@dataclass(frozen=True)
class Objective:
    minimize_breaks: bool = True
    max_break_spread: int | None = None
    minimize_moves: bool = True


@dataclass(frozen=True)
class Problem:
    slots: int
    tables: int
    participants: tuple[Participant, ...]
    meetings: tuple[Meeting, ...]
    resources: Mapping[str, int] = field(default_factory=dict)
    objective: Objective = Objective()
    session_starts: tuple[int, ...] = (1,)
    """First slot of each session, increasing, starting with 1."""

    def session_of_slot(self) -> tuple[int, ...]:
        """Session number (0-based) of each slot, indexed by slot (index 0 unused)."""
        sessions = [0] * (self.slots + 1)
        current = -1
        starts = set(self.session_starts)
        for s in range(1, self.slots + 1):
            if s in starts:
                current += 1
            sessions[s] = current
        return tuple(sessions)

    def participant_index(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.participants)}

    def meeting_index(self) -> dict[str, int]:
        return {m.id: i for i, m in enumerate(self.meetings)}


def parse_problem(source: str | bytes | Mapping[str, Any]) -> Problem:
    """Parse a problem from JSON text or an already decoded mapping and validate it."""
    if isinstance(source, (str, bytes)):
        try:
            data = json.loads(source)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProblemError(f"invalid JSON: {_one_line(str(exc))}") from None
    else:
        data = source
    if not isinstance(data, Mapping):
        raise ProblemError("the problem must be a JSON object")
    return _Parser(data).parse()


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Parser:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.slots = 0

    def parse(self) -> Problem:
        data = self.data
        self.slots = _positive_int(data.get("slots"), "slots")
        tables = _positive_int(data.get("tables"), "tables")
        resources = self._resources(data.get("resources", {}))
        participants = self._participants(data.get("participants"))
        meetings = self._meetings(data.get("meetings", []), participants, resources, tables)
        _check_current_places(meetings)
        _check_precedence_cycles(meetings)
        return Problem(
            slots=self.slots,
            tables=tables,
            participants=participants,
            meetings=meetings,
            resources=resources,
            objective=self._objective(data.get("objective", {})),
            session_starts=self._session_starts(data.get("session_starts")),
        )

    def _session_starts(self, value: Any) -> tuple[int, ...]:
        if value is None:
            return (1,)
        if not isinstance(value, list):
            raise ProblemError("session_starts must be a list of slot numbers")
        starts = [self._slot(v, "session_starts") for v in value]
        if any(b <= a for a, b in itertools.pairwise(starts)):
            raise ProblemError("session_starts must be strictly increasing")
        return tuple(sorted({1, *starts}))

    def _slot(self, value: Any, what: str) -> int:
        if not _is_int(value):
            raise ProblemError(f"{what} must be an integer slot number, got {value!r}")
        if not 1 <= value <= self.slots:
            raise ProblemError(f"{what} {value} is outside slots 1..{self.slots}")
        return int(value)

    def _slot_set(self, value: Any, what: str) -> frozenset[int]:
        if not isinstance(value, list):
            raise ProblemError(f"{what} must be a list of slot numbers")
        return frozenset(self._slot(v, what) for v in value)

    def _resources(self, value: Any) -> dict[str, int]:
        if not isinstance(value, Mapping):
            raise ProblemError("resources must be an object of name: capacity per slot")
        resources: dict[str, int] = {}
        for name, capacity in value.items():
            if not _is_int(capacity):
                raise ProblemError(f"resource {name!r}: capacity must be an integer")
            if capacity < 0:
                raise ProblemError(f"resource {name!r}: negative capacity {capacity}")
            resources[str(name)] = int(capacity)
        return resources

    def _participants(self, value: Any) -> tuple[Participant, ...]:
        if not isinstance(value, list):
            raise ProblemError("participants must be a list")
        seen: set[str] = set()
        result = []
        for position, item in enumerate(value, start=1):
            if not isinstance(item, Mapping):
                raise ProblemError(f"participant #{position} must be an object")
            pid = _identifier(item.get("id"), f"participant #{position}")
            if pid in seen:
                raise ProblemError(f"duplicate participant id {pid!r}")
            seen.add(pid)
            max_meetings = item.get("max_meetings")
            if max_meetings is not None:
                if not _is_int(max_meetings):
                    raise ProblemError(f"participant {pid!r}: max_meetings must be an integer")
                if max_meetings < 0:
                    raise ProblemError(f"participant {pid!r}: negative max_meetings")
            languages = item.get("languages", [])
            if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
                raise ProblemError(f"participant {pid!r}: languages must be a list of strings")
            result.append(
                Participant(
                    id=pid,
                    unavailable=self._slot_set(
                        item.get("unavailable", []), f"participant {pid!r}: unavailable slot"
                    ),
                    max_meetings=None if max_meetings is None else int(max_meetings),
                    languages=tuple(languages),
                )
            )
        return tuple(result)

    def _meetings(
        self,
        value: Any,
        participants: tuple[Participant, ...],
        resources: Mapping[str, int],
        tables: int,
    ) -> tuple[Meeting, ...]:
        if not isinstance(value, list):
            raise ProblemError("meetings must be a list")
        known = {p.id for p in participants}
        raw_ids: list[str] = []
        meeting_ids: set[str] = set()  # the same ids, to look up (a day has 35,000)
        for position, item in enumerate(value, start=1):
            if not isinstance(item, Mapping):
                raise ProblemError(f"meeting #{position} must be an object")
            mid = _identifier(item.get("id"), f"meeting #{position}")
            if mid in meeting_ids:
                raise ProblemError(f"duplicate meeting id {mid!r}")
            raw_ids.append(mid)
            meeting_ids.add(mid)
        return tuple(
            self._meeting(item, mid, known, meeting_ids, resources, tables)
            for item, mid in zip(value, raw_ids, strict=True)
        )

    def _meeting(
        self,
        item: Mapping[str, Any],
        mid: str,
        known: set[str],
        meeting_ids: set[str],
        resources: Mapping[str, int],
        tables: int,
    ) -> Meeting:
        who = f"meeting {mid!r}"
        pair = item.get("participants")
        if not isinstance(pair, list) or len(pair) != 2:
            raise ProblemError(f"{who}: participants must list exactly 2 participant ids")
        for pid in pair:
            if not isinstance(pid, str):
                raise ProblemError(f"{who}: participant ids must be strings, got {pid!r}")
            if pid not in known:
                raise ProblemError(f"{who}: unknown participant {pid!r}")
        if pair[0] == pair[1]:
            raise ProblemError(f"{who}: a participant cannot meet itself ({pair[0]!r})")
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise ProblemError(f"{who}: required must be true or false")
        score = item.get("score", 0)
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise ProblemError(f"{who}: score must be a number")
        if not math.isfinite(score) or score < 0:
            raise ProblemError(f"{who}: score must be finite and >= 0, got {score!r}")
        allowed = item.get("allowed_slots")
        allowed_slots = None if allowed is None else self._slot_set(allowed, f"{who}: allowed slot")
        fixed = item.get("fixed_slot")
        fixed_slot = None if fixed is None else self._slot(fixed, f"{who}: fixed_slot")
        table = item.get("table")
        if table is not None:
            table = _table(table, tables, f"{who}: table")
        after = item.get("after", [])
        if not isinstance(after, list):
            raise ProblemError(f"{who}: after must be a list of meeting ids")
        for other in after:
            if other not in meeting_ids:
                raise ProblemError(f"{who}: unknown meeting {other!r} in after")
            if other == mid:
                raise ProblemError(f"{who}: a meeting cannot come after itself")
        needs = item.get("needs", [])
        if not isinstance(needs, list):
            raise ProblemError(f"{who}: needs must be a list of resource names")
        for name in needs:
            if name not in resources:
                raise ProblemError(f"{who}: unknown resource {name!r} in needs")
        return Meeting(
            id=mid,
            participants=(pair[0], pair[1]),
            required=required,
            score=float(score),
            allowed_slots=allowed_slots,
            fixed_slot=fixed_slot,
            table=table,
            after=tuple(dict.fromkeys(after)),
            needs=tuple(needs),
            current=self._current(item.get("current"), who, tables),
        )

    def _current(self, value: Any, who: str, tables: int) -> Place | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise ProblemError(f"{who}: current must be an object {{slot, table}}")
        return Place(
            slot=self._slot(value.get("slot"), f"{who}: current slot"),
            table=_table(value.get("table"), tables, f"{who}: current table"),
        )

    def _objective(self, value: Any) -> Objective:
        if not isinstance(value, Mapping):
            raise ProblemError("objective must be an object")
        flags = {}
        for name in ("minimize_breaks", "minimize_moves"):
            flag = value.get(name, True)
            if not isinstance(flag, bool):
                raise ProblemError(f"objective: {name} must be true or false")
            flags[name] = flag
        spread = value.get("max_break_spread")
        if spread is not None and (not _is_int(spread) or spread < 0):
            raise ProblemError("objective: max_break_spread must be an integer >= 0")
        return Objective(
            minimize_breaks=flags["minimize_breaks"],
            max_break_spread=None if spread is None else int(spread),
            minimize_moves=flags["minimize_moves"],
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(value: Any, name: str) -> int:
    if not _is_int(value):
        raise ProblemError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ProblemError(f"{name} must be >= 1, got {value}")
    return int(value)


def _identifier(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProblemError(f"{what}: id must be a non-empty string")
    return value


def _table(value: Any, tables: int, what: str) -> int:
    if not _is_int(value):
        raise ProblemError(f"{what} must be an integer table number, got {value!r}")
    if not 1 <= value <= tables:
        raise ProblemError(f"{what} {value} is outside tables 1..{tables}")
    return int(value)


def _check_current_places(meetings: Sequence[Meeting]) -> None:
    """Two meetings cannot both stand at the same place of the live schedule."""
    holder: dict[Place, str] = {}
    for meeting in meetings:
        if meeting.current is None:
            continue
        other = holder.setdefault(meeting.current, meeting.id)
        if other != meeting.id:
            raise ProblemError(
                f"meetings {other!r} and {meeting.id!r} share slot {meeting.current.slot} "
                f"table {meeting.current.table} in the current schedule"
            )


def _check_precedence_cycles(meetings: Sequence[Meeting]) -> None:
    """`after` must be acyclic: a cycle could never be honoured."""
    successors = {m.id: m.after for m in meetings}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in successors:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, position = stack[-1]
            if position < len(successors[node]):
                stack[-1] = (node, position + 1)
                nxt = successors[node][position]
                if state.get(nxt) == 1:
                    path = [n for n, _ in stack]
                    cycle = [*path[path.index(nxt) :], nxt]
                    raise ProblemError(f"precedence cycle in after: {' -> '.join(cycle)}")
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()
