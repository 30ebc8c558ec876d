"""The auditors' filters over the log, and the rows of one draft's response history."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from eparticipation.accounts.models import User
from eparticipation.agencies.models import Agency
from eparticipation.audit.models import AuditEntry
from eparticipation.i18n import DISPLAY_TIMEZONE, _, parse_typed_date
from eparticipation.inputs import integer_param, parse_integer

PAGE_SIZE = 50

ACTION_LABELS = {
    "agency.add": _("Agency added"),
    "agency.edit": _("Agency changed"),
    "role.grant": _("Role granted"),
    "role.revoke": _("Role revoked"),
    "account.close": _("Account closed"),
    "account.open": _("Account opened again"),
    "account.second_factor.enrol": _("Second factor set up"),
    "account.second_factor.replace": _("Second factor replaced"),
    "account.second_factor.remove": _("Second factor removed by its owner"),
    "account.second_factor.reset": _("Second factor reset by an administrator"),
    "account.recovery_codes.renew": _("Recovery codes made anew"),
    "account.password.change": _("Password changed by its owner"),
    "account.sessions.end": _("Every session of the account ended by an administrator"),
    "account.password.reset": _("Password set again through a link sent to the address"),
    "draft.create": _("Draft written"),
    "draft.edit": _("Draft changed"),
    "draft.attach": _("Original document attached"),
    "article.add": _("Article added"),
    "article.edit": _("Article changed"),
    "article.delete": _("Article removed"),
    "article.import": _("Articles imported"),
    "draft.open": _("Consultation opened"),
    "draft.extend": _("Consultation extended"),
    "draft.withdraw": _("Consultation withdrawn"),
    "draft.close": _("Consultation closed"),
    "draft.publish": _("Outcome published"),
    "comment.hide": _("Comment hidden"),
    "comment.restore": _("Comment restored"),
    "comment.withdraw": _("Comment withdrawn by its author"),
    "response.create": _("Response written"),
    "response.revise": _("Response revised"),
    "response.changes": _("Articles the response changed recorded"),
    "report.rebuild": _("Report rebuilt"),
    "report.finalise": _("Report finalised"),
    "report.merge": _("Report's themes merged"),
    "report.curate": _("Report's themes and summary edited"),
    "survey.question.add": _("Survey question added"),
    "survey.question.edit": _("Survey question changed"),
    "survey.question.move": _("Survey question moved"),
    "survey.question.delete": _("Survey question removed"),
    "unit.add": _("Unit added"),
    "service.add": _("Service added"),
    "service.edit": _("Service changed"),
    "message.delivered": _("Message delivered"),
    "message.dead": _("Message given up"),
    "message.retry": _("Message sent again"),
    "message.uncertain": _("Message perhaps sent (its worker stopped)"),
    "message.drop": _("Message dropped"),
}


def parse_day(text: str) -> date | None:
    """A day typed in either calendar, in any digits (i18n.parse_typed_date). Raises ValueError when it is not
    a day the site can have entries on."""
    return parse_typed_date(text)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=DISPLAY_TIMEZONE)


@dataclass
class LogFilters:
    agency: str = ""
    draft: str = ""
    actor: str = ""
    action: str = ""
    start: str = ""
    end: str = ""
    before: int | None = None  # keyset cursor: show entries older than this number
    draft_id: int | None = None
    errors: dict = field(default_factory=dict)  # field -> message
    start_day: date | None = None
    end_day: date | None = None

    @classmethod
    def from_params(cls, params) -> "LogFilters":
        def text(name, limit=100):
            return (params.get(name) or "").strip()[:limit]

        filters = cls(agency=text("agency", 40), draft=text("draft", 12), actor=text("actor", 254),
                      action=text("action", 40), start=text("start", 20), end=text("end", 20))
        filters.before = integer_param(params, "before")
        try:
            filters.draft_id = parse_integer(filters.draft)
        except ValueError:
            filters.errors["draft"] = _("A draft is named by its number.")
        if filters.action and filters.action not in ACTION_LABELS:
            filters.errors["action"] = _("Choose an action from the list.")
        for name in ("start", "end"):
            value = getattr(filters, name)
            if value:
                try:
                    setattr(filters, f"{name}_day", parse_day(value))
                except ValueError:
                    filters.errors[name] = _("Enter a date such as ${jalali} or ${gregorian}.",
                                             mapping={"jalali": "۱۴۰۵/۰۹/۰۶", "gregorian": "2026-11-27"})
        if filters.start_day and filters.end_day and filters.end_day < filters.start_day:
            filters.errors["end"] = _("The end of the period comes before its start.")
        return filters

    def query_args(self, **changes) -> dict:
        values = {"agency": self.agency, "draft": self.draft, "actor": self.actor, "action": self.action,
                  "start": self.start, "end": self.end, **changes}
        return {k: v for k, v in values.items() if v not in ("", None)}


def log_query(dbsession, filters: LogFilters):
    """The entries the filters select, newest first; None when a filter names something that does not exist."""
    query = sa.select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id)
    if filters.agency:
        agency_id = dbsession.scalar(sa.select(Agency.id).where(Agency.code == filters.agency))
        query = query.where(AuditEntry.agency_id == (agency_id if agency_id is not None else -1))
    if filters.draft and "draft" not in filters.errors:
        query = query.where(AuditEntry.draft_id == filters.draft_id)
    if filters.actor:
        query = query.where(User.email == filters.actor.lower())
    if filters.action and "action" not in filters.errors:
        query = query.where(AuditEntry.action == filters.action)
    if filters.start_day and "start" not in filters.errors:
        query = query.where(AuditEntry.at >= start_of(filters.start_day))
    if filters.end_day and "end" not in filters.errors:
        query = query.where(AuditEntry.at < start_of(filters.end_day + timedelta(days=1)))
    return query.order_by(AuditEntry.seq.desc())


def log_page(dbsession, filters: LogFilters):
    query = log_query(dbsession, filters)
    if filters.before:
        query = query.where(AuditEntry.seq < filters.before)
    rows = dbsession.execute(query.limit(PAGE_SIZE + 1)).all()
    next_before = rows[PAGE_SIZE - 1][0].seq if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], next_before
