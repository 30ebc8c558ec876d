"""Default deny (DESIGN §3): every resource of the traversal tree ends its ACL in DENY_ALL, so a grant given
higher up (an administrator's, on the site) never reaches below; only the parts of a draft take their draft's
ACL, which ends in DENY_ALL itself. And what each role is meant to do still works."""

import pytest
import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, ACLHelper, Authenticated, Everyone
from pyramid.interfaces import IExceptionResponse
from pyramid.location import lineage
from pyramid.testing import DummyRequest

from eparticipation.consultations.models import Draft
from eparticipation.permissions import Permissions
from eparticipation.planning.models import PlanEntry, PlanState
from eparticipation.resources import Root
from eparticipation.security import agency_principal, role_principal
from eparticipation.surveys.models import Question, QuestionKind, Survey

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_user


def own_acl(resource):
    acl = getattr(resource, "__acl__", None)
    if acl is None:
        return None
    return list(acl() if callable(acl) else acl)


def one_of_each(dbsession, registry):
    """One resource of every kind in the tree, reached by traversal from the Root as a request would (the
    drafts' and agencies' children are the registry's: config.add_draft_child)."""
    from eparticipation.feedback.models import Service
    from eparticipation.responses.models import Response

    agency = make_agency(dbsession, code="mefa")
    citizen = make_user(dbsession)
    draft = make_draft(dbsession, agency, state="consultation")
    comment = make_comment(dbsession, draft, citizen)
    survey = Survey(draft_id=draft.id, created_at=NOW)
    survey.questions = [Question(position=1, kind=QuestionKind.text, texts={"fa": "چرا؟", "en": "Why?"})]
    service = Service(agency_id=agency.id, name_fa="خدمت", name_en="A service")
    response = Response(draft_id=draft.id, created_by_id=citizen.id, created_at=NOW)
    entry = PlanEntry(agency_id=agency.id, year=1405, quarter=4, title_fa="برنامه", document_type="bylaw",
                      state=PlanState.published, published_at=NOW)
    dbsession.add_all([survey, service, response, entry])
    dbsession.flush()

    request = DummyRequest(dbsession=dbsession, now=NOW, api_connection=dbsession.connection())
    request.registry = registry
    root = Root(request)
    paths = [
        (), ("agencies",), ("agencies", "mefa"), ("agencies", "mefa", "services"),
        ("agencies", "mefa", "services", str(service.id)),
        ("agencies", "mefa", "plan"), ("agencies", "mefa", "plan", str(entry.id)), ("plan",),
        ("consultations",), ("consultations", str(draft.id)),
        ("consultations", str(draft.id), "articles"), ("consultations", str(draft.id), "articles", "1"),
        ("consultations", str(draft.id), "comments"), ("consultations", str(draft.id), "comments", str(comment.id)),
        ("consultations", str(draft.id), "votes"),
        ("consultations", str(draft.id), "survey"), ("consultations", str(draft.id), "survey", "questions"),
        ("consultations", str(draft.id), "survey", "questions", str(survey.questions[0].id)),
        ("consultations", str(draft.id), "report"),
        ("consultations", str(draft.id), "responses"), ("consultations", str(draft.id), "responses", str(response.id)),
        ("me",), ("me", "security"), ("me", "subscriptions"), ("me", "certificates"),
        ("certificates",), ("certificates", "ABCDEFGH2345"),
        ("me", "points"), ("leaderboard",), ("leaderboard", "mefa"), ("points-review",),
        ("agencies", "mefa", "points-review"), ("agencies", "mefa", "thanks"), ("subscriptions",), ("admin",), ("admin", "users"), ("admin", "users", str(citizen.id)),
        ("audit",), ("audit", "drafts"), ("audit", "drafts", str(draft.id)), ("audit", "checkpoints"),
        ("oversight",), ("transparency",),
        ("embed",), ("embed", "mefa"),
        ("feeds",), ("feeds", "mefa"),
        ("api",), ("api", "v1"), ("api", "v1", "agencies"), ("api", "v1", "consultations"),
        ("api", "v1", "consultations", str(draft.id)),
    ]
    resources = []
    for path in paths:
        node = root
        for name in path:
            node = node[name]
        resources.append(node)
    return resources


def view_contexts(app) -> set[type]:
    """Every class a view of the application is registered for (its exception views aside)."""
    contexts = set()
    for view in app.registry.introspector.get_category("views"):
        context = view["introspectable"]["context"]
        if isinstance(context, type) and not issubclass(context, BaseException) \
                and not IExceptionResponse.implementedBy(context):
            contexts.add(context)
    return contexts


def test_every_resource_of_the_tree_ends_in_deny_all_or_takes_its_drafts(app, dbsession):
    resources = one_of_each(dbsession, app.registry)
    assert view_contexts(app) <= {type(resource) for resource in resources}, "a resource kind is not checked"
    for resource in resources:
        above = list(lineage(resource))[1:]
        if any(isinstance(node, Draft) for node in above):
            # A part of a draft: the first ACL that closes the chain above it is its draft's.
            closing = next(node for node in lineage(resource) if (own_acl(node) or [None])[-1] == DENY_ALL)
            assert isinstance(closing, Draft), type(resource).__name__
        else:
            acl = own_acl(resource)
            assert acl and acl[-1] == DENY_ALL, type(resource).__name__


