"""Rows for tests. One argon2 hash is computed once and shared, to keep the suite fast."""

from functools import cache
from itertools import count

from eparticipation.accounts.models import Role, RoleGrant, SecondFactor, User
from eparticipation.accounts.second_factor import encrypt_secret
from eparticipation.accounts.services import hash_password
from eparticipation.agencies.models import Agency, Unit, UnitKind
from eparticipation.db import utcnow

TEST_PASSWORD = "correct horse battery"
# The apps of the tests use this session secret, from which the key of the stored second factors is derived.
TEST_SESSION_SECRET = "tests-only-0gf9wb6ucUvi-rPFYQotva3A--Ye7VkFBxkQue"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_sequence = count(1)


@cache
def test_password_hash() -> str:
    return hash_password(TEST_PASSWORD)


def make_user(dbsession, email=None, display_name="کاربر آزمایشی", grants=(), second_factor=None, verified=True,
              **profile) -> User:
    """A person; staff (with `grants`) have an authenticator app set up unless `second_factor=False`, as staff must.
    Their address is confirmed unless `verified=False`."""
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@example.org",
        display_name=display_name,
        password_hash=test_password_hash(),
        email_verified_at=utcnow() if verified else None,
        **profile,
    )
    for role, agency in grants:
        user.grants.append(RoleGrant(role=Role(role), agency_id=agency.id if agency else None))
    if second_factor if second_factor is not None else bool(grants):
        user.second_factor = SecondFactor(secret=test_second_factor_secret(), enrolled_at=utcnow())
    dbsession.add(user)
    dbsession.flush()
    return user


@cache
def test_second_factor_secret() -> str:
    return encrypt_secret({"eparticipation.session_secret": TEST_SESSION_SECRET}, TEST_TOTP_SECRET)


def make_agency(dbsession, code=None, parent=None, with_units=True) -> Agency:
    number = next(_sequence)
    code = code or f"agency-{number}"
    agency = Agency(code=code, name_fa=f"دستگاه {number}", name_en=f"Agency {number}", parent=parent)
    if with_units:
        agency.units.append(Unit(kind=UnitKind.drafting, name_fa="دفتر تدوین", name_en="Drafting office"))
        agency.units.append(Unit(kind=UnitKind.public_relations, name_fa="روابط عمومی", name_en="Public relations"))
    dbsession.add(agency)
    dbsession.flush()
    return agency


def make_draft(dbsession, agency, state="draft", languages=("fa", "en"), articles=2, opens_at=None, closes_at=None,
               title_fa="پیش‌نویس آیین‌نامه آزمایشی", title_en="Draft test bylaw", text="متن ماده", subject="document"):
    """A draft with complete texts in `languages` and `articles` articles, put directly in `state`."""
    from datetime import timedelta

    from eparticipation.consultations.models import (
        Article, ConsultedArticle, DocumentType, Draft, DraftText, State, Subject,
    )
    from eparticipation.db import utcnow
    from eparticipation.text import normalise

    titles = {"fa": title_fa, "en": title_en}
    draft = Draft(agency_id=agency.id, subject=Subject(subject), state=State(state),
                  document_type=DocumentType.bylaw if subject == "document" else None)
    for language in languages:
        draft.texts[language] = DraftText(language=language, title=titles.get(language, "t"), summary="خلاصه",
                                          call="فراخوان")
    draft.articles = [
        Article(number=str(n), position=n, heading=f"عنوان {n}", text=f"{text} {n}", notes=[]) for n in range(1, articles + 1)
    ]
    if state != "draft":
        draft.opens_at = opens_at or utcnow() - timedelta(days=1)
        draft.closes_at = closes_at or draft.opens_at + timedelta(days=30)
        draft.listed_at = draft.opens_at
        draft.consulted_articles = [
            ConsultedArticle(number=a.number, position=a.position, heading=a.heading, text=a.text, notes=[])
            for a in draft.articles
        ]
    draft.search_text = normalise(" ".join([title_fa, title_en, text]))
    dbsession.add(draft)
    dbsession.flush()
    return draft


def make_comment(dbsession, draft, author, body="نظر من درباره این پیش‌نویس", article=None, created_at=None, **fields):
    from eparticipation.db import utcnow
    from eparticipation.participation.models import Comment
    from eparticipation.participation.services import fingerprint

    moment = created_at or utcnow()
    comment = Comment(draft_id=draft.id, author_id=author.id, body=body, fingerprint=fingerprint(body),
                      article_id=article.id if article else None, created_at=moment, updated_at=moment, **fields)
    dbsession.add(comment)
    dbsession.flush()
    return comment


def make_final_report(dbsession, draft, summary=None):
    """A finalised report (the publish step waits for one), with no numbers of interest."""
    from eparticipation.db import utcnow
    from eparticipation.reports.models import Report, ReportStatus

    now = utcnow()
    report = Report(draft_id=draft.id, status=ReportStatus.ready, requested_at=now, built_at=now,
                    statistics={"k": 5, "totals": {}, "tables": []},
                    summary=summary or {"fa": "خلاصه نگرانی‌های اصلی", "en": "Summary of the key concerns"},
                    finalised_at=now)
    dbsession.add(report)
    dbsession.flush()
    return report


def take_back_points(session, user_ids) -> None:
    """For the tests that commit for real: the points their people earned, deleted with the ledger's append-only
    triggers lifted for this transaction only (their users, drafts and agencies could not be deleted otherwise)."""
    import sqlalchemy as sa

    from eparticipation.incentives.models import LedgerEntry

    delete = sa.delete(LedgerEntry).where(LedgerEntry.user_id.in_(list(user_ids)))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ALTER TABLE points_ledger DISABLE TRIGGER points_ledger_append_only"))
        session.execute(delete)
        session.execute(sa.text("ALTER TABLE points_ledger ENABLE TRIGGER points_ledger_append_only"))
        return
    triggers = session.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'points_ledger'")).all()
    for name, _sql in triggers:
        session.execute(sa.text(f'DROP TRIGGER "{name}"'))
    session.execute(delete)
    for _name, sql in triggers:
        session.execute(sa.text(sql))


def recount(session) -> None:
    """For the tests that commit for real: the dashboard's kept counts computed again once their rows were
    deleted around the application (a draft's comments go with it by the database's cascade, which no flush sees),
    so that no count of theirs outlives them."""
    from eparticipation.oversight.tallies import rebuild

    rebuild(session)
