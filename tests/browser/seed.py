"""What the live server's database holds before the journeys start."""

from dataclasses import dataclass, replace
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from pyramid.registry import Registry

from eparticipation.consultations.models import (
    Article,
    ConsultedArticle,
    DocumentType,
    Draft,
    State,
)
from eparticipation.accounts.models import User
from eparticipation.clock import SystemClock
from eparticipation.consultations.services import refresh_search_text
from eparticipation.db import get_session_factory, utcnow
from eparticipation.incentives import read_settings as points_rules
from eparticipation.incentives.services import settle
from eparticipation.participation.models import Comment, Vote
from eparticipation.reports.services import ReportBuilder, report_of, request_build
from eparticipation.surveys.models import Question, QuestionKind, Survey

from ..factories import TEST_PASSWORD, make_agency, make_comment, make_draft, make_user
from ..report_seed import seed_participants_and_responses

AGENCY_CODE = "browser-agency"
EXISTING_EMAIL = "existing.participant@example.org"
EXISTING_NAME = "Existing Participant"
EXISTING_PASSWORD = TEST_PASSWORD

# The agency whose drafts the consultation journeys read, and its coordinator (who may open its drafts).
CONSULTING_AGENCY_CODE = "browser-consulting-agency"
COORDINATOR_EMAIL = "coordinator@example.org"
COORDINATOR_NAME = "هماهنگ‌کننده آزمایشی"
COORDINATOR_PASSWORD = TEST_PASSWORD
# The participation journey: a citizen who signs in, and another participant whose comment they support.
CITIZEN_EMAIL = "citizen@example.org"
CITIZEN_NAME = "شهروند آزمایشی"
CITIZEN_PASSWORD = TEST_PASSWORD
OTHER_PARTICIPANT_EMAIL = "other.participant@example.org"
OTHER_PARTICIPANT_NAME = "مشارکت‌کنندهٔ دیگر"
OTHER_COMMENT = "به نظر من مهلت پانزده روز برای انتشار اطلاعات قراردادها کافی نیست و باید کوتاه‌تر شود."
# The survey of that draft: one question of each kind, in fa and en (options: one {language: text} each).
SURVEY_QUESTIONS = [
    # (kind, required, texts, options)
    (QuestionKind.single_choice, True, {"fa": "آیا این آیین‌نامه را خوانده‌اید؟", "en": "Have you read this bylaw?"},
     [{"fa": "بله، کامل", "en": "Yes, all of it"}, {"fa": "بخشی از آن", "en": "Part of it"},
      {"fa": "خیر", "en": "No"}]),
    (QuestionKind.multiple_choice, False, {"fa": "کدام مواد برای شما مهم‌ترند؟", "en": "Which articles matter to you?"},
     [{"fa": "تعاریف", "en": "Definitions"}, {"fa": "مهلت انتشار", "en": "Publication deadline"},
      {"fa": "نظارت", "en": "Oversight"}]),
    (QuestionKind.scale, True, {"fa": "این پیش‌نویس چقدر روشن است؟", "en": "How clear is this draft?"}, []),
    (QuestionKind.text, False, {"fa": "یک پیشنهاد کوتاه بنویسید.", "en": "Write a short suggestion."}, []),
]
# The accountability journey: the consulting agency's editor answers three comments of a closed draft
# (one alone, two together), the coordinator publishes, and their author finds the answers.
EDITOR_EMAIL = "editor@example.org"
EDITOR_NAME = "ویراستار آزمایشی"
AUDITOR_EMAIL = "auditor@example.org"
ANSWERED_EMAIL = "answered.citizen@example.org"
ANSWERED_NAME = "شهروند پاسخ‌گرفته"
ANSWERED_COMMENTS = [
    # (article number or None, body)
    ("1", "تعریف گزارش مالی در ماده یک روشن نیست و باید دقیق‌تر نوشته شود."),
    ("2", "مهلت سه ماه برای دستگاه‌های کوچک بسیار کوتاه است و باید بیشتر شود."),
    ("2", "برای دستگاه‌های کوچک، مهلت ارسال گزارش باید دست‌کم شش ماه باشد."),
]
# The published draft's report: 46 participants (tests/report_seed.py), their responses, the report built by the
# report worker, summarised and finalised, frozen with the outcome; everyone's points settled as their acts would
# have. Its first participant (article 1, accepted; Tehran; the consultation's first comment) signs in.
REPORT_SUMMARY_FA = "شرکت‌کنندگان مهلت سه ماهه را برای دستگاه‌های کوچک کوتاه و تعریف دستگاه کوچک را مبهم می‌دانند."
REPORT_SUMMARY_EN = ("Participants find the three-month deadline too short for small agencies and their "
                     "definition vague.")
