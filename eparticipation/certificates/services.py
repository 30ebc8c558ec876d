"""Issuing, finding, revoking and checking certificates."""

import json
import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate

from eparticipation.accounts.models import User
from eparticipation.agencies.models import Agency
from eparticipation.certificates.models import CODE_LENGTH, Certificate, CertificateRun
from eparticipation.certificates.pdf import embedded_credential
from eparticipation.certificates.signing import CertificateSigner, Refused, proof_holds
from eparticipation.consultations.models import Draft, DraftText, State
from eparticipation.db import dialect_insert
from eparticipation.i18n import DISPLAY_TIMEZONE, to_latin_digits
from eparticipation.participation.models import Comment, Vote
from eparticipation.participation.states import CommentState
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

# Unambiguous when typed or read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ACCEPTED = (Decision.accepted.value, Decision.partially_accepted.value)
BATCH = 1000  # certificates written per statement by the worker


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str | None:
    """The code a person typed (any case, Persian digits, dashes or spaces), or None when it cannot be one."""
    code = "".join(to_latin_digits(typed or "").upper().replace("-", "").split())
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def certificate_url(site_url: str, code: str) -> str:
    return f"{site_url}/certificates/{code}/"


def keys_url(site_url: str) -> str:
    return f"{site_url}/certificates/keys"


def jalali_year(moment: datetime) -> int:
    return JalaliDate(moment.astimezone(DISPLAY_TIMEZONE).date()).year


def jalali_year_span(year: int) -> tuple[datetime, datetime]:
    """The UTC moments at which a Jalali year starts and the next starts (Tehran time)."""
    def start(y):
        gregorian = JalaliDate(y, 1, 1).to_gregorian()
        return datetime(gregorian.year, gregorian.month, gregorian.day, tzinfo=DISPLAY_TIMEZONE).astimezone(timezone.utc)
    return start(year), start(year + 1)


# --- what a person contributed -----------------------------------------------------------------------------


def contributions_by_person(dbsession, draft_ids) -> dict[tuple[int, int], dict]:
    """{(user id, draft id): {"comments", "accepted", "survey", "vote"}} for everyone who took part in these
    consultations: one statement per kind of contribution, whatever the number of people."""
    from eparticipation.surveys.models import Submission, Survey

    found: dict[tuple[int, int], dict] = {}

    def entry(user_id, draft_id):
        return found.setdefault((user_id, draft_id), {"comments": 0, "accepted": 0, "survey": False, "vote": False})

    counted = Comment.state != CommentState.withdrawn
    for user_id, draft_id, count in dbsession.execute(
            sa.select(Comment.author_id, Comment.draft_id, sa.func.count())
            .where(Comment.draft_id.in_(draft_ids), counted).group_by(Comment.author_id, Comment.draft_id)):
        entry(user_id, draft_id)["comments"] = count
    latest = (sa.select(ResponseRevision.response_id, sa.func.max(ResponseRevision.number).label("number"))
              .group_by(ResponseRevision.response_id).subquery())
    for user_id, draft_id, count in dbsession.execute(
            sa.select(Comment.author_id, Comment.draft_id, sa.func.count())
            .join(ResponseComment, ResponseComment.comment_id == Comment.id)
            .join(Response, Response.id == ResponseComment.response_id)
            .join(latest, latest.c.response_id == Response.id)
            .join(ResponseRevision, sa.and_(ResponseRevision.response_id == Response.id,
                                            ResponseRevision.number == latest.c.number))
            .where(Comment.draft_id.in_(draft_ids), counted, ResponseRevision.decision.in_(ACCEPTED))
            .group_by(Comment.author_id, Comment.draft_id)):
        entry(user_id, draft_id)["accepted"] = count
    for user_id, draft_id in dbsession.execute(
            sa.select(Submission.user_id, Survey.draft_id).join(Survey, Survey.id == Submission.survey_id)
            .where(Survey.draft_id.in_(draft_ids))):
        entry(user_id, draft_id)["survey"] = True
    for user_id, draft_id in dbsession.execute(
            sa.select(Vote.user_id, Vote.draft_id).where(Vote.draft_id.in_(draft_ids))):
        entry(user_id, draft_id)["vote"] = True
    return found


# --- the credential ----------------------------------------------------------------------------------------


