#!/usr/bin/env python
"""Benchmark of the write path: votes and comments sent in a burst, against a bare Pyramid POST, on PostgreSQL;
then the same comment sent twice at once by one person, ~200 times.

    .venv/bin/python bench/writes.py [--seconds 8] [--threads 16] [--database-url URL] [--json]

It (re)builds its own database with Alembic, seeds an agency, consultations in progress and 2,000 participants,
signs a few hundred of them in through /login, and serves a bare Pyramid app (a POST view at /bare that reads a
form field) and the real application from one waitress server in this process. 16 client threads, each with one
keep-alive connection and its own people, send POSTs one after another in interleaved rounds: the bare POST, a
vote (each a person's first vote on that consultation), a comment (each a new text). Then pairs of threads,
released together by a barrier, send the same comment of the same person at once; the database must keep one,
and the two answers must be a success and a friendly refusal. It reports numbers and whether each goal is met; it
exits 0 when a goal is missed (printing MISSED), and 1 when it cannot measure. See bench/README.md.

Not a test: the name has no test_ prefix and the file lives outside tests/, so pytest never collects it.
"""

import argparse
import contextlib
import cProfile
import html
import http.client
import io
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")  # pyramid's, as in setup.cfg

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from pyramid.config import Configurator  # noqa: E402
from pyramid.response import Response  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from webob import Request  # noqa: E402

from bench.draft_page import (  # noqa: E402
    BODY_WORDS,
    CSRF_INPUT,
    PASSWORD,
    BenchError,
    StatementCounter,
    _loadavg,
    analyze,
    app_settings,
    comment_body,
    dispatcher,
    ensure_database,
    goal,
    log,
    machine_facts,
    package_of,
    rebuild_schema,
    serve,
    session_from,
    sign_in,
)
from eparticipation import main as make_app  # noqa: E402
from eparticipation.accounts.models import StakeholderCategory, User  # noqa: E402
from eparticipation.accounts import services as accounts  # noqa: E402
from eparticipation.agencies.models import Agency, Unit, UnitKind  # noqa: E402
from eparticipation.consultations.models import (  # noqa: E402
    Article,
    ConsultedArticle,
    DocumentType,
    Draft,
    DraftText,
    State,
)
from eparticipation.db import get_engine, utcnow  # noqa: E402
from eparticipation.i18n import _, localizer_for  # noqa: E402
from eparticipation.models import Base  # noqa: E402, F401  (every table in the metadata)
from eparticipation.oversight import tallies  # noqa: E402
from eparticipation.participation.models import Comment, CommentState, Vote, VoteChoice  # noqa: E402
from eparticipation.participation.services import fingerprint  # noqa: E402
from eparticipation.text import normalise  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_writes_bench"
ARTICLES = 5
SEED_COMMENTS = 50  # on the first consultation, so that it is not empty
PER_PERSON = 10  # the site's default limits: 10 votes and 10 comments per person in 10 minutes (ratelimits.py)
PAIRS_PER_PERSON = 5  # each send of a pair counts against the person's comment limit
CHUNK = 5000

# Signing in is not what is measured, and a few hundred people sign in first: their passwords are hashed with
# argon2id at its cheapest, and the application in this process checks them with the same parameters (so it
# does not hash them again at sign-in), instead of the site's ~50 ms a check (accounts/services.py).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

# The goals (issue 18, "Writes"; bench/README.md).
GOAL_VOTE_SHARE = 0.10  # votes: at least 10 % of the bare POST's requests per second
GOAL_COMMENT_SHARE = 0.08  # comments: at least 8 %
# and no duplicate comment, no 5xx answer.

CHOICES = [c.value for c in VoteChoice]

# What the person sees (eparticipation/participation/views.py, services.py), in the language of their page.
PUBLISHED = _("Your comment is published. Thank you.")
ALREADY_RECEIVED = _("Your comment had already been received; it is published once.")
ALREADY_SENT = _("You have already sent this comment on this draft.")


# --- the database ---------------------------------------------------------------------------------------


def participant_email(number: int) -> str:
    return f"writer{number:04d}@bench.example.org"


@dataclass
class Seeded:
    draft_ids: list[int]
    articles: dict[int, list[str]]  # draft id -> its consulted articles' numbers