REPORTED_EMAIL = "reported.participant@example.org"
REPORTED_NAME = "ستاره رضایی"
# A word only the draft in consultation holds, in both languages, for the listing's search.
SEARCH_WORD_FA = "شفافیت"
SEARCH_WORD_EN = "transparency"


@dataclass(frozen=True)
class SeededDrafts:
    """The ids of the drafts the consultation journeys visit."""

    to_open: int  # state draft, complete (fa and en, three articles): the coordinator opens it
    in_consultation: int  # chapters, articles with notes; article 1 is long, so article 2 starts below the fold
    closing_soon: int  # in consultation, ends within a week (another agency, another type of document)
    closed: int
    published: int  # its final text differs from the consulted one: a word changed, an article removed, one added;
    # 46 participants, their responses, a final report (seed_report) and their points
    unopened: int  # state draft of another agency: not listed for visitors
    # In consultation (closes in 20 days), three articles, a survey (SURVEY_QUESTIONS) and one visible comment
    # on article 1 by OTHER_PARTICIPANT; the citizen has not taken part yet.
    participation: int
    # Closed ten days ago, three articles, ANSWERED_COMMENTS by ANSWERED_EMAIL, none answered yet.
    to_answer: int = 0


LONG_PARAGRAPH = (
    "دستگاه‌های اجرایی مکلف‌اند اطلاعات قراردادهای خود را، شامل طرفین قرارداد، موضوع، مبلغ، مدت و "
    "روش انتخاب پیمانکار، حداکثر ظرف پانزده روز از تاریخ انعقاد در سامانهٔ یکپارچهٔ قراردادها منتشر کنند "
    "و هرگونه الحاقیه یا تغییر در مفاد قرارداد را نیز در همان مهلت به‌روز نمایند."
)

CONSULTATION_ARTICLES = [
    # (number, chapter, heading, text, notes)
    ("1", "فصل اول – کلیات", "تعاریف", "\n\n".join([LONG_PARAGRAPH] * 6),
     ["منظور از دستگاه اجرایی، دستگاه‌های موضوع مادهٔ ۵ قانون مدیریت خدمات کشوری است."]),
    ("2", "فصل اول – کلیات", "دامنهٔ شمول",
     f"این آیین‌نامه برای ارتقای {SEARCH_WORD_FA} بر همهٔ قراردادهای دستگاه‌های اجرایی حاکم است.",
     ["قراردادهای طبقه‌بندی‌شده از شمول این ماده خارج‌اند.", "فهرست این قراردادها هر سال منتشر می‌شود."]),
    ("3", "فصل دوم – انتشار اطلاعات", "مهلت انتشار", "اطلاعات هر قرارداد ظرف پانزده روز منتشر می‌شود.", []),
    ("4", "فصل دوم – انتشار اطلاعات", "", "سازمان برنامه و بودجه بر اجرای این آیین‌نامه نظارت می‌کند.",
     ["گزارش نظارت هر شش ماه منتشر می‌شود."]),
]

# The published draft: consulted text → final text. Article 2 has one word changed (three → six months),
# 3 is removed, 4 added, 1 stays the same.
WORD_REMOVED, WORD_ADDED = "سه", "شش"
CONSULTED_TEXT = [
    ("1", "هدف", "هدف این دستورالعمل ساماندهی گزارش‌های مالی است.", []),
    ("2", "مهلت", f"گزارش‌ها هر {WORD_REMOVED} ماه یک بار ارسال می‌شوند.", ["گزارش سالانه جداگانه است."]),
    ("3", "", "این ماده در متن نهایی حذف شده است.", []),
]
FINAL_TEXT = [
    ("1", "هدف", "هدف این دستورالعمل ساماندهی گزارش‌های مالی است.", []),
    ("2", "مهلت", f"گزارش‌ها هر {WORD_ADDED} ماه یک بار ارسال می‌شوند.", ["گزارش سالانه جداگانه است."]),
    ("4", "اجرا", "این ماده در متن نهایی افزوده شده است.", []),
]


def _articles(rows, model):
    return [
        model(number=number, position=position, chapter=chapter, heading=heading, text=text, notes=list(notes))
        for position, (number, chapter, heading, text, notes) in enumerate(rows, start=1)
    ]


