"""Page language: Vietnamese by default, English with ``?lang=en`` (remembered in a cookie).

Every user-facing string of the pages lives in ``MESSAGES`` as a (Vietnamese, English)
pair. ``t`` gives the text in the page's language; ``tb`` gives both, Vietnamese first,
for the few labels that must read in both languages at once (calendar buttons, page
titles), and only the English text on an English page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from starlette.requests import Request

LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"
LANG_COOKIE: Final = "meetx_lang"

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # layout
    "site.name": ("MeetX", "MeetX"),
    "site.tagline": ("Kết nối đầu tư Gặp gỡ", "Meet-X investment matchmaking"),
    "nav.events": ("Sự kiện", "Events"),
    "nav.admin": ("Ban tổ chức", "Organisers"),
    "nav.skip": ("Bỏ qua đến nội dung chính", "Skip to main content"),
    "nav.search": ("Tìm", "Search"),
    "lang.switch": ("English", "Tiếng Việt"),
    "lang.switch_label": ("Chuyển sang tiếng Anh", "Switch to Vietnamese"),
    "footer.text": (
        "MeetX: phần mềm mã nguồn mở cho kết nối doanh nghiệp tại các hội nghị Gặp gỡ.",
        "MeetX: open-source matchmaking for Meet-X conferences.",
    ),
    "common.print": ("In", "Print"),
    "common.back": ("Quay lại", "Back"),
    "common.none": ("Không có", "None"),
    "common.save": ("Lưu", "Save"),
    "common.total": ("Tổng", "Total"),
    "common.yes": ("Có", "Yes"),
    "common.no": ("Không", "No"),
    "common.dates": ("Thời gian", "Dates"),
    "common.venue": ("Địa điểm", "Venue"),
    "common.time_zone": ("Giờ địa phương: {zone}", "Local time: {zone}"),
    # errors
    "error.not_found.title": ("Không tìm thấy trang", "Page not found"),
    "error.not_found.body": (
        "Liên kết không đúng hoặc đã được thay mới. Hãy liên hệ ban tổ chức để nhận liên kết.",
        "The link is wrong or has been replaced. Ask the organisers for your link.",
    ),
    "error.forbidden.title": ("Phiên làm việc không hợp lệ", "Session not valid"),
    "error.forbidden.body": (
        "Biểu mẫu đã hết hạn hoặc không đến từ trang này. Hãy tải lại trang và thử lại.",
        "The form has expired or did not come from this site. Reload the page and try again.",
    ),
    "error.conflict": ("Không thực hiện được: {detail}", "Could not be done: {detail}"),
    # events list
    "events.title": ("Sự kiện đang mở đăng ký", "Open events"),
    "events.lead": (
        "Các hội nghị xúc tiến đầu tư Gặp gỡ: phiên toàn thể, kết nối doanh nghiệp (B2B) và "
        "khảo sát. Doanh nghiệp và địa phương vào trang riêng bằng liên kết ban tổ chức gửi.",
        "Meet-X investment promotion conferences: plenary, B2B meetings and visits. Businesses "
        "and provinces open their own page with the link the organisers sent them.",
    ),
    "events.search": ("Tìm sự kiện", "Find an event"),
    "events.empty": ("Hiện chưa có sự kiện nào mở.", "No event is open at the moment."),
    "events.partner": ("Quốc gia đối tác", "Partner country"),
    "events.host": ("Địa phương đăng cai", "Host province"),
    "events.calendar": ("Lịch chương trình (.ics)", "Programme calendar (.ics)"),
    "events.programme": ("Chương trình", "Programme"),
    # participant page
    "p.title": ("Trang của {name}", "{name}'s page"),
    "p.profile": ("Hồ sơ", "Profile"),
    "p.side.host": ("Phía Việt Nam", "Vietnamese side"),
    "p.side.guest": ("Phía đối tác nước ngoài", "Foreign side"),
    "p.country": ("Quốc gia", "Country"),
    "p.province": ("Tỉnh, thành phố", "Province"),
    "p.sectors": ("Lĩnh vực", "Sectors"),
    "p.languages": ("Ngôn ngữ làm việc", "Working languages"),
    "p.offers": ("Cung cấp", "Offers"),
    "p.needs": ("Tìm kiếm", "Seeks"),
    "p.investment": ("Quy mô đầu tư (USD)", "Investment (USD)"),
    "p.delegates": ("Thành viên đoàn", "Delegates"),
    "p.max_meetings": ("Số cuộc gặp tối đa", "Most meetings"),
    "p.website": ("Trang web", "Website"),
    "p.calendar": ("Lịch của bạn", "Your calendar"),
    "p.calendar.help": (
        "Đăng ký để lịch trên điện thoại tự cập nhật khi cuộc gặp thay đổi; tải xuống để lưu "
        "một bản cố định.",
        "Subscribe so your phone's calendar follows every change; download for a one-off copy.",
    ),
    "p.subscribe": ("Đăng ký lịch", "Subscribe"),
    "p.download": ("Tải xuống", "Download"),
    "p.print_agenda": ("In lịch gặp", "Print agenda"),
    "p.agenda": ("Lịch gặp", "Agenda"),
    "p.agenda.empty": (
        "Chưa có cuộc gặp nào được xếp. Ban tổ chức sẽ xếp lịch sau khi các yêu cầu được chấp "
        "nhận.",
        "No meeting has been scheduled yet. The organisers schedule meetings once requests "
        "are accepted.",
    ),
    "p.agenda.time": ("Giờ", "Time"),
    "p.agenda.with": ("Gặp", "Meeting"),
    "p.agenda.where": ("Bàn", "Table"),
    "p.agenda.interpreter": ("Phiên dịch", "Interpreter"),
    "p.agenda.programme": ("Chương trình chung", "Programme"),
    "p.agenda.cancelled": ("Đã huỷ", "Cancelled"),
    "p.agenda.no_interpreter": ("Không cần", "Not needed"),
    "p.suggestions": ("Đối tác gợi ý", "Suggested partners"),
    "p.suggestions.empty": ("Chưa có gợi ý phù hợp.", "No suggestion yet."),
    "p.suggestions.score": ("Mức phù hợp", "Match"),
    "p.request.send": ("Đề nghị gặp", "Request a meeting"),
    "p.request.message": ("Lời nhắn (không bắt buộc)", "Message (optional)"),
    "p.request.partner": ("Đối tác", "Partner"),
    "p.request.choose": ("Chọn đối tác", "Choose a partner"),
    "p.request.other": ("Đề nghị gặp một đơn vị khác", "Request a meeting with someone else"),
    "p.requests.incoming": ("Đề nghị gửi đến bạn", "Requests to you"),
    "p.requests.outgoing": ("Đề nghị bạn đã gửi", "Your requests"),
    "p.requests.empty": ("Không có đề nghị nào.", "No requests."),
    "p.requests.accept": ("Chấp nhận", "Accept"),
    "p.requests.decline": ("Từ chối", "Decline"),
    "p.requests.from": ("Từ", "From"),
    "p.requests.to": ("Đến", "To"),
    "p.requests.expires": ("Hết hạn", "Expires"),
    "p.flash.sent": ("Đã gửi đề nghị gặp.", "Meeting request sent."),
    "p.flash.accepted": ("Đã chấp nhận đề nghị gặp.", "Request accepted."),
    "p.flash.declined": ("Đã từ chối đề nghị gặp.", "Request declined."),
    "p.flash.withdrawn": ("Đã rút đề nghị gặp.", "Request withdrawn."),
    "p.requests.withdraw": ("Rút đề nghị", "Withdraw"),
    "status.pending": ("Đang chờ", "Pending"),
    "status.accepted": ("Đã chấp nhận", "Accepted"),
    "status.declined": ("Đã từ chối", "Declined"),
    "status.expired": ("Hết hạn", "Expired"),
    "status.withdrawn": ("Đã rút", "Withdrawn"),
    "status.scheduled": ("Đã xếp", "Scheduled"),
    "status.cancelled": ("Đã huỷ", "Cancelled"),
    # organisers: sign-in
    "admin.title": ("Khu vực ban tổ chức", "Organisers' area"),
    "admin.signin": ("Đăng nhập", "Sign in"),
    "admin.signin.lead": (
        "Nhập mã ban tổ chức (MEETX_ADMIN_TOKEN hoặc mã được cấp bằng `meetx token create`).",
        "Enter an organiser token (MEETX_ADMIN_TOKEN or one issued with `meetx token create`).",
    ),
    "admin.token": ("Mã ban tổ chức", "Organiser token"),
    "admin.signin.invalid": (
        "Mã không đúng hoặc không phải mã ban tổ chức.",
        "The token is wrong or not an organiser token.",
    ),
    "admin.signout": ("Đăng xuất", "Sign out"),
    "admin.events": ("Các sự kiện", "Events"),
    "admin.status.draft": ("Nháp", "Draft"),
    "admin.status.open": ("Đang mở", "Open"),
    "admin.status.closed": ("Đã kết thúc", "Closed"),
    # organisers: dashboard
    "dash.title": ("Bảng điều khiển", "Dashboard"),
    "dash.participants": ("Người tham dự", "Participants"),
    "dash.by_side_country": ("Theo phía và quốc gia", "By side and country"),
    "dash.side": ("Phía", "Side"),
    "dash.count": ("Số lượng", "Count"),
    "dash.requests": ("Đề nghị gặp", "Meeting requests"),
    "dash.meetings_placed": ("Cuộc gặp đã xếp", "Meetings placed"),
    "dash.meetings_locked": ("Đã khoá", "Locked"),
    "dash.unplaced": ("Cuộc gặp bắt buộc chưa xếp được", "Required meetings not placed"),
    "dash.unplaced.none": (
        "Mọi cuộc gặp bắt buộc đã được xếp.",
        "Every required meeting is placed.",
    ),
    "dash.unplaced.reason": ("Lý do", "Reason"),
    "dash.unplaced.not_run": (
        "Chưa chạy xếp lịch kể từ khi được chấp nhận",
        "Not scheduled since it was accepted",
    ),
    "dash.unplaced.cancelled": (
        "Ban tổ chức đã huỷ cuộc gặp; bộ xếp lịch không tự xếp lại",
        "An organiser cancelled the meeting; the scheduler does not bring it back",
    ),
    "dash.interpreters": ("Phiên dịch theo khung giờ", "Interpreters per slot"),
    "dash.interpreters.none": (
        "Phiên này không có phiên dịch viên.",
        "No interpreters in this session.",
    ),
    "dash.slot": ("Khung giờ", "Slot"),
    "dash.language": ("Ngôn ngữ", "Language"),
    "dash.load": ("{used}/{capacity}", "{used}/{capacity}"),
    "dash.grid": ("Sơ đồ bàn gặp", "Schedule grid"),
    "dash.grid.table": ("Bàn", "Table"),
    "dash.grid.empty": ("Trống", "Free"),
    "dash.no_b2b": ("Sự kiện chưa có phiên kết nối B2B.", "The event has no B2B session yet."),
    "dash.meetings": ("Danh sách cuộc gặp", "Meetings"),
    "dash.meetings.none": ("Chưa có cuộc gặp nào.", "No meetings yet."),
    "dash.meeting.parties": ("Hai bên", "Parties"),
    "dash.meeting.place": ("Khung giờ, bàn", "Slot, table"),
    "dash.meeting.actions": ("Thao tác", "Actions"),
    "dash.meeting.move": ("Chuyển", "Move"),
    "dash.meeting.lock": ("Khoá", "Lock"),
    "dash.meeting.unlock": ("Mở khoá", "Unlock"),
    "dash.meeting.cancel": ("Huỷ", "Cancel"),
    "dash.meeting.cancel_confirm": ("Huỷ cuộc gặp này?", "Cancel this meeting?"),
    "dash.meeting.locked": (
        "Đã khoá: bộ xếp lịch không di chuyển",
        "Locked: the scheduler keeps it",
    ),
    "dash.meeting.locked_short": ("Đã khoá", "Locked"),
    "dash.meeting.session": ("Phiên", "Session"),
    "dash.flash.moved": ("Đã chuyển cuộc gặp.", "Meeting moved."),
    "dash.flash.locked": ("Đã khoá cuộc gặp.", "Meeting locked."),
    "dash.flash.unlocked": ("Đã mở khoá cuộc gặp.", "Meeting unlocked."),
    "dash.flash.cancelled": ("Đã huỷ cuộc gặp.", "Meeting cancelled."),
    "dash.flash.applied": ("Đã áp dụng lịch mới.", "The new schedule is live."),
    "dash.flash.applied_changed": (
        "Đã áp dụng lịch mới, nhưng kết quả khác bản xem trước (dữ liệu vừa thay đổi, hoặc bộ "
        "xếp lịch chọn một phương án tương đương). Xem lần xếp lịch gần nhất bên dưới.",
        "The new schedule is live, but it differs from the preview (the data changed, or "
        "the scheduler chose an equally good plan). See the last run below.",
    ),
    "dash.flash.imported": ("Đã nhập {count} người tham dự.", "{count} participants imported."),
    # organisers: scheduling
    "sched.title": ("Xếp lịch", "Scheduling"),
    "sched.lead": (
        "Xem trước những gì bộ xếp lịch sẽ thay đổi, rồi áp dụng. Cuộc gặp đã khoá không bị "
        "di chuyển.",
        "Preview what the scheduler would change, then apply it. Locked meetings stay put.",
    ),
    "sched.preview": ("Xem trước", "Preview"),
    "sched.apply": ("Áp dụng lịch này", "Apply this schedule"),
    "sched.fill": (
        "Thêm cuộc gặp từ gợi ý vào chỗ trống",
        "Fill free places with suggested meetings",
    ),
    "sched.time_limit": ("Thời gian tính tối đa (giây)", "Time limit (seconds)"),
    "sched.preview.title": ("Xem trước lịch", "Schedule preview"),
    "sched.status": ("Kết quả", "Outcome"),
    "sched.placed": ("Cuộc gặp trong lịch", "Meetings in the schedule"),
    "sched.changes": ("Thay đổi", "Changes"),
    "sched.changes.none": ("Không có thay đổi nào.", "Nothing would change."),
    "sched.change.kind": ("Loại", "Kind"),
    "sched.change.before": ("Trước", "Before"),
    "sched.change.after": ("Sau", "After"),
    "sched.unplaced": ("Không xếp được", "Not placed"),
    "sched.last_report": ("Lần xếp lịch gần nhất", "Last scheduling run"),
    "sched.last_report.when": ("{kind} lúc {time}", "{kind} at {time}"),
    "sched.kind.preview": ("Xem trước", "Preview"),
    "sched.kind.applied": ("Áp dụng", "Applied"),
    "sched.apply.help": (
        "Khi áp dụng, bộ xếp lịch chạy lại trên dữ liệu của lúc đó và lưu kết quả ngay; lịch "
        "của người tham dự được cập nhật.",
        "Applying runs the scheduler again on the data of that moment and stores the "
        "result at once; participants' calendars follow.",
    ),
    "sched.action.add": ("Thêm", "Added"),
    "sched.action.move": ("Chuyển", "Moved"),
    "sched.action.cancel": ("Huỷ", "Cancelled"),
    "sched.required": ("bắt buộc", "required"),
    "sched.optional": ("từ gợi ý", "suggested"),
    "sched.required_placed": ("Cuộc gặp bắt buộc đã xếp", "Required meetings placed"),
    "sched.breaks": ("Khoảng trống giữa các cuộc gặp", "Gaps between meetings"),
    "sched.status.optimal": ("Tối ưu", "Optimal"),
    "sched.status.feasible": ("Khả thi", "Feasible"),
    "sched.status.infeasible": ("Chưa xếp đủ", "Not all placed"),
    # organisers: import
    "import.title": ("Nhập người tham dự", "Import participants"),
    "import.lead": (
        "Tệp CSV (UTF-8) hoặc XLSX, một dòng cho mỗi thành viên đoàn. Mọi dòng được kiểm tra "
        "trước; nếu có lỗi thì không dòng nào được nhập.",
        "A CSV (UTF-8) or XLSX file, one row per delegate. Every row is checked first; if "
        "any row is wrong, nothing is imported.",
    ),
    "import.columns": ("Các cột", "Columns"),
    "import.file": ("Tệp", "File"),
    "import.submit": ("Nhập", "Import"),
    "import.errors": ("Lỗi theo dòng: chưa nhập dòng nào", "Errors by row: nothing was imported"),
    "import.row": ("Dòng", "Row"),
    "import.column": ("Cột", "Column"),
    "import.message": ("Lỗi", "Problem"),
    "import.done": ("Đã nhập", "Imported"),
    "import.links": (
        "Liên kết riêng của từng người tham dự. Chỉ hiển thị một lần: hãy lưu lại và gửi cho "
        "từng đơn vị.",
        "Each participant's personal link. Shown only once: save them and send each one on.",
    ),
    "import.links_csv": ("Tải danh sách liên kết (CSV)", "Download the links (CSV)"),
    "import.organization": ("Đơn vị", "Organisation"),
    "import.link": ("Liên kết", "Link"),
    "import.new_org": ("mới", "new"),
    # organisers: export
    "export.title": ("Xuất dữ liệu", "Export"),
    "export.meetings": ("Danh sách cuộc gặp", "Meetings"),
    "export.tables": ("Phiếu bàn", "Table sheets"),
    "export.print": ("Bản in", "Printable page"),
    "print.title": ("Phiếu bàn: {event}", "Table sheets: {event}"),
    "print.generated": ("In lúc {time}", "Printed {time}"),
    # ---- after the meeting: check-in, attendance, feedback, commitments, reports
    "out.title": ("Kết quả sau gặp gỡ", "Outcomes"),
    "out.open": ("Điểm danh, kết quả và báo cáo", "Check-in, outcomes and reports"),
    "out.checkin.title": ("Điểm danh tại bàn đón tiếp", "Registration desk check-in"),
    "out.checkin.search": (
        "Tìm theo tên đơn vị hoặc đại biểu",
        "Search by organisation or delegate",
    ),
    "out.checkin.button": ("Điểm danh", "Check in"),
    "out.checkin.done": ("Đã điểm danh", "Checked in"),
    "out.checkin.at": ("lúc {time}", "at {time}"),
    "out.checkin.self": ("Tôi đã đến", "I have arrived"),
    "out.checkin.self_help": (
        "Khi đến hội nghị, bấm nút này hoặc đưa mã QR cho bàn đón tiếp.",
        "When you arrive, press this button or show the QR code at the registration desk.",
    ),
    "out.checkin.qr": ("Mã QR điểm danh", "Check-in QR code"),
    "out.checkin.qr_alt": (
        "Mã QR để ban tổ chức điểm danh {name}",
        "QR code for the organisers to check in {name}",
    ),
    "out.flash.checked_in": ("Đã ghi nhận điểm danh.", "Check-in recorded."),
    "out.flash.marked": ("Đã ghi nhận tình trạng cuộc gặp.", "Attendance recorded."),
    "out.flash.slot": (
        "Đã ghi nhận {count} cuộc gặp trong lượt.",
        "{count} meetings of the slot marked.",
    ),
    "out.flash.commitment": (
        "Đã tạo cam kết từ phản hồi.",
        "Commitment created from the feedback.",
    ),
    "out.flash.feedback": (
        "Cảm ơn! Đã lưu đánh giá của quý vị.",
        "Thank you! Your feedback is saved.",
    ),
    "out.arrived": ("Đã đến", "Arrived"),
    "out.missing": (
        "Chưa đến, có cuộc gặp trong 1 giờ tới",
        "Not arrived, meeting within the hour",
    ),
    "out.arrivals": ("Điểm danh trực tiếp", "Live check-ins"),
    "out.next_meeting": ("Cuộc gặp tiếp theo", "Next meeting"),
    "out.attendance": ("Tình trạng cuộc gặp theo lượt", "Attendance by slot"),
    "out.slot": ("Lượt", "Slot"),
    "out.mark_slot": ("Đánh dấu cả lượt đã gặp", "Mark the whole slot held"),
    "out.held": ("Đã gặp", "Held"),
    "out.partial": ("Gặp một phần", "Partly held"),
    "out.no_show": ("Vắng mặt", "No-show"),
    "out.absent": ("Vắng: {name}", "Absent: {name}"),
    "out.unmarked": ("Chưa đánh dấu", "Not marked"),
    "out.no_shows": ("Số lần vắng mặt theo đại biểu", "No-shows per participant"),
    "out.meetings": ("Cuộc gặp", "Meetings"),
    "out.chart.held": ("Số cuộc gặp đã diễn ra theo lượt", "Meetings held per slot"),
    "out.chart.scheduled": ("Đã xếp lịch", "Scheduled"),
    "out.chart.by_province": (
        "Cam kết theo tỉnh, thành phố (USD)",
        "Commitments by province (USD)",
    ),
    "out.chart.value": ("Giá trị cam kết", "Value pledged"),
    "out.chart.realised": ("Đã giải ngân", "Realised"),
    "out.chart.over_time": (
        "Cam kết và giải ngân lũy kế (USD)",
        "Pledged vs realised over time (USD)",
    ),
    "out.chart.empty": ("Chưa có số liệu.", "No figures yet."),
    "out.report": ("Báo cáo kết quả", "Results report"),
    "out.report.by": ("Theo", "By"),
    "out.report.print": ("Bản in cho lãnh đạo", "Printable report for the leadership"),
    "out.group.province": ("Tỉnh, thành phố", "Province"),
    "out.group.country": ("Quốc gia đối tác", "Partner country"),
    "out.group.sector": ("Ngành", "Sector"),
    "out.group.event": ("Sự kiện", "Event"),
    "out.col.participants": ("Đại biểu", "Participants"),
    "out.col.requests": ("Yêu cầu", "Requests"),
    "out.col.accepted": ("Chấp nhận", "Accepted"),
    "out.col.scheduled": ("Xếp lịch", "Scheduled"),
    "out.col.held": ("Đã gặp", "Held"),
    "out.col.no_show": ("Vắng", "No-shows"),
    "out.col.rating_avg": ("Điểm TB", "Avg rating"),
    "out.col.commitments": ("Cam kết", "Commitments"),
    "out.col.value_usd": ("Giá trị (USD)", "Value (USD)"),
    "out.col.realised_usd": ("Giải ngân (USD)", "Realised (USD)"),
    "out.feedback": ("Đánh giá sau cuộc gặp", "Feedback after the meeting"),
    "out.feedback.help": (
        "Chỉ quý vị và ban tổ chức thấy đánh giá này.",
        "Only you and the organisers see this feedback.",
    ),
    "out.feedback.none": ("Chưa có cuộc gặp nào để đánh giá.", "No meeting to rate yet."),
    "out.feedback.rating": ("Mức độ hữu ích (1–5)", "Usefulness (1–5)"),
    "out.feedback.outcome": ("Kết quả", "Outcome"),
    "out.feedback.pledged": ("Số vốn cam kết (USD)", "Amount pledged (USD)"),
    "out.feedback.next_step": ("Bước tiếp theo", "Next step"),
    "out.feedback.comment": ("Ý kiến khác", "Comment"),
    "out.feedback.send": ("Gửi đánh giá", "Send feedback"),
    "out.feedback.saved": ("Đã gửi", "Sent"),
    "out.feedback.signed": (
        "Phản hồi báo đã ký MoU / quyết định đầu tư",
        "Feedback reporting a signed MoU or investment",
    ),
    "out.feedback.make_commitment": ("Tạo cam kết", "Create commitment"),
    "out.outcome.none": ("Chưa có kết quả", "None"),
    "out.outcome.follow_up": ("Sẽ tiếp tục trao đổi", "Follow-up planned"),
    "out.outcome.mou_planned": ("Dự kiến ký MoU", "MoU planned"),
    "out.outcome.mou_signed": ("Đã ký MoU", "MoU signed"),
    "out.outcome.investment_decided": ("Đã quyết định đầu tư", "Investment decided"),
    "out.commitments": ("Cam kết, thỏa thuận", "Commitments"),
    "out.reviews_due": ("Cam kết đến hạn rà soát", "Commitments due for review"),
    "out.commitment.status.proposed": ("Đề xuất", "Proposed"),
    "out.commitment.status.signed": ("Đã ký", "Signed"),
    "out.commitment.status.in_progress": ("Đang triển khai", "In progress"),
    "out.commitment.status.realised": ("Đã hoàn thành", "Realised"),
    "out.commitment.status.stalled": ("Đình trệ", "Stalled"),
    "out.commitment.status.cancelled": ("Đã hủy", "Cancelled"),
    "out.commitment.next_review": ("Rà soát tiếp", "Next review"),
    "out.commitment.title": ("Nội dung", "Title"),
    "out.commitment.status": ("Tình trạng", "Status"),
    "out.print.generated": ("Số liệu tại thời điểm {time}", "Figures as of {time}"),
    "out.print.tables": ("Bảng số liệu", "Tables"),
}

Translate = Callable[..., str]


def text(lang: str, key: str, **params: object) -> str:
    vi, en = MESSAGES[key]
    chosen = en if lang == "en" else vi
    return chosen.format(**params) if params else chosen


def both(lang: str, key: str, **params: object) -> str:
    """Vietnamese with English beside it; English alone on an English page."""
    if lang == "en":
        return text("en", key, **params)
    vi, en = text("vi", key, **params), text("en", key, **params)
    return vi if vi == en else f"{vi} / {en}"


def pick(lang: str, vi: str | None, en: str | None) -> str:
    """A stored bilingual value (name / name_en) in the page's language, falling back to
    whichever exists."""
    if lang == "en" and en:
        return en
    return vi or en or ""


@dataclass(frozen=True)
class Language:
    code: str
    chosen_now: bool  # ?lang= was given on this request: remember it in the cookie

    @property
    def other(self) -> str:
        return "en" if self.code == "vi" else "vi"

    def t(self, key: str, **params: object) -> str:
        return text(self.code, key, **params)

    def tb(self, key: str, **params: object) -> str:
        return both(self.code, key, **params)

    def pick(self, vi: str | None, en: str | None) -> str:
        return pick(self.code, vi, en)


def language_of(request: Request) -> Language:
    """?lang= first, then the remembered cookie, then Vietnamese."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return Language(asked, chosen_now=True)
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LANGUAGES:
        return Language(remembered, chosen_now=False)
    return Language(DEFAULT_LANGUAGE, chosen_now=False)


