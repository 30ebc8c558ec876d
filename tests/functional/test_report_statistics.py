"""The report's statistics (S1, S2) on a hand-built consultation whose every number is worked out below.

Twelve participants (u1–u12), one person who did nothing (u13), one whose only comment was hidden (u14).
Ages are at the closing year, 2026. With k = 1 nothing is suppressed, so every count can be checked; with
k = 5 the suppression is checked on the same data.
"""

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from eparticipation.consultations.models import State
from eparticipation.feedback.models import Service, ServiceRating
from eparticipation.participation.models import CommentState, CommentSupport, HidingReason, Vote, VoteChoice
from eparticipation.reports.statistics import DIMENSIONS, build_statistics
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision
from eparticipation.surveys.models import Question, QuestionKind, Submission, Survey

from ..factories import make_agency, make_comment, make_draft, make_user, recount

OPENS = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
CLOSES = datetime(2026, 11, 1, 20, 30, tzinfo=timezone.utc)
DURING = OPENS + timedelta(days=10)
GENERATED = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
CAMPAIGN = "این بند را حذف کنید؛ هزینهٔ کسب‌وکارهای کوچک را بالا می‌برد"

PROFILES = {  # birth year (age in 2026), gender, residence, category now
    "u1": (2010, "female", "IR-00", "individual"),  # 16: under_18
    "u2": (2004, "male", "IR-01", "academic"),  # 22: 18_24
    "u3": (1995, "female", "abroad", "ngo"),  # 31: 25_34
    "u4": (1985, "male", "undisclosed", "private_sector"),  # 41: 35_44
    "u5": (1975, "undisclosed", None, "government"),  # 51: 45_54
    "u6": (1965, None, "IR-00", "other"),  # 61: 55_64
    "u7": (1950, "female", "IR-00", None),  # 76: 65_plus
    "u8": (None, "male", "IR-01", "individual"),  # undisclosed age
    "u9": (2008, "female", "IR-00", "individual"),  # exactly 18: 18_24
    "u10": (1961, "male", "IR-00", "individual"),  # exactly 65: 65_plus
    "u11": (1990, "female", "IR-02", "academic"),  # 36: 35_44; answers the survey only
    "u12": (2000, "male", "IR-00", "individual"),  # 26: 25_34; supports only
    "u13": (1980, "female", "IR-03", "ngo"),  # does nothing
    "u14": (1970, "male", "IR-03", "ngo"),  # only a hidden comment
}


