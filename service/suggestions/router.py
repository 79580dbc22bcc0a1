"""GET suggestions for a participant, and the event's best pairs (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from matching.scoring import Suggestion
from service.auth.dependencies import ActorDep, OrganizerDep
from service.core.database import SessionDep
from service.core.errors import not_found
from service.core.i18n import vi_en
from service.events.service import get_event
from service.jobs.dependencies import JobEngineDep
from service.jobs.http import PreferHeader, accepted, wants_async
from service.jobs.models import JobRead
from service.kit.csv_safety import safe_cell
from service.meeting_requests.service import request_status_by_partner
from service.organizations.models import Organization
from service.participants.service import get_participant
from service.suggestions import service
from service.suggestions.models import (
    IndexBuild,
    PairList,
    PairPublic,
    PartnerOrganization,
    ReasonPublic,
    SuggestionList,
    SuggestionPublic,
)
from service.suggestions.tasks import INDEX_TASK, index_lock

router = APIRouter(tags=["suggestions"])


def _organization(org: Organization) -> PartnerOrganization:
    return PartnerOrganization(
        id=org.id,  # type: ignore[arg-type]
        name=org.name,
        name_en=org.name_en,
        kind=org.kind.value,
        country=org.country,
        province_code=org.province_code,
        sectors=list(org.sectors),
        verified=org.verified,
    )


def _reasons(suggestion: Suggestion) -> list[ReasonPublic]:
    return [ReasonPublic(code=r.code, vi=r.vi, en=r.en) for r in suggestion.reasons]


@router.get(
    "/events/{event_id}/participants/{participant_id}/suggestions",
    summary="Ranked partner suggestions with their reasons",
    description="For the participant itself (its own token) or an organiser. Scores are in "
    "[0, 1]; `components` shows each part and `reasons` says why, in Vietnamese and English.",
)
def participant_suggestions(
    event_id: int,
    participant_id: int,
    session: SessionDep,
    actor: ActorDep,
    cache: service.IndexCacheDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SuggestionList:
    if not (actor.is_organizer or actor.is_participant(participant_id)):
        raise not_found(f"participant {participant_id}")
    event = get_event(session=session, event_id=event_id)
    get_participant(session=session, event_id=event_id, participant_id=participant_id)
    matching, found = service.suggestions_for(
        session=session,
        event=event,
        participant_id=participant_id,
        limit=limit,
        cache=cache,
    )
    statuses = request_status_by_partner(session=session, participant_id=participant_id)
    items = []
    for s in found:
        partner = matching.participants[int(s.partner_id)]
        items.append(
            SuggestionPublic(
                participant_id=partner.id,  # type: ignore[arg-type]
                organization=_organization(matching.organizations[partner.organization_id]),
                side=partner.side.value,
                score=round(s.score, 4),
                components={k: round(v, 4) for k, v in s.components.items()},
                reasons=_reasons(s),
                request_status=statuses.get(partner.id),  # type: ignore[arg-type]
            )
        )
    return SuggestionList(
        participant_id=participant_id,
        items=items,
        total=len(items),
        weights=service.match_config(event).weights(),
    )


@router.get(
    "/events/{event_id}/suggestions/pairs",
    summary="The event's best host-guest pairs (organisers)",
    description="`format=csv` downloads them as a spreadsheet-safe CSV.",
    response_model=PairList,
    responses={200: {"content": {"text/csv": {}}}},
)
def top_pairs(
    event_id: int,
    session: SessionDep,
    _: OrganizerDep,
    cache: service.IndexCacheDep,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> PairList | Response:
    event = get_event(session=session, event_id=event_id)
    matching = service.event_matching(session=session, event=event, cache=cache)
    pairs = []
    for s in matching.index.top_pairs(limit=limit):
        a = matching.participants[int(s.participant_id)]
        b = matching.participants[int(s.partner_id)]
        pairs.append(
            PairPublic(
                host_participant_id=a.id,  # type: ignore[arg-type]
                guest_participant_id=b.id,  # type: ignore[arg-type]
                host=_organization(matching.organizations[a.organization_id]),
                guest=_organization(matching.organizations[b.organization_id]),
                score=round(s.score, 4),
                components={k: round(v, 4) for k, v in s.components.items()},
                reasons=_reasons(s),
            )
        )
    if format == "csv":
        return _pairs_csv(pairs, event_id)
    return PairList(items=pairs, total=len(pairs))


def _pairs_csv(pairs: list[PairPublic], event_id: int) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            vi_en("pairs.csv.rank"),
            vi_en("pairs.csv.host"),
            vi_en("pairs.csv.guest"),
            vi_en("pairs.csv.score"),
            vi_en("pairs.csv.sector"),
            vi_en("pairs.csv.text"),
            vi_en("pairs.csv.potential"),
            vi_en("pairs.csv.language"),
            vi_en("pairs.csv.preference"),
            vi_en("pairs.csv.reasons"),
        ]
    )
    for rank, pair in enumerate(pairs, start=1):
        writer.writerow(
            [
                rank,
                safe_cell(pair.host.name),
                safe_cell(pair.guest.name),
                pair.score,
                *(
                    pair.components.get(k, 0.0)
                    for k in ("sector", "text", "potential", "language", "preference")
                ),
                safe_cell(" | ".join(f"{r.vi} / {r.en}" for r in pair.reasons)),
            ]
        )
    # A BOM lets Excel open the Vietnamese text as UTF-8.
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="meetx-event-{event_id}-pairs.csv"'},
    )


@router.post(
    "/events/{event_id}/suggestions/index",
    summary="Build the event's suggestion index ahead of the first read",
    description=(
        "The index behind suggestions and the scheduler's suggested meetings is rebuilt "
        "after any change to the event's profiles, wishes or requests, on the first read "
        "that needs it: seconds for thousands of firms. After a large import, build it "
        "now: the answer says how many participants it covers, whether it was built or "
        "already current in this process, and how long it took.\n\n"
        "The index lives in the memory of the process that builds it. With "
        "`Prefer: respond-async` (RFC 7240) the build is a background job (202, "
        "`Location: /api/v1/jobs/{job_id}`; one per event at a time), run by whichever "
        "process runs jobs: `meetx serve` itself on the embedded engine, else a "
        "`meetx worker`, which then holds it for its scheduler runs."
    ),
    response_model=IndexBuild,
    responses={202: {"model": JobRead, "description": "Accepted as a background job"}},
)
def build_suggestion_index(
    event_id: int,
    session: SessionDep,
    _: OrganizerDep,
    cache: service.IndexCacheDep,
    request: Request,
    jobs: JobEngineDep,
    prefer: PreferHeader = None,
) -> IndexBuild | JSONResponse:
    event = get_event(session=session, event_id=event_id)
    if wants_async(prefer):
        job, _created = jobs.enqueue(
            session=session,
            kind=INDEX_TASK,
            params={},
            event_id=event_id,
            lock_key=index_lock(event_id),
        )
        return accepted(request, job)
    return service.prepare_index(session=session, event=event, cache=cache)