COUNTRY_NAMES: Final[dict[str, tuple[str, str]]] = {
    "VN": ("Việt Nam", "Viet Nam"),
    "KR": ("Hàn Quốc", "Korea"),
    "JP": ("Nhật Bản", "Japan"),
    "CN": ("Trung Quốc", "China"),
    "TW": ("Đài Loan", "Taiwan"),
    "TH": ("Thái Lan", "Thailand"),
    "SG": ("Singapore", "Singapore"),
    "MY": ("Malaysia", "Malaysia"),
    "ID": ("Indonesia", "Indonesia"),
    "LA": ("Lào", "Laos"),
    "KH": ("Campuchia", "Cambodia"),
    "IN": ("Ấn Độ", "India"),
    "AU": ("Úc", "Australia"),
    "CA": ("Canada", "Canada"),
    "US": ("Hoa Kỳ", "United States"),
    "EU": ("Liên minh châu Âu", "European Union"),
    "DE": ("Đức", "Germany"),
    "FR": ("Pháp", "France"),
    "IT": ("Ý", "Italy"),
    "NL": ("Hà Lan", "Netherlands"),
    "GB": ("Anh", "United Kingdom"),
    "BE": ("Bỉ", "Belgium"),
    "SE": ("Thụy Điển", "Sweden"),
    "FI": ("Phần Lan", "Finland"),
    "DK": ("Đan Mạch", "Denmark"),
    "CH": ("Thụy Sĩ", "Switzerland"),
    "IL": ("Israel", "Israel"),
    "AE": ("Các Tiểu vương quốc Ả Rập Thống nhất", "United Arab Emirates"),
    "NZ": ("New Zealand", "New Zealand"),
    "HK": ("Hồng Kông", "Hong Kong"),
}