@pytest.fixture
def consultation(dbsession):
    agency = make_agency(dbsession, code="tax")
    other_agency = make_agency(dbsession, code="customs")
    editor = make_user(dbsession, grants=[("editor", agency)])
    draft = make_draft(dbsession, agency, state="published", opens_at=OPENS, closes_at=CLOSES)
    article1, article2 = draft.consulted_articles
    u = {
        name: make_user(dbsession, birth_year=year, gender=gender, residence=residence,
                        stakeholder_category=category)
        for name, (year, gender, residence, category) in PROFILES.items()
    }

    def comment(author, body, article=None, category=None, **fields):
        return make_comment(dbsession, draft, u[author], body=body, article=article, created_at=DURING,
                            stakeholder_category=category, **fields)

    c = {
        "c1": comment("u1", "مهلت اجرا کوتاه است", category="individual"),
        "c2": comment("u2", "تعریف مؤدی روشن نیست", article1, "academic"),
        "c3": comment("u3", "سازمان‌های مردم‌نهاد را معاف کنید", article1, "ngo"),
        "c4": comment("u4", "هزینهٔ انطباق برای شرکت‌ها زیاد است", article2, "private_sector"),
        "c5": comment("u5", "متنی که پنهان شد چون توهین بود", None, "government", state=CommentState.hidden,
                      hidden_category=HidingReason.abuse, hidden_reason="توهین"),
        "c6": comment("u6", "این ماده با قانون مادر تعارض دارد", article2, None),
        "c7": comment("u7", CAMPAIGN, category="individual"),  # u7 has no category now, but had one then
        "c8": comment("u8", CAMPAIGN, category="individual"),
        "c9": comment("u9", CAMPAIGN, category="individual"),
        "c10": comment("u10", CAMPAIGN, article1, "individual", state=CommentState.withdrawn),
        "c11": comment("u1", "در مادهٔ دوم نیز همین مشکل هست", article2, "academic"),  # u1 was then academic
        "c14": comment("u14", "نظری که پنهان شد چون تبلیغ بود", None, "ngo", state=CommentState.hidden,
                       hidden_category=HidingReason.spam, hidden_reason="تبلیغ"),
    }
    for supporter, comment_name in [("u12", "c1"), ("u12", "c2"), ("u10", "c3"), ("u2", "c1"), ("u1", "c14"),
                                    ("u13", "c5")]:
        dbsession.add(CommentSupport(comment_id=c[comment_name].id, user_id=u[supporter].id, supported_at=DURING))
    for voter, choice in [("u1", "support"), ("u2", "oppose"), ("u3", "support"), ("u5", "abstain"),
                          ("u10", "oppose"), ("u7", "support")]:
        dbsession.add(Vote(draft_id=draft.id, user_id=u[voter].id, choice=VoteChoice(choice), cast_at=DURING,
                           updated_at=DURING))

    survey = Survey(draft_id=draft.id, created_at=OPENS - timedelta(days=5))
    options = [{"fa": "الف", "en": "A"}, {"fa": "ب", "en": "B"}, {"fa": "ج", "en": "C"}]
    questions = [
        Question(position=1, kind=QuestionKind.single_choice, texts={"fa": "یک", "en": "One"}, options=options),
        Question(position=2, kind=QuestionKind.multiple_choice, texts={"fa": "دو", "en": "Two"}, options=options),
        Question(position=3, kind=QuestionKind.scale, texts={"fa": "سه", "en": "Three"}, options=[]),
        Question(position=4, kind=QuestionKind.text, texts={"fa": "چهار", "en": "Four"}, options=[]),
    ]
    survey.questions = questions
    dbsession.add(survey)
    dbsession.flush()
    q1, q2, q3, q4 = (str(q.id) for q in questions)
    for who, answers in [("u11", {q1: 0, q2: [0, 2], q3: 5, q4: "متن کوتاه"}),
                         ("u1", {q1: 1, q2: [2], q3: 4}),
                         ("u2", {q1: 0, q3: 5, q4: "پاسخ دیگر"})]:
        dbsession.add(Submission(survey_id=survey.id, user_id=u[who].id, answers=answers, created_at=DURING,
                                 updated_at=DURING))

    s1, s2, elsewhere = (
        Service(agency_id=owner.id, name_fa=f"خدمت {n}", name_en=f"Service {n}", created_at=OPENS, updated_at=OPENS)
        for n, owner in [(1, agency), (2, agency), (3, other_agency)]
    )
    dbsession.add_all([s1, s2, elsewhere])
    dbsession.flush()
    for service, who, score, at, period in [
        (s1, "u1", 4, DURING, "1405-07"), (s1, "u2", 5, DURING, "1405-07"),
        (s1, "u3", 2, OPENS - timedelta(days=11), "1405-06"),  # before the consultation
        (s1, "u4", 1, CLOSES + timedelta(hours=1), "1405-08"),  # after it
        (s2, "u4", 3, DURING, "1405-07"), (elsewhere, "u5", 1, DURING, "1405-07"),  # another agency's
    ]:
        dbsession.add(ServiceRating(service_id=service.id, user_id=u[who].id, score=score, period=period,
                                    rated_at=at))

    def respond(comment_names, *decisions):
        response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=CLOSES)
        response.covered = [ResponseComment(comment_id=c[name].id) for name in comment_names]
        for number, decision in enumerate(decisions, start=1):
            law = ("قانون مالیات‌ها", "مادهٔ ۱۰") if decision == Decision.rejected else (None, None)
            response.revisions.append(ResponseRevision(
                number=number, decision=decision, reason="دلیل", legal_basis_law=law[0],
                legal_basis_article=law[1], author_id=editor.id, written_at=CLOSES + timedelta(days=number)))
        dbsession.add(response)

    respond(["c1", "c2"], Decision.accepted, Decision.rejected)  # the latest revision counts: rejected
    # c5 was answered, then hidden: it is no longer counted.
    respond(["c3", "c4", "c5", "c6", "c7", "c8", "c9", "c11"], Decision.noted)
    dbsession.flush()
    return {"draft": draft, "users": u, "comments": c, "services": (s1, s2), "questions": questions}


def table(statistics, table_id):
    return next(t for t in statistics["tables"] if t["id"] == table_id)


def column(statistics, table_id, index=0):
    return [row[index] for row in table(statistics, table_id)["cells"]]


def by_key(statistics, table_id):
    found = table(statistics, table_id)
    return {key: row for key, row in zip(found["row_keys"], found["cells"]) if any(row)}


