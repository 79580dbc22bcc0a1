"""The demo's results: commitments with their reviews, and (once its meetings exist and
have started) check-ins, attendance and feedback, so a newcomer sees every page filled.

The commitments are signed at earlier editions (the register outlives events) and at
this one's plenary, and once feedback exists two come from "MoU signed" answers. Some
are entered under former province names ("Bắc Giang", "Bình Dương", "Bình Định"), as
people still write them, and reported under today's units; several are due for review.
Attendance and feedback need meetings that have started: with none (the demo is loaded
before the organisers run the scheduler, or before the event's day) that part does
nothing and runs again on the next load.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, select

from service.attendance import service as attendance
from service.attendance.models import Attendance, CheckInSource, FeedbackIn, Outcome
from service.commitments import service as register
from service.commitments.models import (
    Commitment,
    CommitmentCreate,
    CommitmentKind,
    CommitmentStatus,
    ReviewCreate,
)
from service.core.database import utcnow
from service.events.models import Event
from service.meetings.models import Meeting, MeetingStatus
from service.organizations.models import Organization

REVIEWER = "Sở Ngoại vụ tỉnh Bắc Ninh"

# (edition name, its start, kind, title, our organisations, province as given, country,
#  sectors, value, jobs, reviews: (days after signing, status, realised USD, note))
COMMITMENTS = (
    ("Gặp gỡ Hàn Quốc", date(2023, 5, 17), CommitmentKind.investment,
     "Nhà máy linh kiện bán dẫn Hanbit tại KCN Quang Châu", ("Hanbit Semicon Co., Ltd.",),
     "Bắc Giang", "KR", ["C26"], 120_000_000, 1500,
     ((120, CommitmentStatus.in_progress, 20_000_000, "Đã nhận giấy chứng nhận đầu tư, thuê 12 ha"),
      (300, CommitmentStatus.in_progress, 55_000_000, "Hoàn thành nhà xưởng giai đoạn 1"),
      (540, CommitmentStatus.in_progress, 90_000_000, "Vận hành thử dây chuyền đóng gói"))),
    ("Gặp gỡ Nhật Bản 2023", date(2023, 9, 9), CommitmentKind.mou,
     "Biên bản ghi nhớ hợp tác logistics cảng cạn", (),
     "Bình Dương", "JP", ["H52"], 30_000_000, 300,
     ((180, CommitmentStatus.stalled, 0, "Đối tác tạm dừng do thay đổi lãnh đạo"),)),
    ("Gặp gỡ Hàn Quốc", date(2022, 3, 24), CommitmentKind.investment,
     "Nhà máy may mặc xuất khẩu tại KCN Bỉm Sơn", (),
     "Thanh Hóa", "KR", ["C14"], 25_000_000, 2000,
     ((150, CommitmentStatus.in_progress, 6_000_000, "Khởi công nhà xưởng"),
      (420, CommitmentStatus.in_progress, 18_000_000, "Tuyển dụng 1.200 lao động đợt 1"))),
    ("Gặp gỡ châu Âu", date(2022, 11, 28), CommitmentKind.agreement,
     "Thỏa thuận hợp tác điện mặt trời áp mái khu công nghiệp", (),
     "TP. Hồ Chí Minh", "DE", ["D35"], 45_000_000, 120,
     ((200, CommitmentStatus.in_progress, 12_000_000, "Lắp đặt giai đoạn 1 tại KCN Tân Thuận"),
      (520, CommitmentStatus.realised, 45_000_000, "Hoàn thành, đưa vào vận hành"))),
    ("Gặp gỡ Nhật Bản 2023", date(2023, 7, 7), CommitmentKind.mou,
     "Biên bản ghi nhớ hợp tác chế biến nông sản xuất khẩu", (),
     "Bình Định", "JP", ["C10"], 8_000_000, 150, ()),
    (None, None, CommitmentKind.twinning,
     "Thỏa thuận kết nghĩa giữa tỉnh Bắc Ninh và thành phố Gumi", (),
     "Bắc Ninh", "KR", [], None, None, ()),
    (None, None, CommitmentKind.mou,
     "Biên bản ghi nhớ đào tạo kỹ sư điện tử", ("Gaon Display Materials Inc.",),
     "24", "KR", ["C26", "P85"], 5_000_000, 200, ()),
)  # fmt: skip


def _org_ids(session: Session, names: tuple[str, ...], province_code: str) -> list[int]:
    ids = [
        org_id
        for name in names
        if (
            org_id := session.exec(select(Organization.id).where(Organization.name == name)).first()
        )
    ]
    province = session.exec(
        select(Organization.id).where(
            Organization.kind == "province", Organization.province_code == province_code
        )
    ).first()
    return [*([province] if province else []), *ids]


def load_demo_commitments(*, session: Session, event: Event) -> int:
    """The demo's commitments with their reviews; none added twice."""
    if session.exec(select(Commitment.id).where(Commitment.event_id == event.id)).first():
        return 0
    made = 0
    for (edition, start, kind, title, names, given, country, sectors, value, jobs,
         reviews) in COMMITMENTS:  # fmt: skip
        event_id = event.id
        signed = event.start_date
        if edition is not None:
            past = session.exec(
                select(Event).where(Event.name == edition, Event.start_date == start)
            ).first()
            event_id = past.id if past else None
            signed = start
        unit = register.province_unit(session=session, value=given, field="province")
        province = register.current_unit(session=session, unit=unit)
        organizations = _org_ids(session, names, province.code if province else "24")
        if not organizations:
            continue
        status = CommitmentStatus.signed if signed <= utcnow().date() else CommitmentStatus.proposed
        commitment = register.create_commitment(
            session=session,
            data=CommitmentCreate(
                kind=kind, title=title, organization_ids=organizations, event_id=event_id,
                province_code=given, partner_country=country, sectors=sectors,
                signed_on=signed, value_usd=value, jobs=jobs, status=status,
                next_review_on=(signed + timedelta(days=(reviews[-1][0] if reviews else 0) + 180)),
            ),
        )  # fmt: skip
        for days, review_status, realised, note in reviews:
            register.add_review(
                session=session,
                commitment_id=commitment.id,  # type: ignore[arg-type]
                data=ReviewCreate(
                    status=review_status,
                    realised_usd=realised,
                    note=note,
                    reviewed_on=signed + timedelta(days=days),
                ),
                reviewer=REVIEWER,
            )
        made += 1
    return made