def contribution_text(contributions: dict) -> str:
    parts = [f"comments: {contributions.get('comments', 0)}", f"accepted: {contributions.get('accepted', 0)}"]
    if "consultations" in contributions:
        parts.insert(0, f"consultations: {contributions['consultations']}")
    else:
        parts += [f"survey: {'yes' if contributions.get('survey') else 'no'}",
                  f"vote: {'yes' if contributions.get('vote') else 'no'}"]
    return ", ".join(parts)


def build_credential(signer: CertificateSigner, *, site_url: str, code: str, issued_at: datetime, holder_name: str,
                     issuer_name: str, achievement_id: str, name_fa: str, name_en: str, contributions: dict) -> dict:
    """The Open Badges 3.0 credential of a certificate, with its proof. It says who took part and what they
    contributed, never anything about who they are beyond their public display name."""
    issued = issued_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": certificate_url(site_url, code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name_fa,
        "issuer": {"id": keys_url(site_url), "type": ["Profile"], "name": issuer_name},
        "validFrom": issued,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": holder_name}],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Achievement",
                "name": name_fa,
                "description": f"{name_en} — {contribution_text(contributions)}",
                "criteria": {"narrative": "Took part in the public consultation on the draft."},
                "inLanguage": "fa",
            },
        },
    }
    return signer.prove(document, created=issued, verification_method=f"{keys_url(site_url)}#{signer.key_id}")


def encode(credential: dict) -> str:
    return json.dumps(credential, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# --- issuing -----------------------------------------------------------------------------------------------


def on_transition(event):
    """DraftTransitioned: a published consultation's certificates are due, for the worker to issue. One INSERT
    in the publishing request, whatever the number of participants."""
    if event.event.transition != "publish":
        return
    request = event.request
    site_url = request.resource_url(request.root).rstrip("/")
    request.dbsession.execute(dialect_insert(request.dbsession, CertificateRun).values(
        draft_id=event.draft.id, site_url=site_url, due_at=request.now, issued=0).on_conflict_do_nothing())


def claim_due_run(dbsession) -> CertificateRun | None:
    return dbsession.scalars(
        sa.select(CertificateRun).where(CertificateRun.done_at.is_(None)).order_by(CertificateRun.due_at)
        .limit(1).with_for_update(skip_locked=True)
    ).first()


def issue_for_draft(dbsession, signer: CertificateSigner, draft: Draft, site_url: str, now: datetime) -> int:
    """Every participant's certificate of the draft (those not issued yet); how many were written."""
    agency = dbsession.get(Agency, draft.agency_id)
    titles = {t.language: t.title for t in dbsession.scalars(sa.select(DraftText).where(DraftText.draft_id == draft.id))}
    people = contributions_by_person(dbsession, [draft.id])
    subject = f"draft:{draft.id}"
    already = set(dbsession.scalars(sa.select(Certificate.user_id).where(Certificate.subject == subject)))
    user_ids = sorted(user_id for user_id, _ in people if user_id not in already)
    for start in range(0, len(user_ids), BATCH):
        chunk = user_ids[start:start + BATCH]
        names = dict(dbsession.execute(sa.select(User.id, User.display_name)
                                       .where(User.id.in_(chunk), User.is_active.is_(True))).all())
        rows = []
        for user_id in chunk:
            if user_id not in names:
                continue
            contributions = people[(user_id, draft.id)]
            code = new_code()
            credential = build_credential(
                signer, site_url=site_url, code=code, issued_at=now, holder_name=names[user_id],
                issuer_name=agency.name_fa, achievement_id=f"{site_url}/consultations/{draft.id}/",
                name_fa=titles.get("fa") or titles.get("en", ""), name_en=titles.get("en") or titles.get("fa", ""),
                contributions=contributions)
            rows.append({"code": code, "user_id": user_id, "subject": subject, "draft_id": draft.id,
                         "agency_id": draft.agency_id, "holder_name": names[user_id],
                         "contributions": contributions, "credential": encode(credential), "issued_at": now})
        if rows:
            # A second worker on the same run writes nothing twice: the (person, subject) pair is unique.
            dbsession.execute(dialect_insert(dbsession, Certificate).values(rows).on_conflict_do_nothing(
                index_elements=["user_id", "subject"]))
    # Counted, not the drivers' row counts (which differ for a multi-row INSERT … ON CONFLICT).
    written = dbsession.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.subject == subject)) - len(already)
    return written