def test_every_count_without_suppression(dbsession, consultation):
    stats = build_statistics(dbsession, consultation["draft"], k=1, now=GENERATED)

    assert stats["k"] == 1
    assert stats["generated_at"] == "2026-11-27T09:30:00+00:00"
    assert stats["period"] == {"opens_at": "2026-10-01T08:00:00+00:00", "closes_at": "2026-11-01T20:30:00+00:00"}
    assert stats["age_reference_year"] == 2026
    assert stats["totals"] == {
        "participants": 12, "comments": 9, "draft_comments": 4, "article_comments": 5, "campaigns": 1,
        "campaign_comments": 3, "supports": 4, "votes": 6, "survey_submissions": 3, "ratings": 3,
    }

    # Participants, by their profile now.
    assert by_key(stats, "participants_by_age_band") == {
        "under_18": [1], "18_24": [2], "25_34": [2], "35_44": [2], "45_54": [1], "55_64": [1], "65_plus": [2],
        "undisclosed": [1],
    }
    assert by_key(stats, "participants_by_gender") == {"female": [5], "male": [5], "undisclosed": [2]}
    assert by_key(stats, "participants_by_province") == {
        "IR-00": [6], "IR-01": [2], "IR-02": [1], "abroad": [1], "undisclosed": [2]}
    assert by_key(stats, "participants_by_stakeholder_category") == {
        "individual": [5], "academic": [2], "ngo": [1], "private_sector": [1], "government": [1], "other": [1],
        "undisclosed": [1],
    }
    participants = table(stats, "participants_by_gender")
    assert participants["row_keys"] == ["female", "male", "undisclosed"]
    assert participants["column_keys"] == ["participants"]
    assert participants["row_totals"] == [5, 5, 2] and participants["column_totals"] == [12]
    assert participants["total"] == 12
    assert table(stats, "participants_by_province")["row_keys"] == list(DIMENSIONS["province"])
    assert len(DIMENSIONS["province"]) == 33

    # Comments, by the category stored on each comment and the author's age, gender and province;
    # columns: on the whole draft, on an article.
    assert by_key(stats, "comments_by_stakeholder_category") == {
        "individual": [4, 0], "academic": [0, 2], "ngo": [0, 1], "private_sector": [0, 1], "undisclosed": [0, 1],
    }
    assert by_key(stats, "comments_by_age_band") == {
        "under_18": [1, 1], "18_24": [1, 1], "25_34": [0, 1], "35_44": [0, 1], "55_64": [0, 1], "65_plus": [1, 0],
        "undisclosed": [1, 0],
    }
    assert by_key(stats, "comments_by_gender") == {"female": [3, 2], "male": [1, 2], "undisclosed": [0, 1]}
    assert by_key(stats, "comments_by_province") == {
        "IR-00": [3, 2], "IR-01": [1, 1], "abroad": [0, 1], "undisclosed": [0, 1]}
    comments = table(stats, "comments_by_gender")
    assert comments["column_keys"] == ["draft", "article"]
    assert comments["column_totals"] == [4, 5] and comments["total"] == 9

    # Supports of visible comments, by the supporter; votes by the voter.
    assert by_key(stats, "supports_by_gender") == {"male": [4]}
    assert by_key(stats, "supports_by_age_band") == {"18_24": [1], "25_34": [2], "65_plus": [1]}
    assert by_key(stats, "votes_by_stakeholder_category") == {
        "individual": [1, 1, 0], "academic": [0, 1, 0], "ngo": [1, 0, 0], "government": [0, 0, 1],
        "undisclosed": [1, 0, 0],
    }
    votes = table(stats, "votes_by_stakeholder_category")
    assert votes["column_keys"] == ["support", "oppose", "abstain"]
    assert votes["column_totals"] == [3, 2, 1] and votes["total"] == 6
    assert by_key(stats, "votes_by_age_band") == {
        "under_18": [1, 0, 0], "18_24": [0, 1, 0], "25_34": [1, 0, 0], "45_54": [0, 0, 1], "65_plus": [1, 1, 0]}

    # Per article (the whole draft first): comments, and the votes of their authors.
    articles = table(stats, "comments_by_article")
    assert articles["row_keys"] == ["draft", "1", "2"]
    assert articles["cells"] == [[4], [2], [3]] and articles["total"] == 9
    engagement = table(stats, "author_votes_by_article")
    assert engagement["cells"] == [[2, 0, 0], [1, 1, 0], [1, 0, 0]]
    assert engagement["row_totals"] == [2, 2, 1]
    assert engagement["shares"] == [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]
    assert engagement["overall"] == {"cells": [3, 1, 0], "total": 4, "shares": [0.75, 0.25, 0.0]}

    # Ratings of the agency's services during the consultation only.
    s1, s2 = consultation["services"]
    ratings = table(stats, "ratings_by_service")
    assert ratings["row_keys"] == [str(s1.id), str(s2.id)]
    assert ratings["cells"] == [[2], [1]] and ratings["total"] == 3
    assert ratings["averages"] == [4.5, 3.0]

    # Responses: the latest revision's decision.
    responses = table(stats, "responses_by_decision")
    assert responses["row_keys"] == ["accepted", "partially_accepted", "rejected", "noted"]
    assert responses["cells"] == [[0], [0], [2], [7]] and responses["total"] == 9

    # The survey: counts per option and value; text answers only counted.
    q1, q2, q3, q4 = consultation["questions"]
    survey = stats["survey"]
    assert survey["submissions"] == 3
    assert [(q["id"], q["position"], q["kind"], q["respondents"]) for q in survey["questions"]] == [
        (q1.id, 1, "single_choice", 3), (q2.id, 2, "multiple_choice", 2), (q3.id, 3, "scale", 3),
        (q4.id, 4, "text", 2)]
    single, multiple, scale, text = (q["table"] for q in survey["questions"])
    assert single["row_keys"] == ["0", "1", "2"] and single["cells"] == [[2], [1], [0]] and single["total"] == 3
    assert multiple["cells"] == [[1], [0], [2]] and multiple["total"] == 3
    assert scale["row_keys"] == ["1", "2", "3", "4", "5"] and scale["cells"] == [[0], [0], [0], [1], [2]]
    assert text is None
    assert "متن کوتاه" not in json.dumps(stats, ensure_ascii=False)


