"""The open-data API (/api/v1/): what it shows and what it never shows, its paging, ETags, CORS, rate limit and
errors — every answer validated against the OpenAPI document the API serves."""

import json
import re
from urllib.parse import quote
from datetime import timedelta

import jsonschema
import pytest
import sqlalchemy as sa

from eparticipation.consultations.models import State
from eparticipation.participation.models import CommentState, HidingReason, Vote, VoteChoice
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user

API = "/api/v1"


# --- validation against the served description ------------------------------------------------------------------


@pytest.fixture
def openapi(testapp):
    """The document as the API serves it (each test's own request: nothing outside its transaction)."""
    return json.loads(testapp.get(f"{API}/openapi.json").body)


def template_of(document, path: str) -> str:
    """The document's path template that `path` (under /api/v1) matches."""
    relative = path.split("?")[0][len(API):] or "/"
    for template in document["paths"]:
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template) + "/?", relative):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def follow(document, node):
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def check(document, response, path: str, method: str = "get"):
    """The answer is one the document describes for this operation: its status, content type, headers, body."""
    operation = document["paths"][template_of(document, path)][method]
    described = operation["responses"].get(str(response.status_int))
    assert described is not None, f"{method.upper()} {path}: {response.status_int} is not documented"
    described = follow(document, described)
    for name, header in described.get("headers", {}).items():
        if header.get("required") or name in ("ETag", "Access-Control-Allow-Origin"):
            assert name in response.headers, f"{path}: header {name} missing"
        schema = follow(document, header).get("schema")
        if name in response.headers and schema:
            jsonschema.validate(response.headers[name], schema)
    content = described.get("content")
    if not content:
        assert not response.body
        return None
    assert response.content_type in content, response.content_type
    schema = {**content[response.content_type]["schema"], "components": document["components"]}
    data = json.loads(response.body)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    return data


@pytest.fixture
def api(testapp, openapi):
    """GET (or another method) an API address, and check the answer against the document."""

    def call(path, status=200, method="get", headers=None):
        response = getattr(testapp, method)(path, status=status, headers=headers or {})
        check(openapi, response, path, method)
        return response

    return call


# --- data -------------------------------------------------------------------------------------------------------


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="mefa")


@pytest.fixture
def people(dbsession, agency):
    return {
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
        "maryam": make_user(dbsession, email="maryam@example.org", display_name="مریم", birth_year=1990),
        "reza": make_user(dbsession, email="reza@example.org", display_name="رضا"),
    }


@pytest.fixture
def consultation(dbsession, agency, people, clock):
    """In consultation since yesterday: two comments shown, one sent anonymously; one hidden, one withdrawn."""
    draft = make_draft(dbsession, agency, state="consultation", articles=3, opens_at=NOW - timedelta(days=1))
    make_comment(dbsession, draft, people["maryam"], body="مهلت سی روزه کوتاه است", created_at=NOW - timedelta(hours=5),
                 organisation_name="انجمن صنفی", article=draft.consulted_articles[0])
    make_comment(dbsession, draft, people["reza"], body="نام من نباید دیده شود", anonymous=True,
                 created_at=NOW - timedelta(hours=4))
    make_comment(dbsession, draft, people["reza"], body="توهین پنهان‌شده", created_at=NOW - timedelta(hours=3),
                 state=CommentState.hidden, hidden_category=HidingReason.abuse, hidden_reason="توهین")
    make_comment(dbsession, draft, people["maryam"], body="پس گرفته شد", created_at=NOW - timedelta(hours=2),
                 state=CommentState.withdrawn)
    dbsession.add_all([Vote(draft_id=draft.id, user_id=people["maryam"].id, choice=VoteChoice.support, cast_at=NOW,
                            updated_at=NOW),
                       Vote(draft_id=draft.id, user_id=people["reza"].id, choice=VoteChoice.oppose, cast_at=NOW,
                            updated_at=NOW)])
    dbsession.flush()
    return draft


