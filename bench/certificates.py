"""Times the delivery worker issuing the certificates of a consultation that N people took part in (I2), on
PostgreSQL (or SQLite), and measures the process's peak memory.

It builds the schema (alembic upgrade head) in an empty database, adds one agency, one published draft, N
participants with a comment each (one in three accepted, one in two with a vote) and the due run that publishing
writes; then runs the worker's task (`services.issue_due`, its own transaction): the contributions in four
grouped statements, one credential signed per person (Ed25519, eddsa-jcs-2022), rows written 1,000 per INSERT.
It then renders a few of the certificates' PDFs (WeasyPrint), which are made on download, not by the worker.

Usage: .venv/bin/python bench/certificates.py --database-url postgresql+psycopg://postgres@127.0.0.1/DB
                                              [--participants 10000] [--pdfs 5]

The database is emptied first. Not a test: see bench/README.md.
"""

import argparse
import resource
import sys
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(engine, participants: int) -> int:
    from eparticipation.accounts.models import User
    from eparticipation.agencies.models import Agency
    from eparticipation.certificates.models import CertificateRun
    from eparticipation.consultations.models import DocumentType, Draft, DraftText, State
    from eparticipation.models import Base
    from eparticipation.participation.models import Comment, Vote
    from eparticipation.responses.models import Response, ResponseComment, ResponseRevision

    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    with engine.begin() as connection:
        config = Config(str(PROJECT / "development.ini"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.begin() as c:
        agency_id = c.execute(sa.insert(Agency).values(code="tax", name_fa="سازمان امور مالیاتی", name_en="Tax",
                                                       created_at=NOW).returning(Agency.id)).scalar()
        draft_id = c.execute(sa.insert(Draft).values(
            agency_id=agency_id, document_type=DocumentType.bylaw, state=State.published, opens_at=NOW - timedelta(40),
            closes_at=NOW - timedelta(10), published_at=NOW, created_at=NOW, updated_at=NOW,
            participation_version=0).returning(Draft.id)).scalar()
        for language, title in (("fa", "آیین‌نامه آزمایشی"), ("en", "Test bylaw")):
            c.execute(sa.insert(DraftText).values(draft_id=draft_id, language=language, title=title, summary="s",
                                                  call="c"))
        staff = c.execute(sa.insert(User).values(email="editor@example.org", display_name="Editor",
                                                 password_hash="x", created_at=NOW).returning(User.id)).scalar()
        c.execute(sa.insert(User), [{"email": f"p{n}@example.org", "display_name": f"شرکت‌کننده {n}",
                                     "password_hash": "x", "created_at": NOW} for n in range(participants)])
        ids = list(c.execute(sa.select(User.id).where(User.id != staff).order_by(User.id)).scalars())
        c.execute(sa.insert(Comment), [{"draft_id": draft_id, "author_id": uid, "body": "نظر", "fingerprint": "f",
                                        "created_at": NOW, "updated_at": NOW} for uid in ids])
        c.execute(sa.insert(Vote), [{"draft_id": draft_id, "user_id": uid, "choice": "support", "cast_at": NOW,
                                     "updated_at": NOW} for uid in ids[::2]])
        comment_ids = list(c.execute(sa.select(Comment.id).order_by(Comment.id)).scalars())[::3]
        for comment_id in comment_ids:
            response_id = c.execute(sa.insert(Response).values(draft_id=draft_id, created_by_id=staff,
                                                               created_at=NOW).returning(Response.id)).scalar()
            c.execute(sa.insert(ResponseComment).values(comment_id=comment_id, response_id=response_id))
            c.execute(sa.insert(ResponseRevision).values(response_id=response_id, number=1, decision="accepted",
                                                         reason="r", author_id=staff, written_at=NOW))
        c.execute(sa.insert(CertificateRun).values(draft_id=draft_id, site_url="https://example.org", due_at=NOW,
                                                   issued=0))
    return draft_id


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--participants", type=int, default=10000)
    parser.add_argument("--pdfs", type=int, default=5)
    args = parser.parse_args(argv)

    from eparticipation import main as make_app
    from eparticipation.certificates import pdf, services
    from eparticipation.certificates.models import Certificate
    from eparticipation.db import get_engine

    settings = {"sqlalchemy.url": args.database_url, "eparticipation.session_secret": "bench-only-Xq3v9LwR2kTz8pNc4HbY7mFs1JdUe6Ga",
                "eparticipation.locale_dir": str(PROJECT / "locale"),
                "eparticipation.available_languages": "fa en",
                "eparticipation.certificates.signing_key": "derive-from-session-secret",
                "eparticipation.messaging.channels": ""}
    engine = get_engine(settings)
    started = time.perf_counter()
    build(engine, args.participants)
    print(f"built {args.participants} participants in {time.perf_counter() - started:.1f} s")
    app = make_app({}, **settings)
    registry = app.registry
    before = peak_rss_mb()
    started = time.perf_counter()
    issued = services.issue_due(registry)
    elapsed = time.perf_counter() - started
    print(f"worker: {issued} certificates in {elapsed:.1f} s ({elapsed / max(issued, 1) * 1000:.2f} ms each); "
          f"peak RSS {peak_rss_mb():.0f} MB (before the task {before:.0f} MB)")
    again = time.perf_counter()
    print(f"second run: {services.issue_due(registry)} (nothing due) in {time.perf_counter() - again:.2f} s")
    if args.pdfs:
        from pyramid.scripting import prepare
        from weasyprint.text.fonts import FontConfiguration

        from eparticipation.certificates.views import described

        from eparticipation.resources import root_factory

        env = prepare(registry=registry)
        request = env["request"]
        fonts = FontConfiguration()
        with registry["dbsession_factory"]() as dbsession:
            request.dbsession = dbsession
            request.root = root_factory(request)
            certificates = dbsession.scalars(sa.select(Certificate).limit(args.pdfs)).all()
            started = time.perf_counter()
            for certificate in certificates:
                data = {**described(request, certificate), "qr": pdf.qr_svg("https://example.org/certificates/x/")}
                pdf.render_pdf(request, data, font_config=fonts)
            each = (time.perf_counter() - started) / len(certificates)
        print(f"PDF on download: {each * 1000:.0f} ms each ({len(certificates)} rendered); "
              f"peak RSS {peak_rss_mb():.0f} MB")
        env["closer"]()


if __name__ == "__main__":
    main()
