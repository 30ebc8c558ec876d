"""The consultation report (S1–S4): queued when the consultation closes, built by the worker, curated and
finalised by the editors, published with the outcome as a page, a PDF in Persian and English, and open data."""

import csv
import io
import json
import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.orm import Session

from eparticipation.accounts.models import Gender
from eparticipation.consultations.models import State
from eparticipation.reports.models import Report, ReportStatus
from eparticipation.reports.services import ReportBuilder

from ..audit import audit_entries, head
from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def people(dbsession, agency):
    return {
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
        "coordinator": make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)]),
        "auditor": make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)]),
        "other_editor": make_user(dbsession, email="other.editor@example.org",
                                  grants=[("editor", make_agency(dbsession))]),
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam", birth_year=1990,
                             gender=Gender.female, residence="IR-23"),
    }


@pytest.fixture
def draft(dbsession, agency, people, clock, testapp):
    """A consultation that ended yesterday, with six participants' comments; the first visit closes it."""
    draft = make_draft(dbsession, agency, state="consultation", articles=3, opens_at=NOW - timedelta(days=31),
                       closes_at=NOW - timedelta(days=1))
    authors = [people["citizen"]] + [make_user(dbsession, display_name=f"Participant {n}", gender=Gender.male)
                                     for n in range(5)]
    for n, author in enumerate(authors):
        make_comment(dbsession, draft, author, body=f"مهلت سی روزه برای اجرای ماده {n} کوتاه است",
                     article=draft.consulted_articles[n % 3], created_at=NOW - timedelta(days=10, hours=n))
    make_comment(dbsession, draft, authors[1], body="این نظر ناشناس است و نام ندارد", anonymous=True,
                 created_at=NOW - timedelta(days=9))
    testapp.get(f"/consultations/{draft.id}/")
    assert draft.state == State.closed
    return draft


def build_reports(testapp, dbsession):
    sessions = lambda: Session(bind=dbsession.connection(), join_transaction_mode="create_savepoint")  # noqa: E731
    outcomes = ReportBuilder(testapp.app.registry, session_factory=sessions).drain()
    dbsession.expire_all()
    return len(outcomes)


def report_of(dbsession, draft):
    return dbsession.scalar(sa.select(Report).where(Report.draft_id == draft.id))


def test_closing_queues_the_report_and_the_worker_builds_it(testapp, dbsession, draft, people):
    report = report_of(dbsession, draft)
    assert report.status == ReportStatus.queued and report.statistics is None
    testapp.login("editor@example.org")
    page = testapp.get(f"/consultations/{draft.id}/report/")
    assert page.html.select_one("[role=status]") is not None  # "being prepared"
    assert build_reports(testapp, dbsession) == 1
    assert build_reports(testapp, dbsession) == 0  # nothing queued any more
    report = report_of(dbsession, draft)
    assert report.status == ReportStatus.ready and report.built_at is not None
    assert report.statistics["totals"]["comments"] == 7
    assert report.themes
    page = testapp.get(f"/consultations/{draft.id}/report/")
    assert page.html.select("figure.report-chart[role=img][aria-label]")
    assert page.html.select("table.report-table caption")


@pytest.mark.parametrize("who, status", [
    (None, 403), ("citizen@example.org", 403), ("other.editor@example.org", 403),
    ("coordinator@example.org", 200), ("auditor@example.org", 200), ("editor@example.org", 200),
])
def test_the_report_is_the_agencys_until_published(testapp, draft, who, status):
    if who:
        testapp.login(who)
    testapp.get(f"/consultations/{draft.id}/report/", status=status)


@pytest.mark.parametrize("who", [None, "citizen@example.org", "coordinator@example.org", "auditor@example.org",
                                 "other.editor@example.org"])
@pytest.mark.parametrize("action", ["rebuild", "finalise", "merge", "curate"])
def test_only_the_agencys_editors_prepare_the_report(testapp, dbsession, draft, who, action):
    build_reports(testapp, dbsession)
    if who:
        testapp.login(who)
    token = testapp.get_csrf_token("/register" if who is None else "/me")
    testapp.post(f"/consultations/{draft.id}/report/{action}", {"csrf_token": token}, status=403)


def curate(app, draft, summary_fa="خلاصه فارسی نگرانی‌ها", summary_en="", theme_name="مهلت کوتاه"):
    form = app.get(f"/consultations/{draft.id}/report/curate").forms["curate"]
    form["fa"], form["en"] = summary_fa, summary_en
    name_field = next(name for name in form.fields if name == "name_fa")
    form[name_field] = theme_name
    return form.submit("save", status=303)


