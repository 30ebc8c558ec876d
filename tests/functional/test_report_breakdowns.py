"""S1 completed: the report breaks each survey question's answers, and the service ratings given during the
consultation, down by stakeholder category, age band, gender and province, suppressed as its other tables; and
the survey's open answers join the comments in the proposed themes."""


import sqlalchemy as sa

from eparticipation.reports.breakdowns import breakdowns_of
from eparticipation.reports.models import Report, ReportStatus
from eparticipation.reports.statistics import build_statistics
from eparticipation.reports.themes import comments_for_themes, open_answers_for_themes, propose_themes
from eparticipation.surveys.models import Submission

from .test_report_statistics import GENERATED, consultation  # noqa: F401 (the fixture)


def rows(found: dict) -> dict:
    return {key: row for key, row in zip(found["row_keys"], found["cells"]) if any(v != 0 for v in row)}


def breakdowns(dbsession, draft, k):
    stats = build_statistics(dbsession, draft, k=k, now=GENERATED)
    stats["breakdowns"] = breakdowns_of(dbsession, draft, stats)
    return stats


def question_tables(stats, question):
    entry = next(e for e in stats["breakdowns"]["survey"] if e["question"] == question.id)
    return {table["rows"]: table for table in entry["tables"]}


def test_each_question_by_who_answered(dbsession, consultation):  # noqa: F811
    stats = breakdowns(dbsession, consultation["draft"], k=1)
    single, multiple, scale, text = consultation["questions"]
    # u11: female, 36, IR-02, academic: 0 | [0, 2] | 5;  u1: female, 16, IR-00, individual: 1 | [2] | 4;
    # u2: male, 22, IR-01, academic: 0 | - | 5.
    by = question_tables(stats, single)
    assert rows(by["gender"]) == {"female": [1, 1, 0], "male": [1, 0, 0]}
    assert rows(by["age_band"]) == {"under_18": [0, 1, 0], "18_24": [1, 0, 0], "35_44": [1, 0, 0]}
    assert rows(by["province"]) == {"IR-00": [0, 1, 0], "IR-01": [1, 0, 0], "IR-02": [1, 0, 0]}
    assert rows(by["stakeholder_category"]) == {"individual": [0, 1, 0], "academic": [2, 0, 0]}
    assert by["gender"]["total"] == 3 and by["gender"]["column_keys"] == ["0", "1", "2"]
    # A multiple-choice answer counts once per option chosen.
    assert rows(question_tables(stats, multiple)["gender"]) == {"female": [1, 0, 2]}
    assert rows(question_tables(stats, scale)["gender"]) == {"female": [0, 0, 0, 1, 1], "male": [0, 0, 0, 0, 1]}
    assert text.id not in [e["question"] for e in stats["breakdowns"]["survey"]]  # open answers are never counted


def test_the_service_ratings_by_who_rated(dbsession, consultation):  # noqa: F811
    stats = breakdowns(dbsession, consultation["draft"], k=1)
    by = {table["rows"]: table for table in stats["breakdowns"]["ratings"]}
    # During the consultation: u1 (female) and u2 (male) rated service 1, u4 (male) service 2.
    assert rows(by["gender"]) == {"female": [1], "male": [2]}
    assert by["gender"]["total"] == stats["totals"]["ratings"] == 3


def test_the_breakdowns_are_suppressed_as_the_report_is(dbsession, consultation):  # noqa: F811
    stats = breakdowns(dbsession, consultation["draft"], k=5)
    for entry in stats["breakdowns"]["survey"]:
        for table in entry["tables"]:
            published = [v for row in table["cells"] for v in row] + table["row_totals"] + table["column_totals"]
            assert all(v is None or v == 0 or v >= 5 for v in published + [table["total"]]), table["id"]
    question = next(q for q in stats["survey"]["questions"] if q["table"])
    hidden_options = [n for n, row in enumerate(question["table"]["cells"]) if row[0] is None]
    for table in question_tables(stats, consultation["questions"][0]).values():
        # What the question's own table suppressed stays suppressed in each breakdown's column totals.
        assert all(table["column_totals"][n] is None for n in hidden_options)
    for table in stats["breakdowns"]["ratings"]:
        assert table["total"] is None and stats["totals"]["ratings"] is None


def test_the_report_page_and_pdf_show_the_breakdowns(en, dbsession, consultation):  # noqa: F811
    draft = consultation["draft"]
    stats = breakdowns(dbsession, draft, k=1)
    dbsession.add(Report(draft_id=draft.id, status=ReportStatus.ready, statistics=stats, requested_at=GENERATED,
                         built_at=GENERATED, finalised_at=GENERATED, frozen_at=GENERATED))
    dbsession.flush()
    page = en.get(f"/consultations/{draft.id}/report/")
    section = page.html.select_one(f"#survey-question-{consultation['questions'][0].id}")
    assert section.h3.get_text(strip=True) == "One"
    gender = section.select_one(f"#survey_question_{consultation['questions'][0].id}_by_gender")
    assert [th.get_text(strip=True) for th in gender.select("thead th")] == ["Gender", "A", "B", "C", "Total"]
    female = next(tr for tr in gender.select("tbody tr") if tr.th.get_text(strip=True) == "Female")
    assert [td.get_text(strip=True) for td in female.select("td")] == ["1", "1", "0", "2"]
    assert not gender.select("svg text") and gender.select(".chart-label")
    assert page.html.select_one("#ratings-by-rater")
    pdf = en.get(f"/consultations/{draft.id}/report/report.pdf")
    assert pdf.content_type == "application/pdf"


def test_open_answers_join_the_themes(dbsession, consultation):  # noqa: F811
    draft = consultation["draft"]
    submissions = dbsession.scalars(sa.select(Submission).order_by(Submission.id)).all()
    found = list(open_answers_for_themes(dbsession, draft))
    assert found == [(-submissions[0].id, None, "متن کوتاه"), (-submissions[2].id, None, "پاسخ دیگر")]
    comments = list(comments_for_themes(dbsession, draft))
    themes = propose_themes(comments + found, max_themes=3)
    assert sum(theme.size for theme in themes) == len(comments) + 2
    assert not {c[0] for c in comments} & {a[0] for a in found}


def test_a_survey_without_submissions_has_no_open_answers(dbsession, consultation):  # noqa: F811
    draft = consultation["draft"]
    for submission in dbsession.scalars(sa.select(Submission)):
        dbsession.delete(submission)
    dbsession.flush()
    assert list(open_answers_for_themes(dbsession, draft)) == []