def _english(draft, title, summary, call):
    text = draft.texts["en"]
    text.title, text.summary, text.call = title, summary, call


def seed_drafts(session, agency, other_agency) -> SeededDrafts:
    now = utcnow()
    to_open = make_draft(session, agency, state="draft", articles=3, title_fa="پیش‌نویس آیین‌نامهٔ گشایش",
                         title_en="Bylaw to be opened")

    in_consultation = make_draft(session, agency, state="consultation", articles=0,
                                 title_fa="آیین‌نامهٔ شفافیت قراردادها", title_en="Contract transparency bylaw",
                                 opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=27))
    in_consultation.texts["fa"].summary = "انتشار اطلاعات قراردادهای دستگاه‌های اجرایی."
    in_consultation.texts["fa"].call = "نظر شما دربارهٔ مهلت‌ها و دامنهٔ شمول این آیین‌نامه چیست؟"
    _english(in_consultation, "Contract transparency bylaw",
             f"Publishing the contracts of executive agencies, for {SEARCH_WORD_EN}.",
             "What do you think of the deadlines and the scope of this bylaw?")
    in_consultation.articles = _articles(CONSULTATION_ARTICLES, Article)
    in_consultation.consulted_articles = _articles(CONSULTATION_ARTICLES, ConsultedArticle)

    closing_soon = make_draft(session, other_agency, state="consultation", title_fa="بخشنامهٔ ساعات کاری",
                              title_en="Circular on working hours", opens_at=now - timedelta(days=25),
                              closes_at=now + timedelta(days=5))
    closing_soon.document_type = DocumentType.circular
    _english(closing_soon, "Circular on working hours", "Opening hours of public offices.", "Tell us your hours.")

    closed = make_draft(session, agency, state="closed", title_fa="لایحهٔ بسته‌شده", title_en="Closed bill",
                        opens_at=now - timedelta(days=45), closes_at=now - timedelta(days=10))
    closed.document_type = DocumentType.bill
    closed.closed_at = closed.closes_at

    # Its participation, responses and report are added by seed_report once the editor exists.
    published = make_draft(session, agency, state="published", articles=0, title_fa="دستورالعمل گزارش‌های مالی",
                           title_en="Directive on financial reports", opens_at=now - timedelta(days=90),
                           closes_at=now - timedelta(days=60))
    published.document_type = DocumentType.directive
    published.closed_at = published.closes_at
    published.published_at = now - timedelta(days=7)
    without_chapters = [(number, None, heading, text, notes) for number, heading, text, notes in CONSULTED_TEXT]
    published.consulted_articles = _articles(without_chapters, ConsultedArticle)
    published.articles = _articles([(n, None, h, t, notes) for n, h, t, notes in FINAL_TEXT], Article)

    unopened = make_draft(session, other_agency, state="draft", title_fa="پیش‌نویس دیده‌نشده",
                          title_en="Unseen draft")

    participation = make_draft(session, agency, state="consultation", articles=3,
                               title_fa="آیین‌نامهٔ مشارکت شهروندان", title_en="Citizen participation bylaw",
                               text="متن ماده", opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=20))

    drafts = (to_open, in_consultation, closing_soon, closed, published, unopened, participation)
    for draft in drafts:
        refresh_search_text(draft)
    session.flush()
    assert published.state == State.published
    return SeededDrafts(*(draft.id for draft in drafts))


def seed_participation(session, draft_id):
    """The participation draft's survey, its participants, and the other participant's comment."""
    draft = session.get(Draft, draft_id)
    survey = Survey(draft_id=draft.id, created_at=draft.opens_at)
    survey.questions = [
        Question(position=position, kind=kind, required=required, texts=dict(texts), options=[dict(o) for o in options])
        for position, (kind, required, texts, options) in enumerate(SURVEY_QUESTIONS, start=1)
    ]
    session.add(survey)
    make_user(session, email=CITIZEN_EMAIL, display_name=CITIZEN_NAME)
    other = make_user(session, email=OTHER_PARTICIPANT_EMAIL, display_name=OTHER_PARTICIPANT_NAME)
    article_one = next(a for a in draft.consulted_articles if a.number == "1")
    make_comment(session, draft, other, body=OTHER_COMMENT, article=article_one,
                 created_at=draft.opens_at + timedelta(hours=5))
    session.flush()