def test_editors_curate_finalise_and_the_coordinator_publishes(en, dbsession, draft, people):
    build_reports(en, dbsession)
    start = head(dbsession)
    editor = en
    editor.login("editor@example.org")
    curate(editor, draft)
    page = editor.get(f"/consultations/{draft.id}/report/")
    assert "The summary of key concerns in English is missing." in page.text
    engagement = page.html.find(id="author_votes_by_article-heading").find_parent("section")
    assert "Support among commenters who voted" in engagement.text  # the shares beside the counts
    editor.post(f"/consultations/{draft.id}/report/finalise", {"csrf_token": editor.get_csrf_token("/me")},
                status=303)
    assert report_of(dbsession, draft).finalised_at is None

    curate(editor, draft, summary_en="Deadlines are too short.")
    editor.post(f"/consultations/{draft.id}/report/finalise", {"csrf_token": editor.get_csrf_token("/me")},
                status=303)
    report = report_of(dbsession, draft)
    assert report.finalised_at is not None and report.summary == {"fa": "خلاصه فارسی نگرانی‌ها",
                                                                  "en": "Deadlines are too short."}
    entries = audit_entries(dbsession, start)
    assert [e.action for e in entries] == ["report.curate", "report.curate", "report.finalise"]
    assert entries[1].after["summary"]["en"] == "Deadlines are too short."
    editor.logout()

    # Publishing also waits for every comment's response (the responses are not the subject here).
    from eparticipation.participation.models import Comment
    from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

    response = Response(draft_id=draft.id, created_by_id=people["editor"].id, created_at=NOW)
    response.covered = [ResponseComment(comment_id=i) for i in
                        dbsession.scalars(sa.select(Comment.id).where(Comment.draft_id == draft.id))]
    response.revisions = [ResponseRevision(number=1, decision=Decision.noted, reason="ثبت شد",
                                           author_id=people["editor"].id, written_at=NOW)]
    dbsession.add(response)
    dbsession.flush()
    en.login("coordinator@example.org")
    en.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    assert draft.state == State.published
    assert report_of(dbsession, draft).frozen_at is not None
    en.logout()

    page = en.get(f"/consultations/{draft.id}/report/")
    assert "Deadlines are too short." in page.text and "مهلت کوتاه" in page.text  # no English name: the Persian one
    assert f"/consultations/{draft.id}/report/" in en.get(f"/consultations/{draft.id}/").text
    en.login("editor@example.org")
    en.post(f"/consultations/{draft.id}/report/rebuild", {"csrf_token": en.get_csrf_token("/me")}, status=403)


def test_publishing_waits_for_the_final_report(en, dbsession, draft):
    build_reports(en, dbsession)
    en.login("coordinator@example.org")
    page = en.get(f"/consultations/{draft.id}/publish")
    assert "The report is not finalised yet" in page.text


def test_merging_themes_keeps_them_all(testapp, dbsession, draft):
    from eparticipation.reports.models import ReportTheme

    build_reports(testapp, dbsession)
    report = report_of(dbsession, draft)
    report.themes[:] = [
        ReportTheme(key="a", position=1, top_terms=["مهلت", "کوتاه"], size=4, articles={"1": 3, "": 1},
                    representatives=[1]),
        ReportTheme(key="b", position=2, top_terms=["زمان", "کم"], size=2, articles={"1": 1, "2": 1},
                    representatives=[2]),
    ]
    dbsession.flush()
    first, second = report.themes
    start = head(dbsession)
    testapp.login("editor@example.org")
    testapp.post(f"/consultations/{draft.id}/report/merge",
                 [("csrf_token", testapp.get_csrf_token("/me")), ("theme", str(first.id)), ("theme", str(second.id))],
                 status=303).follow()
    dbsession.expire_all()
    assert second.merged_into_id == first.id  # kept, marked as merged
    assert (first.size, first.articles, first.top_terms) == (6, {"1": 4, "": 1, "2": 1}, ["مهلت", "کوتاه", "زمان", "کم"])
    assert report.kept_themes == [first]
    [merged] = audit_entries(dbsession, start)
    assert (merged.action, merged.draft_id, merged.after) == (
        "report.merge", draft.id, {"themes": [first.id, second.id], "into": first.id})