def test_small_counts_are_suppressed(dbsession, consultation):
    stats = build_statistics(dbsession, consultation["draft"], k=5, now=GENERATED)

    # What the draft page shows anyone (its comments, their supports, the tally) is published even when small:
    # 4 draft-level comments, 5 on articles, 4 supports. The rest below 5 is suppressed.
    assert stats["totals"] == {
        "participants": 12, "comments": 9, "draft_comments": 4, "article_comments": 5, "campaigns": None,
        "campaign_comments": None, "supports": 4, "votes": 6, "survey_submissions": None, "ratings": None,
    }
    gender = table(stats, "participants_by_gender")
    # 2 undisclosed is too few; the smallest other (the first 5) goes too, or 2 = 12 − 5 − 5.
    assert gender["cells"] == [[None], [5], [None]]
    assert gender["row_totals"] == [None, 5, None] and gender["total"] == 12
    public = {"comments", "draft_comments", "article_comments", "supports", "votes"}
    for found in stats["tables"] + [q["table"] for q in stats["survey"]["questions"] if q["table"]]:
        # the breakdowns by a person's group, age, gender or province never show a small count
        entries = [v for row in found["cells"] for v in row] + found["row_totals"]
        if not found["id"].startswith(("comments_by_article", "votes_by", "comments_by", "supports_by")):
            entries += found["column_totals"] + [found["total"]]
        if found["id"] != "comments_by_article":
            assert all(v is None or v == 0 or v >= 5 for v in entries), found["id"]
    # Every table of comments shows the public totals, and protects its cells against them.
    for dimension in DIMENSIONS:
        comments = table(stats, f"comments_by_{dimension}")
        assert comments["column_totals"] == [4, 5] and comments["total"] == 9
        assert table(stats, f"votes_by_{dimension}")["column_totals"] == [3, 2, 1]  # the tally
        assert table(stats, f"supports_by_{dimension}")["total"] == 4
    assert public <= set(stats["totals"])
    gender_comments = table(stats, "comments_by_gender")
    assert gender_comments["cells"] == [[None, None], [None, None], [0, None]]  # 4 and 5 split, not shown
    assert table(stats, "comments_by_article")["cells"][0] == [4]  # the draft-level comments: public
    engagement = table(stats, "author_votes_by_article")
    assert all(share is None for row in engagement["shares"] for share in row if share)
    assert engagement["overall"]["total"] is None
    assert table(stats, "ratings_by_service")["averages"] == [None, None]


def test_the_output_is_json_and_names_no_one(dbsession, consultation):
    stats = build_statistics(dbsession, consultation["draft"], k=2, now=GENERATED)
    text = json.dumps(stats, ensure_ascii=False)
    for user in consultation["users"].values():
        assert user.email not in text
    assert "کاربر آزمایشی" not in text  # display names


