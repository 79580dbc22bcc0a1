"""Importing participants from a CSV or XLSX sheet, all or nothing.

One row per delegate; rows naming the same organisation (same name and country) form one
participant with several delegates, as a province's delegation does. Every row is checked
first and every problem reported with its row number; only a clean file is written, in
one transaction, through the organisation and participant service functions, and if a
write still fails (say another organiser registered the same firm meanwhile) the whole
import is rolled back.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlmodel import Session, select

from service.core import i18n as catalogues
from service.core.errors import ProblemError
from service.core.i18n import vi_en
from service.events.models import Event
from service.kit.folding import fold, nfc
from service.organizations.models import Organization, OrganizationCreate, OrganizationKind
from service.organizations.service import create_organization
from service.participants.models import Delegate, Participant, ParticipantCreate
from service.participants.service import create_participant, participant_with_token
from service.reference.service import check_sector_codes, resolve_province

COLUMNS: Final = (
    "kind",
    "name",
    "name_en",
    "country",
    "province",
    "sectors",
    "languages",
    "offers",
    "needs",
    "investment_usd",
    "delegate_name",
    "delegate_title",
    "delegate_email",
    "max_meetings",
)
REQUIRED_COLUMNS: Final = ("kind", "name", "country")
ORGANIZATION_COLUMNS: Final = COLUMNS[:10]
MAX_ROWS: Final = 5000
# A background import reports its progress (and may be stopped) this often, in rows.
PROGRESS_EVERY: Final = 100
# Hears (phase, share done or None).
Progress = Callable[[str, float | None], None]
_LIST_SPLIT = re.compile(r"[,;|\s]+")

# Words organisers type in a Vietnamese sheet, besides the API's own values.
KIND_ALIASES: Final = {
    "tinh": OrganizationKind.province,
    "tinh thanh": OrganizationKind.province,
    "thanh pho": OrganizationKind.province,
    "doanh nghiep": OrganizationKind.company,
    "cong ty": OrganizationKind.company,
    "hiep hoi": OrganizationKind.association,
    "dia phuong": OrganizationKind.locality,
    "co quan": OrganizationKind.agency,
}


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class PlannedParticipant:
    """One organisation of the file and the participant it becomes."""

    first_row: int
    key: tuple[str, str]
    cells: dict[str, str]
    existing: Organization | None
    organization: OrganizationCreate | None
    delegates: list[Delegate] = field(default_factory=list)
    max_meetings: int | None = None


@dataclass(frozen=True)
class ImportedParticipant:
    organization_name: str
    participant_id: int
    new_organization: bool
    page_url: str
    calendar_url: str


@dataclass
class ImportOutcome:
    errors: list[RowError] = field(default_factory=list)
    imported: list[ImportedParticipant] = field(default_factory=list)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, too many rows)."""


