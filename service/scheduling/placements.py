"""The meetings of one scheduler run and the final check of where they go.

The solver's answer is never stored as it comes: `settle` re-checks every hard rule
against the event itself (each session's own tables and interpreter pools, availability,
caps, one meeting per participant and slot, one meeting per table and slot) and accepts
placements in an order that protects what already exists:

1. locked meetings, where they stand (nothing moves them);
2. existing meetings the solver left in place;
3. required existing meetings the solver dropped, back in their place if it is still valid
   (an existing required meeting is never cancelled while its place is usable);
4. required meetings the solver moved, then new required meetings;
5. optional meetings (suggestions), existing before new.

A placement that breaks a rule is refused; an existing meeting then falls back to its
current place when that is still valid. Whatever stays without a place is reported.
Normally the solver's answer passes unchanged; the check matters when the solver had to
be given simplified capacities, or when the data changed under it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from service.core.i18n import vi_en
from service.meetings.models import Meeting, MeetingSource
from service.scheduling.grid import Grid

Place = tuple[int, int]  # (grid slot number, table)


@dataclass
class Planned:
    """One meeting of the run: an existing live meeting, an accepted request not yet
    scheduled, or a suggested pair."""

    key: str  # its id in the scheduler problem
    a: int
    b: int
    required: bool
    source: MeetingSource
    score: float = 0.0
    language: str | None = None  # interpreter language needed, if any
    request_id: int | None = None
    existing: Meeting | None = None
    current: Place | None = None  # the existing meeting's place, when still valid
    locked: bool = False

    @property
    def participants(self) -> tuple[int, int]:
        return self.a, self.b


@dataclass
class Settled:
    places: dict[str, Place]  # final place by key
    reasons: dict[str, str]  # why a meeting has no place, by key
    adjusted: int  # placements of the solver that had to be changed


class _Occupancy:
    def __init__(
        self, grid: Grid, unavailable: Mapping[int, set[int]], limits: Mapping[int, int | None]
    ) -> None:
        self.grid = grid
        self.unavailable = unavailable
        self.limits = limits
        self.tables: set[Place] = set()
        self.busy: set[tuple[int, int]] = set()
        self.interpreters: Counter[tuple[int, str]] = Counter()
        self.meetings: Counter[int] = Counter()

    def refusal(self, item: Planned, place: Place) -> str | None:
        """Why the item cannot go there, or None when it can."""
        number, table = place
        if not 1 <= number <= len(self.grid):
            return vi_en("sched.reason.no_slot")
        slot = self.grid.at(number)
        if not 1 <= table <= slot.tables:
            return vi_en("sched.reason.tables", tables=slot.tables)
        if place in self.tables:
            return vi_en("sched.reason.table_taken")
        for participant in item.participants:
            if (participant, number) in self.busy:
                return vi_en("sched.reason.busy", participant=participant)
            if not item.locked and number in self.unavailable.get(participant, set()):
                return vi_en("sched.reason.unavailable", participant=participant)
            limit = self.limits.get(participant)
            if not item.locked and limit is not None and self.meetings[participant] >= limit:
                return vi_en("sched.reason.full", participant=participant)
        declared = item.language is not None and item.language in self.grid.pools
        if declared and self.interpreters[(number, item.language)] >= slot.pool(item.language):  # type: ignore[arg-type]
            return vi_en("sched.reason.no_interpreter", language=item.language)
        return None

    def take(self, item: Planned, place: Place) -> None:
        number, _ = place
        self.tables.add(place)
        for participant in item.participants:
            self.busy.add((participant, number))
            self.meetings[participant] += 1
        if item.language:
            self.interpreters[(number, item.language)] += 1

    def release(self, item: Planned, place: Place) -> None:
        number, _ = place
        self.tables.discard(place)
        for participant in item.participants:
            self.busy.discard((participant, number))
            self.meetings[participant] -= 1
        if item.language:
            self.interpreters[(number, item.language)] -= 1


def settle(
    *,
    grid: Grid,
    items: Iterable[Planned],
    proposed: Mapping[str, Place],
    solver_reasons: Mapping[str, str],
    unavailable: Mapping[int, set[int]],
    limits: Mapping[int, int | None],
    keep_in_place: bool = False,
) -> Settled:
    """The final places (see the module docstring). With `keep_in_place`, existing
    meetings the solver moved are brought back where they stood whenever that costs no
    other meeting its place (see `_restore_moved`)."""
    occupancy = _Occupancy(grid, unavailable, limits)
    places: dict[str, Place] = {}
    reasons: dict[str, str] = {}
    adjusted = 0
    items = list(items)

    def place(item: Planned, options: list[Place | None]) -> None:
        nonlocal adjusted
        refusal = None
        for option in options:
            if option is None:
                continue
            refusal = occupancy.refusal(item, option)
            if refusal is None:
                occupancy.take(item, option)
                places[item.key] = option
                if option != proposed.get(item.key):
                    adjusted += 1
                return
        if item.key in proposed:
            adjusted += 1
        reasons[item.key] = refusal or solver_reasons.get(
            item.key, vi_en("sched.reason.not_placed")
        )

    def phase(
        selected: Iterable[Planned], options: Callable[[Planned], list[Place | None]]
    ) -> None:
        for item in selected:
            if item.key not in places and item.key not in reasons:
                place(item, options(item))

    existing = [i for i in items if i.existing is not None]
    new = [i for i in items if i.existing is None]
    for item in (i for i in existing if i.locked and i.current is not None):
        # A locked meeting stays whatever the solver said; it only claims its place.
        occupancy.take(item, item.current)  # type: ignore[arg-type]
        places[item.key] = item.current  # type: ignore[assignment]
    phase(
        (i for i in existing if i.current is not None and proposed.get(i.key) == i.current),
        lambda i: [i.current],
    )
    phase(
        (i for i in existing if i.required and i.key not in proposed),
        lambda i: [i.current],
    )
    phase((i for i in existing if i.required), lambda i: [proposed.get(i.key), i.current])
    phase((i for i in new if i.required), lambda i: [proposed.get(i.key)])
    phase(
        (i for i in existing if not i.required and i.key in proposed),
        lambda i: [proposed.get(i.key), i.current],
    )
    phase(
        (i for i in existing if not i.required),
        lambda i: [],
    )
    phase((i for i in new if not i.required), lambda i: [proposed.get(i.key)])
    if keep_in_place:
        # One meeting going home can free the place another needs: repeat while it helps.
        for _ in range(5):
            restored = _restore_moved(occupancy, items, places)
            adjusted += restored
            if not restored:
                break
    return Settled(places=places, reasons=reasons, adjusted=adjusted)


def _restore_moved(occupancy: _Occupancy, items: list[Planned], places: dict[str, Place]) -> int:
    """Moves existing meetings back to their current place when it is free, or when the
    one new meeting in the way can take the moved meeting's new place instead (the solver,
    cut short by its time limit, sometimes seats a newcomer in an old meeting's place and
    moves the old one). Nothing is dropped, so no required meeting or score is lost.
    Returns how many placements changed."""
    by_key = {i.key: i for i in items}
    at_slot: dict[int, set[str]] = {}
    for key, (number, _) in places.items():
        at_slot.setdefault(number, set()).add(key)

    def record(item: Planned, old: Place, new: Place) -> None:
        places[item.key] = new
        at_slot[old[0]].discard(item.key)
        at_slot.setdefault(new[0], set()).add(item.key)

    changed = 0
    for item in items:
        home, there = item.current, places.get(item.key)
        if item.existing is None or item.locked or home is None or there is None:
            continue
        if there == home:
            continue
        occupancy.release(item, there)
        if occupancy.refusal(item, home) is None:
            occupancy.take(item, home)
            record(item, there, home)
            changed += 1
            continue
        in_the_way = [
            by_key[key]
            for key in at_slot.get(home[0], ())
            if places[key] == home or set(by_key[key].participants) & set(item.participants)
        ]
        if len(in_the_way) == 1 and in_the_way[0].existing is None:
            newcomer = in_the_way[0]
            occupancy.release(newcomer, home)
            if occupancy.refusal(item, home) is None:
                occupancy.take(item, home)
                if occupancy.refusal(newcomer, there) is None:
                    occupancy.take(newcomer, there)
                    record(newcomer, home, there)
                    record(item, there, home)
                    changed += 2
                    continue
                occupancy.release(item, home)
            occupancy.take(newcomer, home)
        occupancy.take(item, there)
    return changed


def count_breaks(grid: Grid, places: Mapping[str, Place], items: Iterable[Planned]) -> int:
    """Idle stretches between two meetings of a participant within one session (the
    pause between sessions is not a break)."""
    by_participant: dict[int, list[int]] = {}
    for item in items:
        place = places.get(item.key)
        if place is None:
            continue
        for participant in item.participants:
            by_participant.setdefault(participant, []).append(place[0])
    breaks = 0
    for numbers in by_participant.values():
        numbers.sort()
        for earlier, later in itertools.pairwise(numbers):
            same_session = grid.at(earlier).session.id == grid.at(later).session.id
            if same_session and later - earlier > 1:
                breaks += 1
    return breaks