def test_an_administrators_grants_reach_no_agency_draft(app, dbsession):
    """What an administrator may do anywhere is listed: no draft, comment or response of an agency."""
    admin = [Everyone, Authenticated, "u:1", role_principal("admin")]
    resources = one_of_each(dbsession, app.registry)
    for resource in resources:
        for permission in (Permissions.DraftAdd, Permissions.DraftEdit, Permissions.ResponseWrite,
                           Permissions.CommentModerate, Permissions.ReportEdit):
            assert not ACLHelper().permits(resource, admin, permission), (type(resource).__name__, permission)


def test_an_agency_grant_matches_that_agency_only(app, dbsession):
    resources = one_of_each(dbsession, app.registry)
    agency = resources[2]
    other_editor = [Everyone, Authenticated, "u:2", agency_principal(agency.id + 1000, "editor")]
    own_editor = [Everyone, Authenticated, "u:3", agency_principal(agency.id, "editor")]
    assert ACLHelper().permits(agency, own_editor, Permissions.DraftAdd)
    assert not ACLHelper().permits(agency, other_editor, Permissions.DraftAdd)
    assert not ACLHelper().permits(agency, other_editor, Permissions.AgencyStaff)


# --- what each role is meant to do, through the pages --------------------------------------------------------


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="mefa")


def test_an_administrator_without_an_agency_role_cannot_write_a_draft(en, dbsession, agency):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    page = en.get("/agencies/mefa/")
    assert "/agencies/mefa/new-draft" not in page.text
    page = en.get("/agencies/mefa/new-draft", status=403)
    assert "Your account does not have permission to see this page." in page.text
    token = en.get_csrf_token("/me/edit")
    en.post("/agencies/mefa/new-draft", {"csrf_token": token, "save": "save"}, status=403)
    assert dbsession.scalar(sa.select(sa.func.count(Draft.id))) == 0


def test_the_refusal_is_in_persian_too(testapp, dbsession, agency):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    testapp.login("admin@example.org")
    page = testapp.get("/agencies/mefa/new-draft", status=403)
    assert page.html.find("html")["lang"] == "fa"
    assert "Your account does not have permission" not in page.text


def test_the_agencys_editor_still_writes_its_drafts(en, dbsession, agency):
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    en.login("editor@example.org")
    assert "/agencies/mefa/new-draft" in en.get("/agencies/mefa/").text
    en.get("/agencies/mefa/new-draft", status=200)


def test_an_administrator_still_administers_people_agencies_and_queues(en, dbsession, agency):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    for path in ("/admin/", "/admin/users/", "/admin/outbox", "/admin/reports", "/admin/syndication", "/agencies/add",
                 "/agencies/mefa/edit", "/agencies/mefa/add-unit", "/agencies/mefa/staff", "/audit/"):
        en.get(path, status=200)
    header = en.get("/").html.select_one("header").text
    assert "Administration" in header and "Audit" in header


@pytest.mark.parametrize("path", ["/audit/", "/agencies/mefa/staff"])
def test_an_auditor_still_reads(en, dbsession, agency, path):
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    en.login("auditor@example.org")
    en.get(path, status=200)


@pytest.mark.parametrize("path", ["/admin/", "/admin/users/", "/admin/syndication", "/agencies/add",
                                  "/agencies/mefa/edit"])
def test_an_auditor_administers_nothing(en, dbsession, agency, path):
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    en.login("auditor@example.org")
    en.get(path, status=403)


# --- the open-data API: what is not public is not there, whoever asks ------------------------------------------


def test_the_api_shows_no_agency_its_unopened_drafts_nor_anyone_unpublished_responses(en, dbsession, agency):
    """The API answers everyone the same: a coordinator signed in gets no more of it than a visitor (the draft
    not yet opened is a 404, the report and the responses wait for publication)."""
    from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

    coordinator = make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    unopened = make_draft(dbsession, agency, state="draft")
    closed = make_draft(dbsession, agency, state="closed")
    comment = make_comment(dbsession, closed, make_user(dbsession))
    response = Response(draft_id=closed.id, created_by_id=coordinator.id, created_at=NOW)
    response.covered = [ResponseComment(comment_id=comment.id)]
    response.revisions = [ResponseRevision(number=1, decision=Decision.noted, reason="در دست بررسی",
                                           author_id=coordinator.id, written_at=NOW)]
    dbsession.add(response)
    dbsession.flush()
    en.login("coordinator@example.org")
    en.get(f"/consultations/{unopened.id}/", status=200)  # the coordinator's own page shows it
    for path in ("", "/comments", "/tally", "/report"):
        en.get(f"/api/v1/consultations/{unopened.id}{path}", status=404)
    en.get(f"/api/v1/consultations/{closed.id}/report", status=404)
    listed = en.get(f"/api/v1/consultations/{closed.id}/comments").json["data"]
    assert [c["attributes"]["response"] for c in listed] == [None]
    assert "در دست بررسی" not in en.get(f"/api/v1/consultations/{closed.id}/comments").text
    assert [c["id"] for c in en.get("/api/v1/consultations").json["data"]] == [str(closed.id)]
