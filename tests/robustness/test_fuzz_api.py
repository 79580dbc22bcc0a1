"""Schema-driven fuzzing of the whole API: no 5xx, no response that breaks its schema.

Schemathesis generates requests for every operation of the app's OpenAPI schema, valid
ones and deliberately invalid ones, and sends them in-process (ASGI) as an organiser and
then as a participant. Half the cases aim at the ids of a real event (so they get past
the 404s and reach the handlers), half at whatever ids the generator picks. The budget is
fixed and the generation derandomised, so CI runs the same cases in a bounded time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlmodel import Session

from service.core.database import make_engine
from service.core.migrations import upgrade
from service.core.settings import Settings
from service.main import create_app
from service.seeding.reference_data import ensure_reference_data
from tests.conftest import ADMIN_TOKEN
from tests.robustness.authorization import ORGANIZER, PARTICIPANT, World, path_parameters
from tests.robustness.world import build_world

EXAMPLES_PER_OPERATION_AND_MODE = 8
MINIMUM_CASES_PER_ROLE = 500

# Path parameters that name one of the world's rows.
WORLD_IDS = {
    "event_id": "event_id",
    "session_id": "b2b_session_id",
    "organization_id": "organization_id",
    "participant_id": "participant_id",
    "meeting_id": "meeting_id",
    "request_id": "request_id",
    "preference_id": "preference_id",
}


@dataclass
class Fuzzed:
    app: FastAPI
    world: World
    schema: Any


@dataclass
class Tally:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """A fresh, migrated SQLite file with the fixture event, committed (the fuzzer's
    writes stay, as they would on a real server)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'meetx.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ensure_reference_data(session=session)
    settings = Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        public_url="https://meetx.example",
        log_level="CRITICAL",
    )
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        world = build_world(client, settings, engine)
    yield Fuzzed(app, world, schemathesis.openapi.from_asgi("/openapi.json", app))
    engine.dispose()


def _world_path_parameters(operation: Any, world: World, token: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in path_parameters(operation.path):
        if name == "token":
            values[name] = token
        elif name in WORLD_IDS:
            values[name] = getattr(world, WORLD_IDS[name])
    return values


def _send(client: TestClient, case: Any, headers: dict[str, str]) -> Any:
    """The case through Starlette's test client (httpx): schemathesis's own ASGI
    transport goes through requests, which breaks on the urllib3 installed here."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    options: dict[str, Any] = {"headers": kwargs.get("headers"), "params": kwargs.get("params")}
    if "json" in kwargs:
        options["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        options["content"] = data
    elif data is not None:
        options["data"] = data
    if kwargs.get("files"):
        options["files"] = kwargs["files"]
    return client.request(kwargs["method"], kwargs["url"], **options)


@dataclass
class Credential:
    """The role's current token: a fuzzed token rotation replaces it mid-run."""

    token: str
    participant_id: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def follow_rotation(self, case: Any, response: Any) -> None:
        rotated = case.path.endswith("/token") and response.status_code == 200
        if rotated and response.json().get("id") == self.participant_id:
            self.token = response.json()["token"]


def _fuzz_operation(
    client: TestClient, operation: Any, world: World, credential: Credential, tally: Tally
) -> None:
    aimed = _world_path_parameters(operation, world, credential.token)
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        if aimed:
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=aimed))

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE * 2,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=st.one_of(strategies))
    def run(case: Any) -> None:
        tally.cases += 1
        headers = credential.headers
        response = _send(client, case, headers)
        tally.statuses[response.status_code] += 1
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance], headers=headers
        )
        credential.follow_rotation(case, response)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # report every operation, not the first
        tally.failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]


def _credential(client: TestClient, world: World, role: str) -> Credential:
    if role == ORGANIZER:
        return Credential(ADMIN_TOKEN)
    # A fresh token: an earlier run may have rotated the participant's.
    response = client.post(
        f"/api/v1/events/{world.event_id}/participants/{world.participant_id}/token",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    return Credential(response.json()["token"], world.participant_id)


def _fuzz(fuzzed: Fuzzed, role: str) -> Tally:
    tally = Tally()
    with TestClient(fuzzed.app, raise_server_exceptions=False) as client:
        credential = _credential(client, fuzzed.world, role)
        for result in fuzzed.schema.get_all_operations():
            _fuzz_operation(client, result.ok(), fuzzed.world, credential, tally)
    return tally


@pytest.mark.parametrize("role", [ORGANIZER, PARTICIPANT])
def test_no_server_error_and_responses_match_the_schema(fuzzed: Fuzzed, role: str) -> None:
    tally = _fuzz(fuzzed, role)
    print(f"\n{role}: {tally.cases} cases, statuses {dict(sorted(tally.statuses.items()))}")
    assert not tally.failures, "\n\n".join(f"{op}:\n{text}" for op, text in tally.failures.items())
    assert tally.cases >= MINIMUM_CASES_PER_ROLE
    assert not any(status >= 500 for status in tally.statuses)


def test_the_budget_reaches_a_thousand_cases(fuzzed: Fuzzed) -> None:
    operations = sum(1 for _ in fuzzed.schema.get_all_operations())
    per_role = operations * EXAMPLES_PER_OPERATION_AND_MODE * 2
    assert per_role * 2 >= 1000, (operations, per_role)