def seed(engine, drafts: int, participants: int) -> Seeded:
    """One agency, `drafts` consultations in progress (opened yesterday, 30 days, 5 articles each), `participants`
    people with confirmed addresses (bulk insert, one password hash), 50 comments and 12 votes on the first."""
    now = utcnow()
    opens = now - timedelta(days=1)
    password_hash = CHEAP_HASHER.hash(PASSWORD)
    with Session(engine) as session, session.begin():
        agency = Agency(code="bench", name_fa="دستگاه آزمون کارایی", name_en="Benchmark agency")
        agency.units.append(Unit(kind=UnitKind.drafting, name_fa="دفتر تدوین", name_en="Drafting office"))
        agency.units.append(Unit(kind=UnitKind.public_relations, name_fa="روابط عمومی", name_en="Public relations"))
        session.add(agency)
        session.flush()
        article_text = " ".join(BODY_WORDS * 3)
        made = []
        for n in range(1, drafts + 1):
            title_fa, title_en = f"آیین‌نامه اجرایی شماره {n}", f"Bylaw number {n}"
            draft = Draft(
                agency_id=agency.id, drafting_unit_id=agency.units[0].id, document_type=DocumentType.bylaw,
                state=State.consultation, created_at=opens - timedelta(days=7), updated_at=opens,
                opens_at=opens, closes_at=opens + timedelta(days=30), listed_at=opens,
            )
            draft.texts["fa"] = DraftText(language="fa", title=title_fa, summary=" ".join(BODY_WORDS),
                                          call="از همه شهروندان دعوت می‌شود نظر خود را بفرستند.")
            draft.texts["en"] = DraftText(language="en", title=title_en, summary="The bylaw, summarised.",
                                          call="Everyone is invited to comment on this draft.")
            draft.articles = [Article(number=str(a), position=a, heading=f"ماده {a}", text=f"{article_text} {a}",
                                      notes=[]) for a in range(1, ARTICLES + 1)]
            draft.consulted_articles = [
                ConsultedArticle(number=a.number, position=a.position, heading=a.heading, text=a.text, notes=[])
                for a in draft.articles
            ]
            draft.search_text = normalise(" ".join([title_fa, title_en, article_text]))
            session.add(draft)
            made.append(draft)
        session.flush()

        categories = list(StakeholderCategory)
        rows = [
            {"email": participant_email(n), "password_hash": password_hash, "display_name": f"شرکت‌کننده {n}",
             "locale": "fa", "is_active": True, "created_at": opens - timedelta(days=30),
             "email_verified_at": opens - timedelta(days=30), "stakeholder_category": categories[n % len(categories)]}
            for n in range(1, participants + 1)
        ]
        for start in range(0, len(rows), CHUNK):
            session.execute(sa.insert(User), rows[start:start + CHUNK])
        first_people = session.scalars(sa.select(User).order_by(User.id.desc()).limit(SEED_COMMENTS)).all()
        first = made[0]
        for i, person in enumerate(first_people):  # the last participants, never signed in below
            moment = now - timedelta(minutes=2 * (SEED_COMMENTS - i))
            body = comment_body(i)
            session.add(Comment(
                draft_id=first.id, author_id=person.id, body=body, fingerprint=fingerprint(body),
                article_id=first.consulted_articles[i % ARTICLES].id if i % 2 == 0 else None,
                stakeholder_category=person.stakeholder_category, state=CommentState.visible,
                created_at=moment, updated_at=moment,
            ))
            if i < 12:
                session.add(Vote(draft_id=first.id, user_id=person.id, choice=list(VoteChoice)[i % 3],
                                 cast_at=now, updated_at=now))
        session.flush()
        return Seeded([d.id for d in made], {d.id: [a.number for a in d.consulted_articles] for d in made})


def duplicates(engine) -> tuple[int, int]:
    """(groups, extra rows) of comments that one person sent twice on one consultation (the same fingerprint,
    neither withdrawn): the unique index says there are none."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(sa.func.count()).select_from(Comment)
            .where(Comment.state != CommentState.withdrawn)
            .group_by(Comment.draft_id, Comment.author_id, Comment.fingerprint)
            .having(sa.func.count() > 1)
        ).scalars().all()
    return len(rows), sum(n - 1 for n in rows)


# --- the server -----------------------------------------------------------------------------------------


def bare_post_app():
    """Pyramid with one POST view that reads one field of the form it is sent and answers "ok": the floor of what
    any form's POST costs here (no session, no CSRF check, no database)."""

    def ok(request):
        request.POST.get("choice")
        return Response("ok")

    with Configurator() as config:
        config.add_route("bare", "/bare")
        config.add_view(ok, route_name="bare", request_method="POST")
    return config.make_wsgi_app()


# --- people ---------------------------------------------------------------------------------------------


@dataclass
class Person:
    number: int
    cookie: str  # the Cookie header: the signed-in session
    csrf: str


