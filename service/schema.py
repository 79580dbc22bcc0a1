"""Imports every table model so SQLModel.metadata is complete (for Alembic and tests)."""

from sqlmodel import SQLModel

from service.attendance.models import CheckIn, MeetingAttendance, MeetingFeedback
from service.auth.models import OrganizerToken
from service.changes.models import DataVersion
from service.commitments.models import (
    Commitment,
    CommitmentOrganization,
    CommitmentReview,
    CommitmentSector,
)
from service.events.models import Event, EventSession
from service.jobs.models import Job
from service.meeting_requests.models import MeetingRequest, PairPreference
from service.meetings.models import InterpreterSeat, Meeting, MeetingSeat
from service.notifications.models import Mailing, NotificationConsent, OutboxMessage
from service.organizations.models import Organization
from service.participants.models import Participant
from service.reference.models import FormerProvince, Province, Sector
from service.reports.models import ReportOrganizationKey, ReportTally
from service.scheduling.models import ScheduleRun

metadata = SQLModel.metadata

__all__ = [
    "CheckIn",
    "Commitment",
    "CommitmentOrganization",
    "CommitmentReview",
    "CommitmentSector",
    "DataVersion",
    "Event",
    "EventSession",
    "FormerProvince",
    "InterpreterSeat",
    "Job",
    "Mailing",
    "Meeting",
    "MeetingAttendance",
    "MeetingFeedback",
    "MeetingRequest",
    "MeetingSeat",
    "NotificationConsent",
    "Organization",
    "OrganizerToken",
    "OutboxMessage",
    "PairPreference",
    "Participant",
    "Province",
    "ReportOrganizationKey",
    "ReportTally",
    "ScheduleRun",
    "Sector",
    "metadata",
]
