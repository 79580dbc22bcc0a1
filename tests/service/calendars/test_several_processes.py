"""Two web processes on one database stay consistent: each one's in-memory feed and
agenda caches check the data version, so a change made through one is served by the
other at once (the deployment of README "Running on several machines")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.seed import create_b2b_session, create_event, register_participant
from tests.service.jobs.world import HEADERS, database_url, web


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_change_through_one_process_is_served_by_the_other(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url, web(url) as first, web(url) as second:
        # Two apps, two engines, two sets of caches: two processes as far as caching goes.
        assert first.app.state.engine is not second.app.state.engine  # type: ignore[attr-defined]
        event_id = create_event(first, HEADERS)  # type: ignore[arg-type]
        session_id = create_b2b_session(first, HEADERS, event_id, tables=4)  # type: ignore[arg-type]
        a = register_participant(first, HEADERS, event_id, 1)  # type: ignore[arg-type]
        b = register_participant(first, HEADERS, event_id, 2)  # type: ignore[arg-type]
        meeting = first.post(
            f"/api/v1/events/{event_id}/meetings",
            json={"participants": [a.participant_id, b.participant_id],
                  "session_id": session_id, "slot": 1, "table": 1},
            headers=HEADERS,
        ).json()  # fmt: skip
        feed = f"/api/v1/calendars/{a.token}.ics"
        agenda = f"/api/v1/events/{event_id}/meetings?participant_id={a.participant_id}"
        before_feed = second.get(feed)
        before_agenda = second.get(agenda, headers=a.headers)
        assert "Bàn 1" in before_feed.text and before_agenda.json()["items"][0]["table"] == 1
        assert second.get(feed).headers["etag"] == before_feed.headers["etag"]  # cached
        moved = first.patch(
            f"/api/v1/events/{event_id}/meetings/{meeting['id']}",
            json={"slot": 2, "table": 3},
            headers=HEADERS,
        )
        assert moved.status_code == 200, moved.text
        after_feed = second.get(feed, headers={"If-None-Match": before_feed.headers["etag"]})
        assert after_feed.status_code == 200 and "Bàn 3" in after_feed.text
        after_agenda = second.get(agenda, headers=a.headers).json()["items"][0]
        assert (after_agenda["slot"], after_agenda["table"]) == (2, 3)