def publish(dbsession, draft, people):
    """The consultation closed, every comment answered, the outcome published with a finalised report."""
    from eparticipation.participation.models import Comment

    comments = dbsession.scalars(sa.select(Comment).where(Comment.draft_id == draft.id).order_by(Comment.id)).all()
    response = Response(draft_id=draft.id, created_by_id=people["editor"].id, created_at=NOW)
    response.covered = [ResponseComment(comment_id=c.id) for c in comments]
    response.revisions = [
        ResponseRevision(number=1, decision=Decision.noted, reason="اول", author_id=people["editor"].id,
                         written_at=NOW),
        ResponseRevision(number=2, decision=Decision.rejected, reason="قانون اجازه نمی‌دهد",
                         legal_basis_law="قانون مالیات‌های مستقیم", legal_basis_article="۱۰۰",
                         author_id=people["editor"].id, written_at=NOW + timedelta(hours=1)),
    ]
    dbsession.add(response)
    draft.articles[0].text = "متن نهایی ماده ۱"
    draft.state, draft.closed_at, draft.published_at = State.published, NOW, NOW + timedelta(days=2)
    report = make_final_report(dbsession, draft)
    report.frozen_at = NOW + timedelta(days=2)
    dbsession.flush()
    return response


# --- agencies and consultations ------------------------------------------------------------------------------------


def test_the_agencies(api, dbsession, agency):
    make_agency(dbsession, code="tax", parent=agency)
    data = api(f"{API}/agencies").json["data"]
    assert [a["attributes"]["agencyId"] for a in data] == ["mefa", "tax"]
    assert data[1]["attributes"]["parentAgencyId"] == "mefa"
    assert data[0]["attributes"]["name"]["en"].startswith("Agency")


def test_the_consultations_are_the_opened_ones(api, dbsession, agency, consultation):
    make_draft(dbsession, agency, state="draft", title_fa="پیش‌نویس هنوز باز نشده")
    listed = api(f"{API}/consultations").json
    assert [c["id"] for c in listed["data"]] == [str(consultation.id)]
    attributes = listed["data"][0]["attributes"]
    assert attributes["docketId"] == f"MEFA-{consultation.id}" and attributes["agencyId"] == "mefa"
    assert attributes["commentStartDate"] == "2026-11-26T09:30:00Z" and attributes["openForComment"] is True
    assert attributes["titles"] == {"fa": "پیش‌نویس آیین‌نامه آزمایشی", "en": "Draft test bylaw"}
    assert listed["data"][0]["links"]["html"] == f"http://example.com/consultations/{consultation.id}/"
    assert listed["meta"] == {"pageSize": 20, "numberOfElements": 1, "hasNextPage": False, "nextCursor": None}


def test_the_filters_are_the_listings(api, dbsession, agency, consultation, clock):
    other = make_agency(dbsession, code="tax")
    closing = make_draft(dbsession, other, state="consultation", opens_at=NOW - timedelta(days=25),
                         title_fa="مالیات بر ارزش افزوده", text="مالیات")
    closed = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=60))

    def ids(query):
        return {int(c["id"]) for c in api(f"{API}/consultations?{query}").json["data"]}

    assert ids("agency=tax") == {closing.id}
    assert ids("state=closed") == {closed.id}
    assert ids("open=1") == {consultation.id, closing.id}
    assert ids("closing=1") == {closing.id}
    assert ids("q=" + quote("مالیات")) == {closing.id}
    assert ids("type=bill") == set()
    assert ids("agency=nobody") == set()