def seed_accountability(session, agency) -> int:
    """The closed draft whose comments the editor answers; its editor and the comments' author."""
    now = utcnow()
    draft = make_draft(session, agency, state="closed", articles=3, title_fa="دستورالعمل گزارش‌های دستگاه‌های کوچک",
                       title_en="Directive on small agencies' reports", opens_at=now - timedelta(days=45),
                       closes_at=now - timedelta(days=10))
    draft.closed_at = draft.closes_at
    make_user(session, email=EDITOR_EMAIL, display_name=EDITOR_NAME, grants=[("editor", agency)])
    make_user(session, email=AUDITOR_EMAIL, display_name="بازرس آزمایشی", grants=[("auditor", None)])
    author = make_user(session, email=ANSWERED_EMAIL, display_name=ANSWERED_NAME)
    articles = {a.number: a for a in draft.consulted_articles}
    for position, (number, body) in enumerate(ANSWERED_COMMENTS):
        make_comment(session, draft, author, body=body, article=articles.get(number),
                     created_at=draft.opens_at + timedelta(days=position + 1))
    session.flush()
    return draft.id


def worker_registry() -> Registry:
    """What the report worker and the points' rules read of the app's registry, at the defaults the live server
    runs with (it names none of these settings): k, the themes' number, the clock."""
    registry = Registry("browser-seed")
    registry.settings = {"eparticipation.report.k": 5, "eparticipation.report.max_themes": 8,
                         "eparticipation.report.concurrent": False}
    registry["clock"] = SystemClock()
    registry["eparticipation.incentives"] = points_rules({})
    return registry


def seed_report(session, draft_id):
    """The published draft's participants, comments, votes and responses (tests/report_seed.py), its first
    participant given an address to sign in with; its report queued. Flushed, not committed."""
    draft = session.get(Draft, draft_id)
    editor = session.scalars(sa.select(User).where(User.email == EDITOR_EMAIL)).one()
    seed_participants_and_responses(session, draft, editor)
    first = session.scalars(sa.select(Comment).where(Comment.draft_id == draft.id)
                            .order_by(Comment.created_at, Comment.id).limit(1)).one()
    first.author.email, first.author.display_name = REPORTED_EMAIL, REPORTED_NAME
    request_build(session, draft, draft.closed_at)
    session.flush()


def finish_report(engine, draft_id):
    """What the workers and the editors did after the consultation closed: the report built by the report
    worker (which commits), its summary written, finalised and frozen with the outcome; and the points of
    every participant settled, as their acts and the publication would have (the seed wrote the acts directly)."""
    registry = worker_registry()
    session_factory = get_session_factory(engine)
    built = ReportBuilder(registry, session_factory=session_factory).drain()
    assert [outcome.status.value for outcome in built] == ["ready"], built
    session = session_factory()
    try:
        draft = session.get(Draft, draft_id)
        report = report_of(session, draft)
        report.summary = {"fa": REPORT_SUMMARY_FA, "en": REPORT_SUMMARY_EN}
        report.finalised_at = report.frozen_at = draft.published_at
        request = SimpleNamespace(dbsession=session, registry=registry, now=draft.published_at)
        people = set(session.scalars(sa.select(Comment.author_id).where(Comment.draft_id == draft.id)))
        people.update(session.scalars(sa.select(Vote.user_id).where(Vote.draft_id == draft.id)))
        for user_id in sorted(people):
            settle(request, user_id, draft)
        session.commit()
    finally:
        session.close()


def seed(engine) -> SeededDrafts:
    """One agency (for the home page) and one participant who can sign in; an agency with a coordinator
    and drafts in every state; the participation draft's survey, citizen and other participant's comment;
    the published draft's participation, responses, report and points; committed for real."""
    session = get_session_factory(engine)()
    try:
        agency = make_agency(session, code=AGENCY_CODE)
        make_user(session, email=EXISTING_EMAIL, display_name=EXISTING_NAME)
        consulting = make_agency(session, code=CONSULTING_AGENCY_CODE)
        make_user(session, email=COORDINATOR_EMAIL, display_name=COORDINATOR_NAME,
                  grants=[("coordinator", consulting)])
        drafts = seed_drafts(session, consulting, agency)
        seed_participation(session, drafts.participation)
        drafts = replace(drafts, to_answer=seed_accountability(session, consulting))
        seed_report(session, drafts.published)
        session.commit()
    finally:
        session.close()
    finish_report(engine, drafts.published)
    return drafts