# ---------------------------------------------------------------- reading


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def read_rows(filename: str, content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for every non-blank data row of the first sheet."""
    if filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        table = _xlsx_rows(content)
    else:
        table = _csv_rows(content)
    try:
        header = next(table)
    except StopIteration as exc:
        raise ImportFileError(vi_en("import.err.empty_file")) from exc
    names = [_cell_text(h).lower().replace(" ", "_") for h in header]
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown:
        raise ImportFileError(
            vi_en("import.err.unknown_columns")
            + f": {', '.join(unknown)} ("
            + vi_en("import.err.expected")
            + f": {', '.join(COLUMNS)})"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise ImportFileError(vi_en("import.err.missing_columns") + ": " + ", ".join(missing))
    count = 0
    for number, values in enumerate(table, start=2):
        cells = {
            name: _cell_text(value) for name, value in zip(names, values, strict=False) if name
        }
        if not any(cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError(vi_en("import.err.too_many_rows", count=MAX_ROWS))
        yield number, cells


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(vi_en("import.err.not_utf8")) from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(vi_en("import.err.bad_xlsx")) from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


# ---------------------------------------------------------------- checking


def _kind(value: str) -> OrganizationKind:
    folded = fold(value)
    for kind in OrganizationKind:
        if folded == kind.value:
            return kind
    if folded in KIND_ALIASES:
        return KIND_ALIASES[folded]
    kinds = ", ".join(k.value for k in OrganizationKind)
    raise ValueError(vi_en("import.err.one_of") + ": " + kinds)


# ISO codes -> (Vietnamese, English) names: the catalogues' "country.KR" ids.
COUNTRY_NAMES: Final = catalogues.family("country.")
_COUNTRY_BY_NAME = {fold(name): code for code, names in COUNTRY_NAMES.items() for name in names} | {
    "vietnam": "VN",
    "korea": "KR",
    "south korea": "KR",
    "han quoc": "KR",
}


def _country(value: str) -> str:
    if len(value) == 2 and value.isalpha():
        return value.upper()
    code = _COUNTRY_BY_NAME.get(fold(value))
    if code is None:
        raise ValueError(vi_en("import.err.country"))
    return code


def _split(value: str) -> list[str]:
    return [part for part in _LIST_SPLIT.split(value) if part]


def _number(value: str) -> float | None:
    if not value:
        return None
    cleaned = value.replace(",", "").replace(" ", "").replace("_", "")
    try:
        return float(cleaned)
    except ValueError as exc:
        raise ValueError(vi_en("import.err.usd")) from exc


def _column_of(error_loc: tuple[Any, ...]) -> str:
    name = str(error_loc[0]) if error_loc else ""
    return {"province_code": "province"}.get(name, name)


def _organization(
    session: Session, number: int, cells: dict[str, str], errors: list[RowError]
) -> OrganizationCreate | None:
    start = len(errors)
    data: dict[str, Any] = {"name": cells.get("name", ""), "name_en": cells.get("name_en") or None}
    for column, parse in (("kind", _kind), ("country", _country), ("investment_usd", _number)):
        raw = cells.get(column, "")
        if not raw and column != "investment_usd":
            errors.append(RowError(number, column, vi_en("import.err.required")))
            continue
        try:
            data[column] = parse(raw)
        except ValueError as exc:
            errors.append(RowError(number, column, str(exc)))
    data["offers"] = cells.get("offers", "")
    data["needs"] = cells.get("needs", "")
    data["languages"] = [code.lower() for code in _split(cells.get("languages", ""))]
    if cells.get("province"):
        try:
            data["province_code"] = resolve_province(
                session=session, value=cells["province"], field="province"
            ).code
        except ProblemError as exc:
            errors.append(RowError(number, "province", _problem_message(exc)))
    try:
        data["sectors"] = check_sector_codes(
            session=session, codes=_split(cells.get("sectors", "")), field="sectors"
        )
    except ProblemError as exc:
        errors.append(RowError(number, "sectors", _problem_message(exc)))
    if len(errors) > start:
        return None
    try:
        org = OrganizationCreate.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            errors.append(RowError(number, _column_of(error["loc"]), error["msg"]))
        return None
    if org.kind is OrganizationKind.province and not org.province_code:
        errors.append(RowError(number, "province", vi_en("import.err.province_required")))
        return None
    if org.kind is OrganizationKind.province and org.country != "VN":
        errors.append(RowError(number, "country", vi_en("import.err.province_vn")))
        return None
    return org


def _problem_message(exc: ProblemError) -> str:
    if exc.errors:
        return exc.errors[0].message
    return exc.detail or exc.title


def _delegate(number: int, cells: dict[str, str], errors: list[RowError]) -> Delegate | None:
    if not cells.get("delegate_name"):
        if cells.get("delegate_title") or cells.get("delegate_email"):
            errors.append(RowError(number, "delegate_name", vi_en("import.err.delegate_name")))
        return None
    try:
        return Delegate(
            name=cells["delegate_name"],
            title=cells.get("delegate_title") or None,
            email=cells.get("delegate_email") or None,
        )
    except ValidationError as exc:
        for error in exc.errors():
            errors.append(RowError(number, f"delegate_{error['loc'][0]}", error["msg"]))
        return None


def _max_meetings(number: int, value: str, errors: list[RowError]) -> int | None:
    if not value:
        return None
    try:
        parsed = int(value)
        ParticipantCreate(organization_id=0, max_meetings=parsed)
    except (ValueError, ValidationError):
        errors.append(RowError(number, "max_meetings", vi_en("import.err.max_meetings")))
        return None
    return parsed


def _existing_organization(session: Session, name: str, country: str) -> Organization | None:
    wanted = fold(name)
    candidates = session.exec(
        select(Organization).where(Organization.country == country.upper())
    ).all()
    return next((org for org in candidates if fold(org.name) == wanted), None)


def plan_import(
    *,
    session: Session,
    event: Event,
    rows: list[tuple[int, dict[str, str]]],
    progress: Progress | None = None,
) -> tuple[list[PlannedParticipant], list[RowError]]:
    """Checks every row without writing anything."""
    errors: list[RowError] = []
    planned: dict[tuple[str, str], PlannedParticipant] = {}
    for index, (number, cells) in enumerate(rows):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress("checking", index / len(rows))
        name, country_raw = cells.get("name", ""), cells.get("country", "")
        if not name:
            errors.append(RowError(number, "name", vi_en("import.err.required")))
            continue
        try:
            country = _country(country_raw) if country_raw else ""
        except ValueError:
            country = country_raw.upper()
        key = (fold(name), country)
        plan = planned.get(key)
        if plan is None:
            existing = _existing_organization(session, name, country) if country else None
            organization = _organization(session, number, cells, errors)
            plan = PlannedParticipant(number, key, cells, existing, organization)
            planned[key] = plan
            if existing is not None and _registered(session, event, existing):
                errors.append(RowError(number, "name", vi_en("import.err.registered")))
        else:
            for column in ORGANIZATION_COLUMNS:
                value = cells.get(column, "")
                if value and value != plan.cells.get(column, ""):
                    errors.append(
                        RowError(
                            number,
                            column,
                            vi_en("import.err.differs_org", row=plan.first_row),
                        )
                    )
        delegate = _delegate(number, cells, errors)
        if delegate is not None:
            plan.delegates.append(delegate)
        limit = _max_meetings(number, cells.get("max_meetings", ""), errors)
        if limit is not None:
            if plan.max_meetings is not None and plan.max_meetings != limit:
                errors.append(
                    RowError(
                        number,
                        "max_meetings",
                        vi_en("import.err.differs", row=plan.first_row),
                    )
                )
            plan.max_meetings = limit
    for plan in planned.values():
        if len(plan.delegates) > 50:
            errors.append(
                RowError(plan.first_row, "delegate_name", vi_en("import.err.too_many_delegates"))
            )
    errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99))
    return list(planned.values()), errors


def _registered(session: Session, event: Event, org: Organization) -> bool:
    return (
        session.exec(
            select(Participant.id).where(
                Participant.event_id == event.id, Participant.organization_id == org.id
            )
        ).first()
        is not None
    )


# ---------------------------------------------------------------- as a background job

IMPORT_TASK: Final = "participants.import"  # the job's kind (tasks.py runs it)
LINKS_KEY: Final = "_links"  # the sealed personal links in its result


def import_params(filename: str, content: bytes) -> dict[str, Any]:
    """The job's parameters: the uploaded file as it came."""
    return {"filename": filename, "content": base64.b64encode(content).decode("ascii")}


# ---------------------------------------------------------------- writing


def import_participants(
    *,
    session: Session,
    event: Event,
    filename: str,
    content: bytes,
    public_url: str,
    progress: Progress | None = None,
    before_commit: Callable[[Session, ImportOutcome], None] | None = None,
) -> ImportOutcome:
    """Checks the whole file, then writes it in one transaction, or reports the rows.

    A background job (tasks.py) passes the rest: `progress` hears the phase (reading,
    checking, writing) and the share done, every hundred rows or participants (raising
    there stops the import, nothing written), and `before_commit` the outcome in the
    transaction that writes it, just before its commit."""
    if progress is not None:
        progress("reading", None)
    try:
        rows = list(read_rows(filename, content))
    except ImportFileError as exc:
        return ImportOutcome(errors=[RowError(1, "", str(exc))])
    if not rows:
        return ImportOutcome(errors=[RowError(1, "", vi_en("import.err.no_rows"))])
    planned, errors = plan_import(session=session, event=event, rows=rows, progress=progress)
    if errors:
        return ImportOutcome(errors=errors)
    return _write(
        session=session,
        event=event,
        planned=planned,
        public_url=public_url,
        progress=progress,
        before_commit=before_commit,
    )


def _write(
    *,
    session: Session,
    event: Event,
    planned: list[PlannedParticipant],
    public_url: str,
    progress: Progress | None = None,
    before_commit: Callable[[Session, ImportOutcome], None] | None = None,
) -> ImportOutcome:
    # The service functions commit after each row. Run them in a session joined to this
    # request's transaction with savepoints: their commits then only release savepoints,
    # and the outer transaction commits, or rolls back, the whole import at once.
    connection = session.connection()
    outcome = ImportOutcome()
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as writer:
        try:
            for index, plan in enumerate(planned):
                if progress is not None and index % PROGRESS_EVERY == 0:
                    progress("writing", index / len(planned))
                org = plan.existing
                if org is None:
                    assert plan.organization is not None  # plan_import reported it otherwise
                    org = create_organization(session=writer, data=plan.organization)
                else:
                    org = writer.get(Organization, org.id)
                    assert org is not None
                participant, token = create_participant(
                    session=writer,
                    event=writer.get(Event, event.id),  # type: ignore[arg-type]
                    data=ParticipantCreate(
                        organization_id=org.id,  # type: ignore[arg-type]
                        delegates=plan.delegates,
                        max_meetings=plan.max_meetings,
                    ),
                )
                links = participant_with_token(
                    participant=participant, org=org, token=token, public_url=public_url
                )
                outcome.imported.append(
                    ImportedParticipant(
                        organization_name=org.name,
                        participant_id=participant.id,  # type: ignore[arg-type]
                        new_organization=plan.existing is None,
                        page_url=links.page_url,
                        calendar_url=links.calendar_url,
                    )
                )
        except ProblemError as exc:
            writer.rollback()
            session.rollback()
            return ImportOutcome(errors=[RowError(plan.first_row, "name", _problem_message(exc))])
    if before_commit is not None:
        before_commit(session, outcome)
    session.commit()
    return outcome