@pytest.mark.parametrize("language, title", [("fa", "پیش‌نویس آیین‌نامه آزمایشی"), ("en", "Draft test bylaw")])
def test_the_pdf_has_the_title_and_the_participant_count(testapp, dbsession, draft, language, title):
    build_reports(testapp, dbsession)
    testapp.login("editor@example.org")
    download = testapp.get(f"/consultations/{draft.id}/report/report.pdf?lang={language}")
    assert download.content_type == "application/pdf"
    assert "Set-Cookie" not in download.headers or "_LOCALE_" not in download.headers["Set-Cookie"]
    reader = PdfReader(io.BytesIO(download.body))
    assert len(reader.pages) >= 1
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    for number, page in enumerate(reader.pages, start=1):  # each page carries its number, in the page's digits
        footer = str(number).translate(persian) if language == "fa" else str(number)
        last_line = page.extract_text().strip().splitlines()[-1]
        # pypdf reads right-to-left lines in visual order: a Persian "۱۰" comes out as "۰۱".
        assert last_line.strip() in (footer, footer[::-1])
    text = "".join(page.extract_text() for page in reader.pages)
    participants = report_of(dbsession, draft).statistics["totals"]["participants"]
    digits = str(participants).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if language == "fa" \
        else str(participants)
    assert digits in text
    fonts = {str(font) for page in reader.pages for font in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts  # the fonts are embedded
    assert title.split()[0].replace("\u200c", "") in text.replace("\u200c", "") or title in text


def test_the_open_data_holds_no_personal_field(testapp, dbsession, draft):
    build_reports(testapp, dbsession)
    testapp.login("editor@example.org")
    base = f"/consultations/{draft.id}/report/"
    data = json.loads(testapp.get(base + "report.json").body)
    comments = json.loads(testapp.get(base + "comments.json").body)
    tables = list(csv.DictReader(io.StringIO(testapp.get(base + "tables.csv").body.decode("utf-8-sig"))))
    rows = list(csv.DictReader(io.StringIO(testapp.get(base + "comments.csv").body.decode("utf-8-sig"))))
    everything = json.dumps([data, comments, tables, rows], ensure_ascii=False)
    for personal in ("citizen@example.org", "@example.org", "1990", "IR-23\", \"Maryam", "birth_year", "email",
                     "gender\": \"female"):
        assert personal not in everything
    assert len(comments) == 7 and {c["author"] for c in comments} >= {"Maryam"}
    anonymous = [c for c in comments if c["anonymous"]]
    assert anonymous and all(c["author"] is None for c in anonymous)
    assert {row["table"] for row in tables} >= {"meta"}
    assert data["statistics"]["k"] == 5
    # Bilingual labels beside the codes (S4), whatever the language of the one who downloads.
    meta = next(row for row in tables if row["table"] == "meta")
    assert (meta["value"], meta["column_en"]) == ("5", "Threshold") and meta["table_fa"]
    gender = [row for row in tables if row["table"].endswith("_by_gender") and row["row"] == "female"]
    assert gender and {(row["row_fa"], row["row_en"]) for row in gender} == {("زن", "Female")}
    assert all(row["table_fa"] and row["table_en"] and row["column_fa"] and row["column_en"] for row in tables)
    assert any(row["row"] == "total" and row["row_en"] == "Total" for row in tables)
    labels = {entry["table"]: entry for entry in data["labels"]}
    by_gender = next(entry for table_id, entry in labels.items() if table_id.endswith("_by_gender"))
    assert by_gender["rows"]["female"] == {"fa": "زن", "en": "Female"} and by_gender["title"]["en"]


# --- a failed build: shown with its error, built again --------------------------------------------------------


THEMES_ERROR = "RuntimeError: the themes' model is missing"


@pytest.fixture
def failed_build(testapp, dbsession, draft, monkeypatch):
    """The draft's report, whose build failed once (its themes could not be proposed)."""
    def broken(*args, **kwargs):
        raise RuntimeError("the themes' model is missing")

    with monkeypatch.context() as patched:
        patched.setattr("eparticipation.reports.themes.propose_themes", broken)
        assert build_reports(testapp, dbsession) == 1
    report = report_of(dbsession, draft)
    assert (report.status, report.attempts, report.last_error) == (ReportStatus.failed, 1, THEMES_ERROR)
    return report


def test_the_editors_see_why_the_report_failed_and_build_it_again(en, dbsession, draft, failed_build):
    start = head(dbsession)
    en.login("editor@example.org")
    page = en.get(f"/consultations/{draft.id}/report/")
    failure = page.html.find(id="report-failure")
    assert "The report could not be built." in failure.text
    assert THEMES_ERROR in failure.text and "attempts: 1" in failure.text
    rebuild = next(form for form in page.forms.values() if form.action.endswith("/report/rebuild"))
    page = rebuild.submit(status=303).follow()
    assert "The report will be built again in a moment" in page.text
    assert page.html.find(id="report-failure") is None and page.html.select_one("[role=status]") is not None
    report = report_of(dbsession, draft)
    assert (report.status, report.attempts, report.last_error) == (ReportStatus.queued, 0, None)
    [entry] = audit_entries(dbsession, start)
    assert (entry.action, entry.object_type, entry.object_id, entry.draft_id) == (
        "report.rebuild", "Report", str(report.id), draft.id)
    assert entry.before == {"status": "failed", "attempts": 1, "last_error": THEMES_ERROR}
    assert build_reports(en, dbsession) == 1
    assert report_of(dbsession, draft).status == ReportStatus.ready


@pytest.mark.parametrize("who, status, sees_error", [
    (None, 403, False), ("citizen@example.org", 403, False), ("other.editor@example.org", 403, False),
    ("coordinator@example.org", 200, False), ("auditor@example.org", 200, False), ("editor@example.org", 200, True),
])
def test_only_the_agencys_editors_see_the_error(en, dbsession, draft, failed_build, who, status, sees_error):
    if who:
        en.login(who)
    page = en.get(f"/consultations/{draft.id}/report/", status=status)
    assert (THEMES_ERROR in page.html.text) == sees_error  # parsed: the page escapes the error's quote
    if status == 200:
        assert "The report could not be built." in page.html.text


@pytest.fixture
def admin(dbsession):
    return make_user(dbsession, email="admin@example.org", grants=[("admin", None)])


@pytest.fixture
def another_queued(dbsession, agency):
    """A second consultation of the agency, closed two hours ago, its report waiting for the worker."""
    other = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=30, hours=2),
                       closes_at=NOW - timedelta(hours=2), title_en="Customs directive")
    report = Report(draft_id=other.id, status=ReportStatus.queued, requested_at=NOW - timedelta(hours=2), summary={})
    dbsession.add(report)
    dbsession.flush()
    return report