@pytest.mark.parametrize("query, parameter", [
    ("state=draft", "state"), ("type=poem", "type"), ("open=yes", "open"), ("page_size=0", "page_size"),
    ("page_size=101", "page_size"), ("page_size=ten", "page_size"), ("cursor=not-ours", "cursor"),
    ("updated_since=yesterday", "updated_since"), ("sort=title", "sort"), ("q=" + "x" * 201, "q"),
])
def test_a_filter_the_api_does_not_understand_is_a_400_in_the_requests_language(api, consultation, query,
                                                                                 parameter):
    error = api(f"{API}/consultations?{query}", status=400).json["errors"][0]
    assert error["status"] == "400" and error["source"] == {"parameter": parameter}
    assert re.search("[\u0600-\u06ff]", error["detail"])  # Persian by default
    english = api(f"{API}/consultations?{query}", status=400, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.json["errors"][0]["detail"].isascii() or "“" in english.json["errors"][0]["detail"]
    assert not re.search("[\u0600-\u06ff]", english.json["errors"][0]["detail"])
    assert english.headers["Content-Language"] == "en"


def test_keyset_paging_gives_each_consultation_once_in_either_order(api, dbsession, agency, clock):
    drafts = [make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=n % 3))
              for n in range(7)]
    for n, draft in enumerate(drafts):
        draft.updated_at = NOW - timedelta(hours=n % 2)
    dbsession.flush()
    for sort in ("-postedDate", "lastModifiedDate"):
        seen, path = [], f"{API}/consultations?page_size=3&sort={sort}"
        while path:
            page = api(path).json
            seen += [int(c["id"]) for c in page["data"]]
            path = page["links"]["next"]
            if path:
                path = path.replace("http://example.com", "")
        assert sorted(seen) == sorted(d.id for d in drafts) and len(seen) == 7
    # A cursor of one order is not one of the other.
    first = api(f"{API}/consultations?page_size=3").json
    api(f"{API}/consultations?page_size=3&sort=lastModifiedDate&cursor={first['meta']['nextCursor']}", status=400)


def test_updated_since_gives_what_changed(api, dbsession, agency, clock):
    old, new = (make_draft(dbsession, agency, state="consultation") for _ in range(2))
    old.updated_at, new.updated_at = NOW - timedelta(days=3), NOW
    dbsession.flush()
    data = api(f"{API}/consultations?sort=lastModifiedDate&updated_since=2026-11-26T00:00:00Z").json["data"]
    assert [int(c["id"]) for c in data] == [new.id]
    data = api(f"{API}/consultations?updated_since=2026-11-20T00:00:00%2B03:30").json["data"]
    assert {int(c["id"]) for c in data} == {old.id, new.id}


# --- one consultation -----------------------------------------------------------------------------------------------


def test_a_consultation_with_its_consulted_text_and_its_final_one_once_published(api, dbsession, consultation,
                                                                                    people):
    data = api(f"{API}/consultations/{consultation.id}").json["data"]
    articles = data["attributes"]["articles"]
    assert [a["number"] for a in articles["consulted"]] == ["1", "2", "3"] and articles["final"] is None
    assert data["attributes"]["summaries"]["fa"] == "خلاصه" and data["links"]["report"] is None
    publish(dbsession, consultation, people)
    data = api(f"{API}/consultations/{consultation.id}").json["data"]
    assert data["attributes"]["articles"]["final"][0]["text"] == "متن نهایی ماده ۱"
    assert data["attributes"]["articles"]["consulted"][0]["text"] == "متن ماده 1"
    assert data["attributes"]["state"] == "published" and data["links"]["report"].endswith("/report")


@pytest.mark.parametrize("suffix", ["", "/comments", "/tally", "/report"])
def test_a_draft_not_yet_opened_is_not_there(api, dbsession, agency, suffix):
    draft = make_draft(dbsession, agency, state="draft")
    error = api(f"{API}/consultations/{draft.id}{suffix}", status=404).json["errors"][0]
    assert error["status"] == "404"
    api(f"{API}/consultations/99999999999{suffix}", status=404)


def test_an_unknown_address_is_a_json_404(testapp):
    response = testapp.get(f"{API}/nothing-here", status=404)
    assert response.content_type == "application/json" and response.json["errors"][0]["status"] == "404"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- comments -------------------------------------------------------------------------------------------------------


def test_the_public_comments_and_nothing_personal(api, testapp, dbsession, consultation, people):
    response = api(f"{API}/consultations/{consultation.id}/comments")
    comments = response.json["data"]
    assert [c["attributes"]["comment"] for c in comments] == ["مهلت سی روزه کوتاه است", "نام من نباید دیده شود"]
    named, anonymous = (c["attributes"] for c in comments)
    assert (named["displayName"], named["organization"], named["articleNumber"]) == ("مریم", "انجمن صنفی", "1")
    assert (anonymous["displayName"], anonymous["anonymous"]) == (None, True)
    assert all(c["attributes"]["response"] is None for c in comments)
    for personal in ("@example.org", "رضا", "1990", "توهین", "پس گرفته شد", "email", "birth"):
        assert personal not in response.text