def load_demo_attendance(*, session: Session, event: Event, seed: int = 2026) -> int:
    """Check-ins, attendance and feedback for the event's meetings that have started;
    nothing when there are none or they are marked already. Returns the meetings marked."""
    now = utcnow()
    meetings = session.exec(
        select(Meeting)
        .where(
            Meeting.event_id == event.id,
            Meeting.status == MeetingStatus.scheduled,
            Meeting.starts_at <= now,  # type: ignore[operator]
        )
        .order_by(Meeting.starts_at, Meeting.id)  # type: ignore[arg-type]
    ).all()
    marked = attendance.attendance_by_meeting(session=session, event_id=event.id)  # type: ignore[arg-type]
    rng = random.Random(seed)
    count = 0
    for meeting in meetings:
        if meeting.id in marked:
            continue
        roll = rng.random()
        if roll < 0.1:
            absent = [rng.choice((meeting.participant_a_id, meeting.participant_b_id))]
            attendance.set_attendance(
                session=session, meeting=meeting, attendance=Attendance.no_show, absent=absent
            )
            count += 1
            continue
        mark = Attendance.partial if roll < 0.18 else Attendance.held
        attendance.set_attendance(session=session, meeting=meeting, attendance=mark)
        count += 1
        for pid in (meeting.participant_a_id, meeting.participant_b_id):
            attendance.check_in(
                session=session,
                event_id=event.id,
                participant_id=pid,
                source=CheckInSource.desk,  # type: ignore[arg-type]
            )
            if rng.random() < 0.7:
                outcome = rng.choice(
                    [Outcome.follow_up] * 4
                    + [Outcome.none, Outcome.mou_planned, Outcome.mou_signed]
                )
                attendance.put_feedback(
                    session=session,
                    meeting=meeting,
                    participant_id=pid,
                    data=FeedbackIn(
                        rating=rng.choice((3, 4, 4, 5, 5)),
                        outcome=outcome,
                        pledged_usd=float(rng.randint(1, 40) * 1_000_000)
                        if outcome in (Outcome.mou_planned, Outcome.mou_signed)
                        else None,
                        next_step="Trao đổi hồ sơ dự án, khảo sát địa điểm"
                        if outcome is not Outcome.none
                        else None,
                    ),
                    now=max(now, meeting.starts_at),
                )
    if count:
        _commitments_from_feedback(session=session, event=event)
    return count


def _commitments_from_feedback(*, session: Session, event: Event, limit: int = 2) -> None:
    """Two "MoU signed" feedbacks made into commitments, as organisers do in one click
    on the outcomes board (the others stay there, each with its button)."""
    signed = [
        f
        for f in attendance.event_feedback(session=session, event_id=event.id)  # type: ignore[arg-type]
        if f.outcome is Outcome.mou_signed
    ]
    for feedback in signed[:limit]:
        register.create_from_feedback(session=session, feedback=feedback)


def load_demo_outcomes(*, session: Session, event: Event) -> tuple[int, int]:
    """Commitments, then attendance for whatever meetings have started."""
    return (
        load_demo_commitments(session=session, event=event),
        load_demo_attendance(session=session, event=event),
    )
