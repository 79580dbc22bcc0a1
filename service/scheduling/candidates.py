"""Candidate pairs the scheduler may fill free places with (optional meetings).

Every caller goes through `candidate_pairs`, so the source of the candidates can change
without touching the scheduler run. The source is the event's suggestion index
(service/suggestions, built on matching.scoring): each participant's
``limit_per_participant`` best partners, scored in [0, 1] under the event's weights, with
wishes and requests raising a pair and blocked pairs left out. The result is the union of
those lists, each unordered pair once, in a stable order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from service.events.models import Event
from service.meeting_requests.models import pair_key
from service.participants.models import Participant
from service.suggestions.service import IndexCache, event_matching


@dataclass(frozen=True)
class Candidate:
    a: int
    b: int
    score: float  # in [0, 1], higher is better

    @property
    def key(self) -> str:
        return pair_key(self.a, self.b)


def candidate_pairs(
    session: Session, event: Event, limit_per_participant: int, cache: IndexCache | None = None
) -> list[Candidate]:
    """The best candidate pairs of the event, at most `limit_per_participant` chosen by
    each participant. `cache` is the app's suggestion index cache, when there is one."""
    participants = session.exec(
        select(func.count()).select_from(Participant).where(Participant.event_id == event.id)
    ).one()
    if participants < 2:
        return []  # no pair to suggest (and nothing to index)
    matching = event_matching(session=session, event=event, cache=cache or IndexCache())
    chosen: dict[str, Candidate] = {}
    for _, suggestions in matching.index.iter_top_k(k=limit_per_participant):
        for suggestion in suggestions:
            a, b = sorted((int(suggestion.participant_id), int(suggestion.partner_id)))
            candidate = Candidate(a, b, round(float(suggestion.score), 3))
            known = chosen.get(candidate.key)
            if known is None or known.score < candidate.score:
                chosen[candidate.key] = candidate
    return sorted(chosen.values(), key=lambda c: (c.a, c.b))