def rebuild_forms(page):
    return [form for form in page.forms.values() if form.action.endswith("/admin/reports")]


def test_admins_see_failed_and_waiting_reports_and_build_the_failed_again(en, dbsession, draft, failed_build, admin,
                                                                         another_queued):
    start = head(dbsession)
    en.login("admin@example.org")
    assert "/admin/reports" in en.get("/admin/").text
    page = en.get("/admin/reports")
    failed_section, queued_section = page.html.find_all("table")
    failed_row = failed_section.find("tbody").find("tr")
    cells = [td.get_text(" ", strip=True) for td in failed_row.find_all("td")]
    assert cells[0].startswith("Draft test bylaw") and f"report {failed_build.id}, draft {draft.id}" in cells[0]
    assert failed_row.find("a")["href"].endswith(f"/consultations/{draft.id}/report/")
    assert cells[4] == "1" and cells[5] == THEMES_ERROR  # attempts, error
    [queued_row] = queued_section.find("tbody").find_all("tr")
    assert "Customs directive" in queued_row.text and "2 h" in queued_row.text  # waiting for two hours
    one = next(form for form in rebuild_forms(page) if "rebuild" in form.fields)
    page = one.submit("rebuild", status=303).follow()
    assert "1 reports will be built again." in page.text
    assert "None: every report was built or is waiting to be." in page.text
    report = report_of(dbsession, draft)
    assert (report.status, report.attempts, report.last_error, report.requested_by_id) == (
        ReportStatus.queued, 0, None, admin.id)
    [entry] = audit_entries(dbsession, start)
    assert (entry.action, entry.actor_id, entry.object_id, entry.agency_id) == (
        "report.rebuild", admin.id, str(report.id), draft.agency_id)
    assert entry.before["last_error"] == THEMES_ERROR


def test_admins_build_every_failed_report_again(en, dbsession, draft, failed_build, admin, another_queued):
    another_queued.status, another_queued.attempts = ReportStatus.failed, 2
    another_queued.last_error = "OperationalError: the server closed the connection"
    dbsession.flush()
    en.login("admin@example.org")
    page = en.get("/admin/reports")
    every = next(form for form in rebuild_forms(page) if "rebuild_all" in form.fields)
    page = every.submit("rebuild_all", status=303).follow()
    assert "2 reports will be built again." in page.text
    dbsession.expire_all()
    assert {report_of(dbsession, draft).status, another_queued.status} == {ReportStatus.queued}