def test_the_responses_once_the_outcome_is_published(api, dbsession, consultation, people):
    response = publish(dbsession, consultation, people)
    comments = api(f"{API}/consultations/{consultation.id}/comments").json["data"]
    answered = comments[0]["attributes"]["response"]
    assert answered == {"responseId": str(response.id), "decision": "rejected", "reason": "قانون اجازه نمی‌دهد",
                        "legalBasis": {"law": "قانون مالیات‌های مستقیم", "article": "۱۰۰"},
                        "postedDate": "2026-11-27T10:30:00Z"}
    assert comments[1]["attributes"]["displayName"] is None


def test_the_comments_are_paged_by_cursor(api, dbsession, consultation, people):
    for n in range(5):
        make_comment(dbsession, consultation, people["reza"], body=f"نظر شماره {n} درباره پیش‌نویس",
                     created_at=NOW - timedelta(minutes=n))
    seen, path = [], f"{API}/consultations/{consultation.id}/comments?page_size=2"
    while path:
        page = api(path).json
        seen += [c["id"] for c in page["data"]]
        path = (page["links"]["next"] or "").replace("http://example.com", "")
    assert len(seen) == len(set(seen)) == 7
    api(f"{API}/consultations/{consultation.id}/comments?cursor=abc", status=400)


def test_the_tally(api, dbsession, consultation):
    data = api(f"{API}/consultations/{consultation.id}/tally").json["data"]["attributes"]
    assert data["votes"] == {"support": 1, "oppose": 1, "abstain": 0} and data["votesTotal"] == 2
    assert data["comments"] == 2
    assert sorted(data["commentsByArticle"], key=lambda r: r["articleNumber"] or "") == [
        {"articleNumber": None, "comments": 1}, {"articleNumber": "1", "comments": 1}]


# --- the report -----------------------------------------------------------------------------------------------------


def test_the_report_once_published(api, testapp, dbsession, consultation, people):
    from sqlalchemy.orm import Session

    from eparticipation.reports.models import Report
    from eparticipation.reports.services import ReportBuilder, request_build

    api(f"{API}/consultations/{consultation.id}/report", status=404)
    consultation.state, consultation.closed_at = State.closed, NOW
    request_build(dbsession, consultation, NOW)
    dbsession.flush()
    sessions = lambda: Session(bind=dbsession.connection(), join_transaction_mode="create_savepoint")  # noqa: E731
    ReportBuilder(testapp.app.registry, session_factory=sessions).drain()
    dbsession.expire_all()
    api(f"{API}/consultations/{consultation.id}/report", status=404)  # built, not published
    report = dbsession.scalar(sa.select(Report).where(Report.draft_id == consultation.id))
    report.summary, report.finalised_at, report.frozen_at = {"fa": "خلاصه", "en": "Summary"}, NOW, NOW
    consultation.state, consultation.published_at = State.published, NOW
    dbsession.flush()
    response = api(f"{API}/consultations/{consultation.id}/report")
    data = response.json["data"]["attributes"]
    assert data["suppressionThreshold"] == 5 and data["summary"]["en"] == "Summary"
    assert {t["id"] for t in data["tables"]} >= {"comments_by_article"}
    assert any(entry["title"]["en"] for entry in data["labels"])
    for personal in ("@example.org", "1990"):
        assert personal not in response.text


# --- ETag, CORS, methods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/consultations", "/agencies", "/consultations/{id}",
                                    "/consultations/{id}/comments", "/consultations/{id}/tally", "/openapi.json"])
def test_an_unchanged_answer_is_a_304(api, consultation, suffix):
    path = API + suffix.format(id=consultation.id)
    first = api(path)
    again = api(path, status=304, headers={"If-None-Match": first.headers["ETag"]})
    assert not again.body and again.headers["ETag"] == first.headers["ETag"]
    api(path, status=200, headers={"If-None-Match": '"something-else"'})