def sign_in_person(port, draft_id, number) -> Person:
    """Signed in through /login as a browser is (draft_page.sign_in), then the comment form opened once for the
    CSRF token the forms carry."""
    cookie = sign_in(port, participant_email(number), PASSWORD)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", f"/consultations/{draft_id}/comments/add", headers={"Cookie": cookie})
        response = connection.getresponse()
        page = response.read().decode("utf-8")
        if response.status != 200:
            raise BenchError(f"GET the comment form: {response.status}")
        renewed = session_from(response.msg.get_all("Set-Cookie"))
        if renewed:
            cookie = f"session={renewed}"
        match = CSRF_INPUT.search(page)
        if match is None:
            raise BenchError("the comment form has no csrf_token")
        return Person(number, cookie, html.unescape(match.group(1) or match.group(2)))
    finally:
        connection.close()


def sign_in_many(port, draft_id, numbers, workers=4) -> list[Person]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda n: sign_in_person(port, draft_id, n), numbers))


# --- the work each client sends -------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Exhausted(Exception):
    """A client has no fresh (person, consultation) left: it stops, and the run says so."""


class Work:
    """What one client sends next: (path, body, headers). Each person acts once per consultation, on one
    consultation after another (all the clients' people on the first, then all on the second, …), so that each
    vote is a first vote and each person stays within the site's limits."""

    def __init__(self, people: list[Person], draft_ids: list[int]):
        self.people, self.draft_ids = people, draft_ids
        self.person = self.draft = 0
        self.sent = 0

    def next_pair(self) -> tuple[Person, int]:
        if self.draft >= min(len(self.draft_ids), PER_PERSON):
            raise Exhausted
        pair = self.people[self.person], self.draft_ids[self.draft]
        self.person += 1
        if self.person == len(self.people):
            self.person, self.draft = 0, self.draft + 1
        self.sent += 1
        return pair


class BareWork(Work):
    """The bare POST, with the vote's form and the same headers (a session cookie the bare app never reads)."""

    def next(self):
        person = self.people[self.sent % len(self.people)]
        self.sent += 1
        body = urlencode({"csrf_token": person.csrf, "choice": CHOICES[self.sent % 3]})
        return "/bare", body, {**FORM, "Cookie": person.cookie}


class VoteWork(Work):
    def next(self):
        person, draft_id = self.next_pair()
        body = urlencode({"csrf_token": person.csrf, "choice": CHOICES[self.sent % 3]})
        return f"/consultations/{draft_id}/votes/", body, {**FORM, "Cookie": person.cookie}


class CommentWork(Work):
    def __init__(self, people, draft_ids, articles, client):
        super().__init__(people, draft_ids)
        self.articles, self.client = articles, client

    def next(self):
        person, draft_id = self.next_pair()
        number = self.client * 100_000 + self.sent
        numbers = self.articles[draft_id]
        article = numbers[number % len(numbers)] if number % 3 == 0 else ""  # a third on an article
        body = urlencode({
            "__formid__": "comment", "csrf_token": person.csrf, "article": article,
            "body": f"{comment_body(number)} ({self.client}-{self.sent})",
            "organisation_kind": "", "organisation_name": "", "send": "send",
        })
        return f"/consultations/{draft_id}/comments/add", body, {**FORM, "Cookie": person.cookie}


@dataclass
class Burst:
    latencies: list[list[float]]
    busy: list[float]
    statuses: Counter
    exhausted: int  # clients that ran out of fresh people
    samples: dict  # status -> the start of one such answer