def test_building_again_a_report_that_no_longer_failed_says_so(en, dbsession, draft, failed_build, admin):
    en.login("admin@example.org")
    token = en.get_csrf_token("/me")
    en.post("/admin/reports", {"csrf_token": token, "rebuild": str(failed_build.id)}, status=303)
    page = en.post("/admin/reports", {"csrf_token": token, "rebuild": str(failed_build.id)}, status=303).follow()
    assert "That report is no longer failed" in page.text
    page = en.post("/admin/reports", {"csrf_token": token, "rebuild": "x"}, status=400)
    assert "Choose a report to build again." in page.text
    en.post("/admin/reports", {"rebuild_all": "1"}, status=400)  # no CSRF token


@pytest.mark.parametrize("who", [None, "citizen@example.org", "other.editor@example.org", "editor@example.org",
                                 "coordinator@example.org", "auditor@example.org"])
def test_only_administrators_see_the_reports_queue(en, dbsession, draft, failed_build, who):
    if who:
        en.login(who)
    en.get("/admin/reports", status=403)
    token = en.get_csrf_token("/register" if who is None else "/me")
    en.post("/admin/reports", {"csrf_token": token, "rebuild_all": "1"}, status=403)
    en.post("/admin/reports", {"csrf_token": token, "rebuild": str(failed_build.id)}, status=403)
    assert report_of(dbsession, draft).status == ReportStatus.failed


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_charts_read_in_persian(testapp, dbsession, draft):
    """WeasyPrint drew the charts' SVG labels unshaped: pdftotext read «دنورهش» for «شهروند». Now each label is
    text, as in the table beneath it, so a reader (or a search in the PDF) finds it in both places."""
    build_reports(testapp, dbsession)
    testapp.login("editor@example.org")
    pdf = testapp.get(f"/consultations/{draft.id}/report/report.pdf?lang=fa").body
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    for label in ("شهروند", "بخش خصوصی", "کارمند دولت"):
        assert text.count(label) >= 2, label  # the chart's row and the table's
        assert label[::-1] not in text


def test_the_report_page_charts_label_their_bars_as_text(testapp, dbsession, draft):
    build_reports(testapp, dbsession)
    testapp.login("editor@example.org")
    page = testapp.get(f"/consultations/{draft.id}/report/?lang=fa")
    chart = page.html.select_one("figure.report-chart")
    assert chart["role"] == "img" and "مشارکت‌کنندگان" in chart["aria-label"]
    assert [label.get_text() for label in chart.select(".chart-label")][0] == "شهروند"
    assert not chart.select("svg text")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_report_lists_provinces_alphabetically_in_the_readers_language(testapp, dbsession, draft, language):
    from eparticipation.i18n import collation_key

    build_reports(testapp, dbsession)
    testapp.login("editor@example.org")
    page = testapp.get(f"/consultations/{draft.id}/report/?_LOCALE_={language}")
    table = page.html.select_one('#provinces details table')
    names = [th.get_text() for th in table.select("tbody th[scope=row]")]
    assert len(names) == 33
    assert names[:31] == sorted(names[:31], key=collation_key(language))
    assert names.index("گیلان" if language == "fa" else "Gilan") < names.index("همدان" if language == "fa" else "Hamadan")
    tiles = page.html.select("#provinces .report-tiles .tile")
    assert sorted(tile["title"] for tile in tiles) == sorted(names[:31])  # every province has its square


def test_a_small_consultation_shows_the_totals_its_page_already_shows(testapp, dbsession, draft):
    """One comment on the whole draft, six on articles, k = 5: the draft page lists the comments, so the
    report no longer hides «1» behind «< 5»."""
    build_reports(testapp, dbsession)
    testapp.login("editor@example.org")
    page = testapp.get(f"/consultations/{draft.id}/report/?_LOCALE_=en")
    names, values = page.html.select("#numbers-heading ~ dl dt"), page.html.select("#numbers-heading ~ dl dd")
    totals = {name.get_text(strip=True): value.get_text(strip=True) for name, value in zip(names, values)}
    assert (totals["Comments"], totals["Comments on the whole draft"], totals["Comments on articles"]) == ("7", "1", "6")
    assert "given as they are" in page.text