def test_a_new_comment_changes_the_etag(api, dbsession, consultation, people):
    path = f"{API}/consultations/{consultation.id}/comments"
    etag = api(path).headers["ETag"]
    make_comment(dbsession, consultation, people["maryam"], body="یک نظر تازه درباره ماده دوم")
    changed = api(path, headers={"If-None-Match": etag})
    assert changed.status_int == 200 and changed.headers["ETag"] != etag


def test_head_gives_the_headers_without_the_body(testapp, consultation):
    response = testapp.head(f"{API}/consultations/{consultation.id}/comments", status=200)
    assert not response.body and response.headers["ETag"] and response.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_for_get_and_its_preflight(api, consultation):
    for path in (f"{API}/consultations", f"{API}/consultations/{consultation.id}/comments"):
        assert api(path).headers["Access-Control-Allow-Origin"] == "*"
        preflight = api(path, status=204, method="options", headers={
            "Origin": "https://portal.example.net", "Access-Control-Request-Method": "GET"})
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
        assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert api(f"{API}/consultations?state=x", status=400).headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_api_only_reads(testapp, consultation, method):
    response = getattr(testapp, method)(f"{API}/consultations/{consultation.id}", status=405)
    assert response.json["errors"][0]["status"] == "405" and "GET" in response.headers["Allow"]


# --- the rate limit and errors --------------------------------------------------------------------------------------