def test_no_responses_before_publication(dbsession, consultation):
    draft = consultation["draft"]
    draft.state = State.closed
    dbsession.flush()
    stats = build_statistics(dbsession, draft, k=1, now=GENERATED)
    assert "responses_by_decision" not in {t["id"] for t in stats["tables"]}


def test_a_draft_without_survey_or_participation(dbsession):
    agency = make_agency(dbsession)
    draft = make_draft(dbsession, agency, state="consultation", opens_at=OPENS, closes_at=CLOSES)
    stats = build_statistics(dbsession, draft, now=GENERATED)
    assert stats["survey"] is None
    assert stats["totals"] == {
        "participants": 0, "comments": 0, "draft_comments": 0, "article_comments": 0, "campaigns": 0,
        "campaign_comments": 0, "supports": 0, "votes": 0, "survey_submissions": 0, "ratings": 0,
    }
    assert table(stats, "ratings_by_service")["cells"] == []


def test_a_bounded_number_of_statements(dbsession, consultation, query_counter):
    draft = consultation["draft"]
    with query_counter() as few:
        build_statistics(dbsession, draft, now=GENERATED)
    for n in range(40):
        author = make_user(dbsession, birth_year=1960 + n, gender="female" if n % 2 else "male",
                           residence=DIMENSIONS["province"][n % 33], stakeholder_category="individual")
        comment = make_comment(dbsession, draft, author, body=f"نظر شمارهٔ {n} دربارهٔ این پیش‌نویس",
                               article=draft.consulted_articles[n % 2], created_at=DURING)
        dbsession.add(CommentSupport(comment_id=comment.id, user_id=consultation["users"]["u12"].id,
                                     supported_at=DURING))
        dbsession.add(Vote(draft_id=draft.id, user_id=author.id, choice=VoteChoice.oppose, cast_at=DURING,
                           updated_at=DURING))
    dbsession.flush()
    with query_counter() as many:
        stats = build_statistics(dbsession, draft, now=GENERATED)
    assert stats["totals"]["comments"] == 49
    on_postgresql = 2 if dbsession.get_bind().dialect.name == "postgresql" else 0  # work_mem and JIT
    assert many.count == few.count <= 9 + on_postgresql


def test_the_concurrent_build_gives_the_same_numbers(engine, query_counter):
    """The report worker's way (the participants' statement on a second connection, on the same snapshot)
    gives what the one-connection way gives. Committed for real (a second connection sees only that), then
    removed."""
    from sqlalchemy.orm import Session

    if engine.dialect.name != "postgresql":
        pytest.skip("the concurrent statement needs PostgreSQL's exported snapshots; SQLite runs them in turn")

    from eparticipation.consultations.models import Draft
    from eparticipation.agencies.models import Agency
    from eparticipation.accounts.models import User

    with Session(engine) as session:
        agency = make_agency(session)
        draft = make_draft(session, agency, state="closed", articles=2, opens_at=OPENS, closes_at=CLOSES)
        people = [make_user(session, birth_year=1950 + 3 * n, gender="female" if n % 3 else "male",
                            residence=DIMENSIONS["province"][n % 5], stakeholder_category="individual")
                  for n in range(12)]
        for n, person in enumerate(people):
            comment = make_comment(session, draft, person, body=f"نظر {n} دربارهٔ مهلت این پیش‌نویس",
                                   article=draft.consulted_articles[n % 2] if n % 3 else None, created_at=DURING)
            session.add(CommentSupport(comment_id=comment.id, user_id=people[(n + 1) % 12].id, supported_at=DURING))
            session.add(Vote(draft_id=draft.id, user_id=person.id, choice=list(VoteChoice)[n % 3], cast_at=DURING,
                             updated_at=DURING))
        session.commit()
        ids = (draft.id, agency.id, [p.id for p in people])
    try:
        with Session(engine) as session:
            draft = session.get(Draft, ids[0])
            alone = build_statistics(session, draft, now=GENERATED)
            session.rollback()
            with query_counter() as counted:
                together = build_statistics(session, session.get(Draft, ids[0]), now=GENERATED, concurrent=True)
            assert together == alone
            assert together["totals"]["participants"] == 12 and together["totals"]["supports"] == 12
            assert any("SET TRANSACTION SNAPSHOT" in statement for statement in counted.statements)
    finally:
        with Session(engine) as session:
            session.execute(sa.delete(Draft).where(Draft.id == ids[0]))
            session.execute(sa.delete(User).where(User.id.in_(ids[2])))
            session.execute(sa.delete(Agency).where(Agency.id == ids[1]))
            recount(session)
            session.commit()