def issue_due(registry) -> int:
    """The delivery worker's task: the certificates of one published consultation, in a transaction of its own;
    how many it wrote (at least 1 when a run was dealt with, 0 when none was due)."""
    from eparticipation.clock import get_clock

    signer = registry.get("certificate_signer")
    if signer is None:
        return 0
    with registry["dbsession_factory"]() as dbsession:
        with dbsession.begin():
            run = claim_due_run(dbsession)
            if run is None:
                return 0
            now = get_clock(registry).now()
            draft = dbsession.get(Draft, run.draft_id)
            issued = issue_for_draft(dbsession, signer, draft, run.site_url, now) if draft.state == State.published else 0
            run.done_at, run.issued = now, issued
            return max(issued, 1)


def issue_annual(dbsession, signer: CertificateSigner, user, year: int, site_url: str, now: datetime,
                 site_name: str) -> Certificate | None:
    """The person's certificate of a Jalali year: the consultations published that year they took part in, and
    their comments and accepted comments; None when they took part in none (or it exists: the existing one)."""
    subject = f"year:{year}"
    existing = dbsession.scalar(sa.select(Certificate).where(Certificate.user_id == user.id,
                                                             Certificate.subject == subject))
    if existing is not None:
        return existing
    start, end = jalali_year_span(year)
    draft_ids = list(dbsession.scalars(sa.select(Certificate.draft_id).where(
        Certificate.user_id == user.id, Certificate.draft_id.is_not(None), Certificate.revoked_at.is_(None),
        Certificate.issued_at >= start, Certificate.issued_at < end)))
    if not draft_ids:
        return None
    mine = {key: value for key, value in contributions_by_person(dbsession, draft_ids).items() if key[0] == user.id}
    contributions = {"consultations": len(draft_ids),
                     "comments": sum(c["comments"] for c in mine.values()),
                     "accepted": sum(c["accepted"] for c in mine.values())}
    code = new_code()
    credential = build_credential(
        signer, site_url=site_url, code=code, issued_at=now, holder_name=user.display_name, issuer_name=site_name,
        achievement_id=f"{site_url}/certificates/years/{year}", name_fa=f"مشارکت در نظرخواهی‌های سال {year}",
        name_en=f"Public consultations of the year {year}", contributions=contributions)
    certificate = Certificate(code=code, user_id=user.id, subject=subject, year=year, holder_name=user.display_name,
                              contributions=contributions, credential=encode(credential), issued_at=now)
    dbsession.add(certificate)
    dbsession.flush()
    return certificate


# --- finding and checking ----------------------------------------------------------------------------------


def by_code(dbsession, code: str) -> Certificate | None:
    return dbsession.scalar(sa.select(Certificate).where(Certificate.code == code))


def of_person(dbsession, user_id: int, draft_id: int | None = None) -> list[Certificate]:
    query = sa.select(Certificate).where(Certificate.user_id == user_id)
    if draft_id is not None:
        query = query.where(Certificate.draft_id == draft_id)
    return list(dbsession.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def draft_titles(dbsession, certificates) -> dict[int, dict[str, str]]:
    """{draft id: {language: title}} of these certificates' drafts, in one query."""
    ids = {c.draft_id for c in certificates if c.draft_id is not None}
    titles: dict[int, dict[str, str]] = {}
    if ids:
        for draft_id, language, title in dbsession.execute(
                sa.select(DraftText.draft_id, DraftText.language, DraftText.title).where(DraftText.draft_id.in_(ids))):
            titles.setdefault(draft_id, {})[language] = title
    return titles


def revoke(request, certificate: Certificate, reason: str) -> None:
    from eparticipation import audit

    certificate.revoked_at, certificate.revoked_reason = request.now, reason
    certificate.revoked_by_id = request.identity.id
    request.dbsession.flush()
    audit.record(request, "certificate.revoke", certificate, agency_id=certificate.agency_id,
                 before={"revoked": False}, after={"revoked": True, "reason": reason, "code": certificate.code})


def verify_credential(credential: dict, public_key) -> str:
    """The code of a credential whose proof holds; Refused otherwise."""
    if not proof_holds(credential, public_key):
        raise Refused("the proof does not hold: the document was changed, or another key signed it")
    return credential["id"].rstrip("/").rsplit("/", 1)[-1]


def verify_json(data: bytes, public_key) -> str:
    try:
        credential = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise Refused("not JSON") from None
    return verify_credential(credential, public_key)


def verify_pdf(data: bytes, public_key) -> str:
    """The code of a certificate PDF whose embedded credential is proven and whose metadata names the same code."""
    credential, metadata_code = embedded_credential(data)
    code = verify_credential(credential, public_key)
    if metadata_code != code:
        raise Refused("the PDF's code is not its credential's")
    return code