def test_past_the_rate_limit_a_429_with_retry_after(api, testapp, monkeypatch, consultation):
    monkeypatch.setitem(testapp.app.registry.settings, "eparticipation.api_rate.max", "4")
    for _ in range(3):  # and the fixture's request for the document
        api(f"{API}/consultations")
    refused = api(f"{API}/consultations/{consultation.id}", status=429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert re.search("[\u0600-\u06ff]", refused.json["errors"][0]["detail"])
    english = api(f"{API}/agencies", status=429, headers={"Accept-Language": "en"}).json["errors"][0]["detail"]
    assert "at most 4" in english
    # Another client is not limited by this one's requests.
    testapp.get(f"{API}/agencies", extra_environ={"REMOTE_ADDR": "192.0.2.7"}, status=200)


def test_the_limit_may_be_counted_in_the_database_across_processes(api, testapp, dbsession, monkeypatch,
                                                                    consultation):
    from eparticipation.ratelimits import RateCounter

    monkeypatch.setitem(testapp.app.registry.settings, "eparticipation.api_rate.store", "database")
    monkeypatch.setitem(testapp.app.registry.settings, "eparticipation.api_rate.max", "3")
    for _ in range(3):
        api(f"{API}/agencies")
    assert int(api(f"{API}/agencies", status=429).headers["Retry-After"]) <= 60
    counter = dbsession.scalar(sa.select(RateCounter).where(RateCounter.action == "api"))
    assert counter.hits == 4 and counter.subject.startswith("api:")


def test_the_local_counters_forget_ended_windows():
    from eparticipation.ratelimits import LocalCounters

    counters, window = LocalCounters(capacity=2), timedelta(minutes=1)
    assert counters.hit("api", "a", window, NOW).hits == 1
    assert counters.hit("api", "a", window, NOW + timedelta(seconds=30)).hits == 2
    assert counters.hit("api", "b", window, NOW + timedelta(seconds=50)).hits == 1
    # A third subject, once a's window has ended: a is forgotten, b is kept.
    assert counters.hit("api", "c", window, NOW + timedelta(seconds=61)).hits == 1
    assert set(counters.windows) == {("api", "b"), ("api", "c")}
    assert counters.hit("api", "b", window, NOW + timedelta(seconds=70)).hits == 2
    assert counters.hit("api", "b", window, NOW + timedelta(seconds=111)).hits == 1  # its window ended


def test_an_unexpected_error_is_a_json_500(testapp, monkeypatch, consultation, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("eparticipation.api.queries.agencies", broken)
    response = testapp.get(f"{API}/agencies", status=500, headers={"Accept-Language": "en"})
    error = response.json["errors"][0]
    assert error["status"] == "500" and "went away" not in response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unreadable_input_is_a_json_400(testapp):
    response = testapp.get(f"{API}/consultations?q=%00", status=400)
    assert response.content_type == "application/json" and response.json["errors"][0]["status"] == "400"


def test_the_kept_answers_follow_each_change(api, testapp, dbsession, monkeypatch, consultation, people):
    from eparticipation.api.views import CACHE
    from eparticipation.pagecache import PageCache
    from eparticipation.participation.services import participation_changed

    monkeypatch.setitem(testapp.app.registry, CACHE, PageCache(50, 60))
    comments = f"{API}/consultations/{consultation.id}/comments"
    first = api(comments)
    make_comment(dbsession, consultation, people["maryam"], body="نظری که هنوز شمرده نشده است")
    assert api(comments).body == first.body  # kept: the consultation's participation has not moved
    assert api(comments, status=304, headers={"If-None-Match": first.headers["ETag"]}).headers["ETag"]
    participation_changed(dbsession, consultation.id)  # as every comment, edit, hiding and vote does
    assert "نظری که هنوز شمرده نشده است" in api(comments).text

    listing = f"{API}/consultations"
    before = api(listing).json
    consultation.texts["fa"].title = "عنوان تازه"
    assert api(listing).json == before
    consultation.updated_at = NOW  # as every edit and transition does
    dbsession.flush()
    assert api(listing).json["data"][0]["attributes"]["title"] == "عنوان تازه"


# --- statements: the same few, however many rows ----------------------------------------------------------------


def statements_for(testapp, query_counter, path):
    testapp.app_dbsession.expire_all()
    with query_counter() as counted:
        testapp.get(path)
    return counted.count


def test_the_lists_send_a_fixed_number_of_statements(testapp, dbsession, query_counter, agency, consultation,
                                                      people):
    paths = [f"{API}/consultations", f"{API}/consultations/{consultation.id}/comments", f"{API}/agencies"]
    few = [statements_for(testapp, query_counter, path) for path in paths]
    assert few == [1, 2, 1]  # (the consultation,) the page; the client's count is in memory
    for n in range(15):
        make_draft(dbsession, make_agency(dbsession), state="consultation")
        make_comment(dbsession, consultation, make_user(dbsession), body=f"نظر شماره {n} درباره این پیش‌نویس")
    assert [statements_for(testapp, query_counter, path) for path in paths] == few
    publish(dbsession, consultation, people)
    assert statements_for(testapp, query_counter, paths[1]) == few[1]


# --- the document and the page for people ---------------------------------------------------------------------------


def test_the_document_describes_every_view_of_the_api(app, openapi):
    from eparticipation.api.views import ALL_NAMES

    described = set(openapi["paths"])
    assert len(ALL_NAMES) == len(described)
    assert openapi["openapi"] == "3.1.0" and openapi["servers"] == [{"url": "http://example.com/api/v1"}]
    for operations in openapi["paths"].values():
        assert set(operations) == {"get", "options"}
        for name, operation in operations.items():
            assert operation["responses"] and operation["operationId"]
    jsonschema.Draft202012Validator.check_schema({"$defs": openapi["components"]["schemas"]})


@pytest.mark.parametrize("language, heading", [("fa", None), ("en", "Open data API")])
def test_the_api_page_for_people(testapp, language, heading):
    page = testapp.get(f"/api/?_LOCALE_={language}")
    assert page.html.find("html")["lang"] == language
    text = page.html.select_one("main").text if page.html.select_one("main") else page.text
    if heading:
        assert heading in text and "Regulations.gov" in text and "commentStartDate" in text
        assert "429" in text and "Retry-After" in text
    else:
        assert "commentStartDate" in text and re.search("[\u0600-\u06ff]{4}", page.html.h1.text)
    assert "/api/v1/openapi.json" in page.text
    footer = testapp.get("/").html.select_one("footer")
    assert footer.find("a", href=re.compile("/api/$"))
