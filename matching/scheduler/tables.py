"""Seat the meetings of each slot at tables once the slots are decided."""

from __future__ import annotations

from matching.scheduler.compiled import Compiled
from matching.scheduler.state import UNPLACED, SlotState


def assign_tables(compiled: Compiled, state: SlotState) -> dict[int, int]:
    """Table per placed meeting: fixed tables, then current tables kept, then the lowest free.

    The slot model guarantees at most `tables` meetings per slot and distinct fixed tables,
    so every meeting gets a table.
    """
    by_slot: dict[int, list[int]] = {}
    for k, s in enumerate(state.slot_of):
        if s != UNPLACED:
            by_slot.setdefault(s, []).append(k)
    table_of: dict[int, int] = {}
    for s, meetings in by_slot.items():
        taken: set[int] = set()
        for k in meetings:
            table = compiled.fixed_table[k]
            if table is not None:
                table_of[k] = table
                taken.add(table)
        for k in meetings:
            current = compiled.current[k]
            if k in table_of or current is None or current.slot != s:
                continue
            if current.table not in taken:
                table_of[k] = current.table
                taken.add(current.table)
        free_tables = (t for t in range(1, compiled.tables + 1) if t not in taken)
        for k in meetings:
            if k not in table_of:
                table_of[k] = next(free_tables)
    return table_of