def burst(port, works: list, seconds: float) -> Burst:
    """One client thread per work, each on one keep-alive connection, sending POSTs one after the other until
    `seconds` have passed. A client's rate (its requests ÷ the time from the start to its last response) has no
    bias from the requests still running at the deadline; the clients' rates add up to the server's.

    The session cookie a POST's answer sets (it carries the flashed "your vote is counted") is not kept: the
    browser would follow the redirect to the draft page, which shows the message and takes it out of the cookie
    again, so the next POST carries the cookie as it was before this one."""
    threads = len(works)
    start = time.perf_counter() + 0.05
    deadline = start + seconds
    latencies = [[] for _ in range(threads)]
    finished = [start] * threads
    statuses = [Counter() for _ in range(threads)]
    samples, errors, exhausted = {}, [], [0]

    def client(index):
        work, mine, counted = works[index], latencies[index], statuses[index]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            time.sleep(max(0.0, start - time.perf_counter()))
            while True:
                began = time.perf_counter()
                if began >= deadline:
                    break
                try:
                    path, body, headers = work.next()
                except Exhausted:
                    exhausted[0] += 1
                    break
                connection.request("POST", path, body=body.encode(), headers=headers)
                response = connection.getresponse()
                answer = response.read()
                ended = time.perf_counter()
                mine.append(ended - began)
                finished[index] = ended
                counted[response.status] += 1
                if not 200 <= response.status < 400 and response.status not in samples:
                    samples[response.status] = f"POST {path}: {answer[:600].decode('utf-8', 'replace')}"
                if response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        except Exception as error:  # noqa: BLE001 - reported below, the run stops
            errors.append(f"POST: {error!r}")
        finally:
            connection.close()

    workers = [threading.Thread(target=client, args=(i,), name=f"client-{i}") for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise BenchError(errors[0])
    return Burst(latencies, [end - start for end in finished], sum(statuses, Counter()), exhausted[0], samples)


@dataclass
class Measurement:
    label: str
    requests: int
    rate: float  # requests per second
    median_ms: float
    p95_ms: float
    statuses: dict  # status -> count
    failures: int  # answers that are neither 2xx nor 3xx
    server_errors: int  # 5xx
    exhausted_clients: int = 0
    statements: int | None = None  # SQL statements per request (one request, measured apart)
    share_of_bare: float | None = None
    samples: dict = field(default_factory=dict)


def measure(scenarios: list[tuple[str, list]], port, seconds, warmup, rounds) -> list[Measurement]:
    """Warm each scenario up, then load each for `seconds` in all, in `rounds` interleaved slices (A B C A B C
    …), so that a change in the machine's load weighs on all of them alike and the ratios stay fair."""
    for label, works in scenarios:
        log(f"  warming up: {label}")
        if warmup:
            burst(port, works, warmup)
    threads = len(scenarios[0][1])
    log(f"  measuring: {rounds} rounds of {seconds / rounds:g} s per scenario, {threads} clients")
    latencies = [[[] for _ in range(threads)] for _ in scenarios]
    busy = [[0.0] * threads for _ in scenarios]
    statuses = [Counter() for _ in scenarios]
    exhausted, samples = [0] * len(scenarios), [{} for _ in scenarios]
    for _ in range(rounds):
        for i, (label, works) in enumerate(scenarios):
            got = burst(port, works, seconds / rounds)
            statuses[i] += got.statuses
            exhausted[i] = max(exhausted[i], got.exhausted)
            samples[i] = {**got.samples, **samples[i]}
            for c in range(threads):
                latencies[i][c] += got.latencies[c]
                busy[i][c] += got.busy[c]
    measurements = []
    for i, (label, _) in enumerate(scenarios):
        mine = sorted(x for client in latencies[i] for x in client)
        if not mine:
            raise BenchError(f"no answer for {label} in {seconds} s")
        rate = sum(len(client) / took for client, took in zip(latencies[i], busy[i]) if took > 0)
        p95 = mine[min(len(mine) - 1, int(round(0.95 * (len(mine) - 1))))]
        counted = statuses[i]
        measurements.append(Measurement(
            label=label, requests=len(mine), rate=round(rate, 1), median_ms=round(statistics.median(mine) * 1000, 2),
            p95_ms=round(p95 * 1000, 2), statuses={str(k): v for k, v in sorted(counted.items())},
            failures=sum(v for k, v in counted.items() if not 200 <= k < 400),
            server_errors=sum(v for k, v in counted.items() if k >= 500), exhausted_clients=exhausted[i],
            samples={str(k): v for k, v in samples[i].items()},
        ))
    return measurements


# --- the same comment twice at once -----------------------------------------------------------------------


def race(port, registry, people: list[Person], draft_id: int, pairs: int) -> dict:
    """`pairs` times, two threads (each a tab of the same person's browser, on its own keep-alive connection)
    released by a barrier send the same comment at once. Each answer is classified by what the person then sees:
    a 303 to the draft page flashing "published" (the one kept) or "already received" (a friendly refusal), or a
    400 form saying "already sent" (a friendly refusal); anything else is unexpected. Every other pair is in
    English (the `_LOCALE_` cookie), the others in Persian, the default."""
    texts = {lang: {key: localizer_for(registry, lang).translate(message)
                    for key, message in (("published", PUBLISHED), ("received", ALREADY_RECEIVED),
                                         ("sent", ALREADY_SENT))} for lang in ("fa", "en")}
    barrier = threading.Barrier(2)
    answers = [[None] * pairs for _ in range(2)]
    errors = []

    def send(side):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for j in range(pairs):
                person = people[j // PAIRS_PER_PERSON]
                lang = "en" if j % 2 else "fa"
                body = urlencode({
                    "__formid__": "comment", "csrf_token": person.csrf, "article": "",
                    "body": f"{comment_body(j)} (دو بار: {j})", "organisation_kind": "", "organisation_name": "",
                    "send": "send",
                })
                headers = {**FORM, "Cookie": f"{person.cookie}; _LOCALE_={lang}"}
                barrier.wait(timeout=60)
                connection.request("POST", f"/consultations/{draft_id}/comments/add", body=body.encode(),
                                   headers=headers)
                response = connection.getresponse()
                page = response.read().decode("utf-8", "replace")
                answers[side][j] = (response.status, response.getheader("Location"),
                                    session_from(response.msg.get_all("Set-Cookie")), page, lang)
                if response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
            barrier.abort()
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=send, args=(side,), name=f"pair-{side}") for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise BenchError(f"the duplicate race: {errors[0]}")
    seconds = time.perf_counter() - started

    def seen(answer) -> str:
        status, location, cookie, page, lang = answer
        expected = texts[lang]
        if status == 303 and location and cookie:
            link = urlsplit(location)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request("GET", f"{link.path}?{link.query}" if link.query else link.path,
                                   headers={"Cookie": f"session={cookie}; _LOCALE_={lang}"})
                response = connection.getresponse()
                shown = html.unescape(response.read().decode("utf-8", "replace"))
            finally:
                connection.close()
            if expected["published"] in shown:
                return "published"
            if expected["received"] in shown:
                return "303, already received"
            return "303, no message"
        if status == 400 and expected["sent"] in html.unescape(page):
            return "400, already sent"
        return f"{status}, unexpected"

    outcomes, pair_kinds = Counter(), Counter()
    for j in range(pairs):
        both = sorted(seen(answers[side][j]) for side in (0, 1))
        outcomes.update(both)
        pair_kinds[" + ".join(both)] += 1
    good = sum(n for kind, n in pair_kinds.items()
               if kind.split(" + ").count("published") == 1
               and all(k == "published" or k in ("303, already received", "400, already sent")
                       for k in kind.split(" + ")))
    statuses = Counter(answers[side][j][0] for side in (0, 1) for j in range(pairs))
    return {"pairs": pairs, "seconds": round(seconds, 1), "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "outcomes": dict(outcomes), "pair_kinds": dict(pair_kinds), "good_pairs": good,
            "server_errors": sum(v for k, v in statuses.items() if k >= 500)}


# --- in process: statements per request, time in SQL, profile ------------------------------------------


class Poster:
    """POSTs through the WSGI app in process, as the clients send them (the answer's cookie not kept)."""

    def __init__(self, app, work):
        self.app, self.work = app, work

    def post(self):
        path, body, headers = self.work.next()
        request = Request.blank(path, method="POST", body=body.encode(), headers=headers)
        response = request.get_response(self.app)
        if not 200 <= response.status_int < 400:
            raise BenchError(f"in process POST {path}: {response.status}\n{response.text[:1000]}")
        return response


def breakdown(label, app, work, repeat) -> dict:
    """Sequential POSTs through the WSGI app, no HTTP, no concurrency: wall time per request, and the statements
    it sends with the time each takes."""
    poster = Poster(app, work)
    poster.post()
    counter = StatementCounter(app.registry["db_engine"])
    wall = 0.0
    with counter:
        for _ in range(repeat):
            started = time.perf_counter()
            poster.post()
            wall += time.perf_counter() - started
    by_text = {}
    for statement, seconds, _ in counter.statements:
        text = " ".join(statement.split())
        text = re.sub(r"VALUES \(.*", "VALUES (…)", text)
        by_text.setdefault(text, []).append(seconds)
    return {
        "label": label,
        "ms_per_request": round(wall / repeat * 1000, 3),
        "sql_ms_per_request": round(sum(s for _, s, _ in counter.statements) / repeat * 1000, 2),
        "statements_per_request": round(len(counter.statements) / repeat, 1),
        "statements": [
            {"sql": text[:300], "per_request": round(len(times) / repeat, 2),
             "mean_ms": round(statistics.fmean(times) * 1000, 3)}
            for text, times in by_text.items()
        ],
    }


# Where a POST's time goes, from cProfile's cumulative times (the parts overlap).
PHASES = [
    ("the vote view (includes its SQL)", "eparticipation/participation/views.py", "vote"),
    ("the comment form view (FormView.__call__)", "eparticipation/forms.py", "__call__"),
    ("  of which the form built (deform.Form, schema bound)", "eparticipation/forms.py", "form"),
    ("  of which validation (deform validate)", "deform/field.py", "validate"),
    ("  of which add_comment()", "eparticipation/participation/services.py", "add_comment"),
    ("  of which cast_vote()", "eparticipation/participation/services.py", "cast_vote"),
    ("  of which the rate limit (ratelimits.hit)", "eparticipation/ratelimits.py", "hit"),
    ("  of which points (incentives settle)", "eparticipation/incentives/services.py", "settle"),
    ("  of which the oversight tallies, before flush", "eparticipation/oversight/tallies.py", "read_before"),
    ("  of which the oversight tallies, after flush", "eparticipation/oversight/tallies.py", "add_after"),
    ("  of which the draft's version (participation_changed)", "eparticipation/participation/services.py",
     "participation_changed"),
    ("  of which the flash (i18n.flash)", "eparticipation/i18n.py", "flash"),
    ("traversal", "pyramid/traversal.py", "__call__"),
    ("the signed-in person (security identity)", "eparticipation/security.py", "identity"),
    ("the session cookie read and written", "pyramid/session.py", "loads"),
    ("  (written)", "pyramid/session.py", "dumps"),
    ("transaction commit", "transaction/_manager.py", "commit"),
    ("all SQL: cursor.execute (DBAPI)", "sqlalchemy/engine/default.py", "do_execute"),
    ("ORM flush", "sqlalchemy/orm/session.py", "flush"),
]


def profile(app, work, repeat, top=25) -> dict:
    poster = Poster(app, work)
    poster.post()
    profiler = cProfile.Profile()
    profiler.enable()
    started = time.perf_counter()
    for _ in range(repeat):
        poster.post()
    total = time.perf_counter() - started
    profiler.disable()
    stats = pstats.Stats(profiler)
    phases = []
    for label, file_tail, function in PHASES:
        cumulative = sum(entry[3] for (filename, _, name), entry in stats.stats.items()
                         if name == function and filename.replace(os.sep, "/").endswith(file_tail))
        if cumulative:
            phases.append({"phase": label, "ms_per_request": round(cumulative / repeat * 1000, 2),
                           "share": round(cumulative / total, 3)})
    by_package = Counter()
    for (filename, _, _), entry in stats.stats.items():
        by_package[package_of(filename)] += entry[2]
    own_total = sum(by_package.values()) or 1.0
    out = io.StringIO()
    stats.stream = out
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    return {"requests": repeat, "ms_per_request_profiled": round(total / repeat * 1000, 2), "phases": phases,
            "packages": [{"package": p, "ms_per_request": round(t / repeat * 1000, 2), "share": round(t / own_total, 3)}
                         for p, t in by_package.most_common(10)],
            "top_own_time": text[text.index("ncalls"):] if "ncalls" in text else text}


# --- the report -----------------------------------------------------------------------------------------


def table(results: dict) -> str:
    m, run = results["machine"], results["run"]
    lines = [
        f"Write-path burst benchmark — {run['date']}",
        f"Command: {run['command']}",
        f"Machine: {m['cores']} cores, {m['platform']}, Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"SQLAlchemy {m['sqlalchemy']}, waitress {m['waitress']}",
        f"Run: {run['seconds']:g} s per scenario in {run['rounds']} interleaved rounds, after {run['warmup']:g} s "
        f"warm-up; {run['threads']} client threads (keep-alive, each its own people) in the server's process, "
        f"waitress threads={run['server_threads']}; {run['participants']} participants, {run['signed_in']} signed "
        f"in, {run['drafts']} consultations; load average {run['loadavg_start']} → {run['loadavg_end']}",
        "",
        f"{'scenario':<34} {'requests':>8} {'req/s':>8} {'median ms':>9} {'p95 ms':>8} {'SQL/req':>7} "
        f"{'% of bare':>9}  statuses",
    ]
    for r in results["measurements"]:
        share = f"{r['share_of_bare'] * 100:.1f} %" if r["share_of_bare"] is not None else ""
        statuses = ", ".join(f"{k}×{v}" for k, v in r["statuses"].items())
        lines.append(f"{r['label']:<34} {r['requests']:>8} {r['rate']:>8.1f} {r['median_ms']:>9.2f} "
                     f"{r['p95_ms']:>8.2f} {r['statements'] if r['statements'] is not None else '':>7} "
                     f"{share:>9}  {statuses}")
        if r["exhausted_clients"]:
            lines.append(f"    ({r['exhausted_clients']} clients ran out of fresh people: raise --people-per-client)")
        for status, sample in r["samples"].items():
            lines.append(f"    a {status}: {sample[:300]!r}")
    rc = results["race"]
    lines += ["", f"The same comment twice at once: {rc['pairs']} pairs in {rc['seconds']} s; statuses "
                  + ", ".join(f"{k}×{v}" for k, v in rc["statuses"].items())
                  + f"; {rc['good_pairs']} pairs answered one success and one friendly refusal; duplicates in the "
                  f"database: {results['duplicates']['groups']} ({results['duplicates']['extra_rows']} extra rows)"]
    for kind, n in sorted(rc["pair_kinds"].items(), key=lambda item: -item[1]):
        lines.append(f"    {n:>4} × {kind}")
    drift = results["tallies_drift"]
    lines.append(f"The dashboard's counts (oversight/tallies.py) against the comments afterwards, for information: "
                 f"{drift['differences']} differences" + "".join(f"\n    {d}" for d in drift["first"]))
    lines += ["", "Goals:"]
    for g in results["goals"]:
        verdict = "met" if g["met"] else "MISSED"
        lines.append(f"  {g['goal']:<60} {g['value']:>7}{g['unit']}  (target {g['target']}{g['unit']})  {verdict}")
    lines += ["", "In process (WSGI, no HTTP), one request at a time: ms per request, of which in SQL; its statements:"]
    for b in results["breakdown"]:
        lines.append(f"  {b['label']:<34} {b['ms_per_request']:>8.2f} ms, SQL {b['sql_ms_per_request']:>6.2f} ms, "
                     f"{b['statements_per_request']:g} statements")
        for st in b["statements"]:
            lines.append(f"      {st['mean_ms']:>6.3f} ms × {st['per_request']:<5g} {st['sql'][:120]}")
    for name, prof in results.get("profile", {}).items():
        lines += ["", f"Profile ({name}): {prof['requests']} requests, {prof['ms_per_request_profiled']} ms each under "
                      "cProfile; cumulative time per part (parts overlap where indented):"]
        for ph in prof["phases"]:
            lines.append(f"  {ph['phase']:<58} {ph['ms_per_request']:>8.2f} ms  {ph['share'] * 100:>5.1f} %")
        lines.append("  own time by package:")
        for pk in prof["packages"]:
            lines.append(f"    {pk['package']:<42} {pk['ms_per_request']:>8.2f} ms  {pk['share'] * 100:>5.1f} %")
        lines += ["  top functions by own time:", *("    " + x for x in prof["top_own_time"].rstrip().splitlines())]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="load time per scenario (default 8)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved slices per scenario (default 4)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up per scenario, s (default 1)")
    parser.add_argument("--threads", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--server-threads", type=int, default=4, help="waitress threads (default 4)")
    parser.add_argument("--participants", type=int, default=2000, help="participants seeded (default 2000)")
    parser.add_argument("--people-per-client", type=int, default=24,
                        help="people each client signs in and acts as, each once per consultation (default 24)")
    parser.add_argument("--drafts", type=int, default=PER_PERSON,
                        help=f"consultations in progress (default {PER_PERSON}: a person's 10 votes and comments)")
    parser.add_argument("--pairs", type=int, default=200, help="pairs of identical comments sent at once (default 200)")
    parser.add_argument("--profile-requests", type=int, default=40,
                        help="requests of each kind for the statements and the cProfile (default 40)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"PostgreSQL URL (default {DEFAULT_URL}); "
                        "the database is created if missing and its tables are DROPPED and rebuilt")
    parser.add_argument("--profile", action="store_true",
                        help="print the cProfile sections even when every goal is met (always when one is missed)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    return parser.parse_args(argv)


def run(args) -> dict:
    url = sa.make_url(args.database_url)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL")
    ensure_database(url)
    settings = app_settings(url.render_as_string(hide_password=False), tempfile.mkdtemp(prefix="eparticipation-bench-"))
    engine = get_engine(settings)
    loadavg_start = _loadavg()
    log(f"rebuilding the schema of {url.render_as_string(hide_password=True)} (alembic upgrade heads)")
    rebuild_schema(engine)
    seeded = seed(engine, args.drafts, args.participants)
    analyze(engine)

    accounts.password_hasher = CHEAP_HASHER  # the sign-ins below: see CHEAP_HASHER
    real = make_app({}, **settings)
    server, port = serve(dispatcher(bare_post_app(), real), args.server_threads)
    log(f"serving on http://127.0.0.1:{port}/ (waitress threads={args.server_threads})")
    with contextlib.ExitStack() as stack:
        stack.callback(engine.dispose)
        stack.callback(lambda: real.registry["db_engine"].dispose())
        stack.callback(server.close)
        threads, per_client = args.threads, args.people_per_client
        race_people = -(-args.pairs // PAIRS_PER_PERSON)
        probe_people = -(-(args.profile_requests * 2 + 2) // min(args.drafts, PER_PERSON))
        wanted = threads * per_client + race_people + probe_people
        if wanted > args.participants - SEED_COMMENTS:
            raise BenchError(f"{wanted} people to sign in, more than the {args.participants} participants allow")
        log(f"signing {wanted} people in through /login")
        started = time.perf_counter()
        people = sign_in_many(port, seeded.draft_ids[0], range(1, wanted + 1))
        log(f"  in {time.perf_counter() - started:.1f} s")
        pools = [people[c * per_client:(c + 1) * per_client] for c in range(threads)]
        racers = people[threads * per_client:threads * per_client + race_people]
        probers = people[threads * per_client + race_people:]

        scenarios = [
            ("bare Pyramid POST (/bare)", [BareWork(pool, seeded.draft_ids) for pool in pools]),
            ("vote (a first vote)", [VoteWork(pool, seeded.draft_ids) for pool in pools]),
            ("comment (a new text)", [CommentWork(pool, seeded.draft_ids, seeded.articles, c)
                                      for c, pool in enumerate(pools)]),
        ]
        log("measuring the burst")
        bare_m, vote_m, comment_m = measure(scenarios, port, args.seconds, args.warmup, args.rounds)
        for m in (vote_m, comment_m):
            m.share_of_bare = round(m.rate / bare_m.rate, 4)

        log(f"the same comment twice at once: {args.pairs} pairs")
        contest = race(port, real.registry, racers, seeded.draft_ids[0], args.pairs)
        groups, extra = duplicates(engine)
        with Session(engine) as session:  # the dashboard's counts kept as people write (oversight/tallies.py)
            drift = tallies.differences(session)

        log("  statements and time in SQL, in process")
        probe = make_app({}, **settings)
        stack.callback(lambda: probe.registry["db_engine"].dispose())
        vote_probe = VoteWork(probers, seeded.draft_ids)
        comment_probe = CommentWork(probers, seeded.draft_ids, seeded.articles, 99)
        breakdowns = [breakdown("vote", probe, vote_probe, args.profile_requests // 2),
                      breakdown("comment", probe, comment_probe, args.profile_requests // 2)]
        bare_m.statements = 0
        vote_m.statements = breakdowns[0]["statements_per_request"]
        comment_m.statements = breakdowns[1]["statements_per_request"]
        server_errors = bare_m.server_errors + vote_m.server_errors + comment_m.server_errors + contest["server_errors"]
        goals = [
            goal("votes req/s, share of the bare POST's", round(vote_m.share_of_bare * 100, 1),
                 f"≥ {GOAL_VOTE_SHARE * 100:g}", vote_m.share_of_bare >= GOAL_VOTE_SHARE, " %"),
            goal("comments req/s, share of the bare POST's", round(comment_m.share_of_bare * 100, 1),
                 f"≥ {GOAL_COMMENT_SHARE * 100:g}", comment_m.share_of_bare >= GOAL_COMMENT_SHARE, " %"),
            goal("duplicate comments stored (the race's pairs and the burst)", extra, "= 0", extra == 0, ""),
            goal("5xx answers (burst and race)", server_errors, "= 0", server_errors == 0, ""),
            goal("pairs answered one success + one friendly refusal", contest["good_pairs"], f"= {args.pairs}",
                 contest["good_pairs"] == args.pairs, ""),
        ]
        profiles = {}
        if args.profile or not all(g["met"] for g in goals[:2]):
            log("  profiling the vote and the comment")
            profiles["vote"] = profile(probe, vote_probe, args.profile_requests // 2)
            profiles["comment"] = profile(probe, comment_probe, args.profile_requests // 2)
        results = {
            "machine": machine_facts(engine),
            "run": {
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": " ".join([".venv/bin/python", *sys.argv]),
                "seconds": args.seconds, "rounds": args.rounds, "warmup": args.warmup, "threads": threads,
                "server_threads": args.server_threads, "participants": args.participants, "signed_in": wanted,
                "drafts": args.drafts, "database": url.render_as_string(hide_password=True),
                "loadavg_start": loadavg_start, "loadavg_end": _loadavg(),
            },
            "measurements": [asdict(m) for m in (bare_m, vote_m, comment_m)],
            "race": contest,
            "duplicates": {"groups": groups, "extra_rows": extra},
            "tallies_drift": {"differences": len(drift), "first": drift[:5]},
            "goals": goals,
            "breakdown": breakdowns,
        }
        if profiles:
            results["profile"] = profiles
        return results


def main(argv=None):
    args = parse_args(argv)
    try:
        results = run(args)
    except BenchError as error:
        log(f"benchmark failed: {error}")
        return 1
    except sa.exc.OperationalError as error:
        log(f"cannot reach PostgreSQL: {error.orig}")
        return 1
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