LANGUAGE_NAMES: Final[dict[str, tuple[str, str]]] = {
    "vi": ("tiếng Việt", "Vietnamese"),
    "en": ("tiếng Anh", "English"),
    "ko": ("tiếng Hàn", "Korean"),
    "ja": ("tiếng Nhật", "Japanese"),
    "zh": ("tiếng Trung", "Chinese"),
    "th": ("tiếng Thái", "Thai"),
    "fr": ("tiếng Pháp", "French"),
    "de": ("tiếng Đức", "German"),
    "it": ("tiếng Ý", "Italian"),
    "nl": ("tiếng Hà Lan", "Dutch"),
    "es": ("tiếng Tây Ban Nha", "Spanish"),
    "ru": ("tiếng Nga", "Russian"),
    "lo": ("tiếng Lào", "Lao"),
    "km": ("tiếng Khmer", "Khmer"),
    "ms": ("tiếng Mã Lai", "Malay"),
    "id": ("tiếng Indonesia", "Indonesian"),
}


def country_name(lang: str, code: str | None) -> str:
    if not code:
        return ""
    names = COUNTRY_NAMES.get(code.upper())
    return pick(lang, names[0], names[1]) if names else code.upper()


def language_name(lang: str, code: str | None) -> str:
    if not code:
        return ""
    names = LANGUAGE_NAMES.get(code.lower())
    return pick(lang, names[0], names[1]) if names else code
