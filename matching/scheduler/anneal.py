"""Simulated annealing over Kempe chains: fewer breaks fast, before the exact searches.

The first schedule of the few-breaks model has 60-100 breaks on the published forum
instances (optimum 1-6), and a CP-SAT step of the timeline search (`timeline_lns.py`)
costs 0.1-0.3 s, so that a short time limit used to return a schedule worse than the
plain model's. A move here costs microseconds: take one meeting and another slot; the
meetings of those two slots that are linked to it through shared participants (its
Kempe chain) swap slots together, which keeps every participant at one meeting per slot
and lets one meeting slide into a busy slot. Single meetings moving to a free place are
the chains of length one. A move is applied only when every moved meeting keeps its
domain, precedences, tables and resources (`SlotState.can_place`).

The cost is the break count, plus a little per idle slot between meetings (a gap that
narrows is progress towards closing it), plus a heavy penalty per unit of break spread
above `max_break_spread`, so that the fairness bound is reached first. Worse moves are
taken with the Metropolis probability at a temperature that falls geometrically over
the run's work; the best schedule seen (fewest excess spread, then breaks, then idle
slots) is kept. The generator is seeded and the work counted in meeting moves, so a run
is reproducible (the wall clock is a safety limit only).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Sequence

from matching.scheduler.compiled import Compiled
from matching.scheduler.state import UNPLACED, SlotState, participant_gaps

# Cost of one unit of break spread above the bound, above any change in breaks.
SPREAD_PENALTY = 1_000
# Temperatures at the start and at the end of a run (in breaks).
HOT = 1.0
COLD = 0.05
# Cost of one idle slot between meetings, in breaks: a gap that narrows is progress.
IDLE_WEIGHT = 0.3
# Steps between two refreshes of the list of participants with a break, and between two
# looks at the clock.
REFRESH_EVERY = 64
CLOCK_EVERY = 256


def anneal_breaks(
    compiled: Compiled,
    state: SlotState,
    meetings: Sequence[int],
    *,
    seed: int,
    work: int,
    until: float,
    stop_at: int = 0,
) -> int:
    """Lower the breaks of `state` in place by moving `meetings`; returns the work spent.

    `work` counts meeting moves tried: a chain of n meetings costs n, so that the time a
    run takes follows its work whatever the density of the day (40,000-150,000 a second
    measured on the published instances).

    Every meeting in `meetings` must be placed; others stay where they are. `state` ends
    holding the best schedule seen (never worse than the one it started with).
    """
    if not meetings or any(state.slot_of[k] == UNPLACED for k in meetings):
        return 0
    run = _Annealer(compiled, state, list(meetings), random.Random(seed))
    return run.search(work, until, stop_at)


class _Annealer:
    def __init__(
        self, compiled: Compiled, state: SlotState, meetings: list[int], rng: random.Random
    ) -> None:
        self.c = compiled
        self.state = state
        self.meetings = meetings
        self.movable = set(meetings)
        self.rng = rng
        self.domain = [sorted(d) for d in compiled.domain]
        self.session_of = compiled.session_of
        self.cap = compiled.problem.objective.max_break_spread
        self.touched = sorted({p for k in meetings for p in compiled.pair[k]})
        self.breaks: dict[int, int] = {}
        self.idle: dict[int, int] = {}
        self.total = self.total_idle = 0
        self.histogram: dict[int, int] = {}
        self.rescore(p for p in range(compiled.n_participants) if state.busy[p])
        self.breakers: list[int] = []

    # -- cost -----------------------------------------------------------------------------
    def excess(self) -> int:
        if self.cap is None or not self.histogram:
            return 0
        return max(0, max(self.histogram) - min(self.histogram) - self.cap)

    def cost(self) -> float:
        return self.total + IDLE_WEIGHT * self.total_idle + SPREAD_PENALTY * self.excess()

    def key(self) -> tuple[int, int, int]:
        """What the best schedule is chosen by: fairness excess, breaks, idle slots."""
        return self.excess(), self.total, self.total_idle

    def _set_breaks(self, p: int, value: int) -> None:
        old = self.breaks.get(p)
        if old == value:
            return
        if old is not None:
            self.histogram[old] -= 1
            if not self.histogram[old]:
                del self.histogram[old]
            self.total -= old
        self.breaks[p] = value
        self.histogram[value] = self.histogram.get(value, 0) + 1
        self.total += value

    # -- moves ----------------------------------------------------------------------------
    def chain(self, k: int, target: int) -> list[int] | None:
        """Meetings of slots (slot of k, target) linked to k through shared participants."""
        state, pair = self.state, self.c.pair
        source = state.slot_of[k]
        seen = {k}
        todo = [k]
        while todo:
            m = todo.pop()
            here = state.slot_of[m]
            there = target if here == source else source
            for p in pair[m]:
                other = state.busy[p].get(there)
                if other is not None and other not in seen:
                    if other not in self.movable:
                        return None
                    seen.add(other)
                    todo.append(other)
        return sorted(seen)

    def apply(self, moved: list[int], source: int, target: int) -> bool:
        """Swap the slots of `moved` between source and target; False (undone) if illegal."""
        state = self.state
        old = [state.slot_of[m] for m in moved]
        for m in moved:
            state.remove(m)
        for m, here in zip(moved, old, strict=True):
            there = target if here == source else source
            if there not in self.c.domain[m] or not state.can_place(m, there):
                self._place_at(moved, old)
                return False
            state.place(m, there)
        return True

    def undo(self, moved: list[int], source: int, target: int) -> None:
        """Swap `moved` back (the swap undoes itself; no rule needs checking)."""
        back = [target if self.state.slot_of[m] == source else source for m in moved]
        self._place_at(moved, back)

    def _place_at(self, meetings: list[int], slots: list[int]) -> None:
        """Put each of `meetings` in the slot at the same position of `slots`."""
        for m in meetings:
            self.state.remove(m)  # those not placed yet are left as they are
        for m, slot in zip(meetings, slots, strict=True):
            self.state.place(m, slot)

    def rescore(self, participants: Iterable[int]) -> None:
        """Breaks and idle slots of `participants` from their timelines now."""
        for p in participants:
            gaps = participant_gaps(self.state.busy[p], self.session_of)
            self._set_breaks(p, len(gaps))
            idle = sum(gaps)
            self.total_idle += idle - self.idle.get(p, 0)
            self.idle[p] = idle

    def _of(self, moved: list[int]) -> set[int]:
        return {p for m in moved for p in self.c.pair[m]}

    # -- search ---------------------------------------------------------------------------
    def search(self, work: int, until: float, stop_at: int) -> int:
        """Anneal until `work` meeting moves are spent (a chain of n costs n)."""
        state, rng = self.state, self.rng
        current = self.cost()
        best_key = self.key()
        best = list(state.slot_of)
        spent = steps = 0
        ratio = COLD / HOT
        while spent < work:
            steps += 1
            if steps % CLOCK_EVERY == 0 and time.perf_counter() >= until:
                break
            if steps % REFRESH_EVERY == 1:
                self.breakers = [p for p in self.touched if self.breaks.get(p, 0)]
            spent += 1
            k = self._pick(rng)
            options = self.domain[k]
            source = state.slot_of[k]
            target = options[rng.randrange(len(options))]
            if target == source:
                continue
            moved = self.chain(k, target)
            if moved is None:
                continue
            spent += len(moved) - 1
            if not self.apply(moved, source, target):
                continue
            self.rescore(self._of(moved))
            after = self.cost()
            delta = after - current
            temperature = HOT * ratio ** (spent / work)
            if delta <= 0 or rng.random() < math.exp(-delta / temperature):
                current = after
                key = self.key()
                if key < best_key:
                    best_key, best = key, list(state.slot_of)
                    if key[0] == 0 and self.total <= stop_at:
                        break
            else:
                self.undo(moved, source, target)
                self.rescore(self._of(moved))
        self._restore(best)
        return spent

    def _pick(self, rng: random.Random) -> int:
        """A meeting, half the time one of a participant with a break."""
        if rng.random() < 0.5:
            breakers = self.breakers
            if breakers:
                p = breakers[rng.randrange(len(breakers))]
                own = [m for m in self.state.busy[p].values() if m in self.movable]
                if own:
                    return own[rng.randrange(len(own))]
        return self.meetings[rng.randrange(len(self.meetings))]

    def _restore(self, best: list[int]) -> None:
        if best != self.state.slot_of:
            self._place_at(self.meetings, [best[m] for m in self.meetings])
