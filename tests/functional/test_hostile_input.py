"""No input gets a 5xx (property-based): every view the application registers is sent generated hostile values
(NUL, lone surrogates, bidi overrides, huge numbers, digits of other scripts, very long text, SQL and HTML
metacharacters) in each form field and query parameter it is known to read, as an anonymous visitor, a citizen,
an agency editor and an administrator.

The views come from Pyramid's introspector; each view's context has an address in a small world of rows (a test
fails when a view's context has none, so a new kind of page cannot be left out). The fields come from the pages
themselves: each page is rendered for each person and its forms and links are read, so what is sent is what a
browser could send, with the values swapped for hostile ones (the CSRF token kept, or nothing would get past it).

EPARTICIPATION_HOSTILE_EXAMPLES sets how many requests each view gets (2 by default; try 50 for a longer run).
"""

import os
from datetime import timedelta
from urllib.parse import quote, urlsplit, parse_qsl

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from eparticipation.certificates import services as certificates
from eparticipation.certificates.models import Certificate
from eparticipation.consultations.models import DocumentType
from eparticipation.feedback.models import Service
from eparticipation.participation.models import Comment
from eparticipation.planning.models import PlanEntry, PlanState
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision
from eparticipation.surveys.models import Question, QuestionKind, Survey

from ..conftest import NOW, TestApp
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user

EXAMPLES_PER_VIEW = int(os.environ.get("EPARTICIPATION_HOSTILE_EXAMPLES", "2"))
HOST = "http://example.com"
STRUCTURE = {"csrf_token", "__start__", "__end__", "_charset_", "__formid__"}
# Query parameters views read without a form or link on a page necessarily showing them.
COMMON_PARAMS = ["q", "after", "before", "_LOCALE_", "article", "sort", "lang", "id", "page"]
# Signing out would end the rest of the run's requests as that person; it reads no input.
SKIPPED_VIEWS = {"logout"}

HOSTILE_VALUES = [
    "\x00", "a\x00b", "\ud800", "x\udfffy", "\u202eevil", "\u2067\u202d", "9" * 40, str(2**63), "-1", "0", "²",
    "۱۲", "١٢", "१२", "1e308", "NaN", "'; DROP TABLE users; --", "' OR '1'='1", "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>', "%00", "%ff", "../../../etc/passwd", "=cmd|' /C calc'!A0", "x" * 5000,
    "ی" * 20000, "", " ", "\r\n", "2026-12-20", "9999-99-99", "۱۴۰۵/۱۳/۴۰", "0000-00-00", "\ufeff", "\ufffd",
]
hostile = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.text(st.characters(blacklist_categories=()), max_size=40),  # any code point, surrogates included
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.builds(lambda value, times: value * times, st.sampled_from(HOSTILE_VALUES[:12]), st.integers(1, 300)),
)
KEEP = object()


def encoded(value: str) -> str:
    """Percent-encoded as a hostile client would send it: lone surrogates as their (invalid) UTF-8 bytes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def urlencoded(pairs) -> str:
    return "&".join(f"{encoded(name)}={encoded(value)}" for name, value in pairs)


def multipart(pairs, boundary="hostile-boundary") -> bytes:
    body = b""
    for name, value in pairs:
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n').encode() + \
            value.encode("utf-8", "surrogatepass") + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


@pytest.fixture
def world(app, dbsession):
    agency = make_agency(dbsession, code="tax")
    people = {
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam"),
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency),
                                                                          ("coordinator", agency)]),
        "admin": make_user(dbsession, email="admin@example.org", grants=[("admin", None)]),
    }
    bystander = make_user(dbsession, email="bystander@example.org")  # the admin's pages about someone
    drafts = {
        "draft": make_draft(dbsession, agency),
        "open": make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                           closes_at=NOW + timedelta(days=28)),
        "closed": make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                             closes_at=NOW - timedelta(days=5)),
    }
    questions = {}
    for name in ("draft", "open"):
        survey = Survey(draft_id=drafts[name].id, created_at=NOW)
        survey.questions = [
            Question(position=1, kind=QuestionKind.single_choice, required=True, texts={"fa": "؟", "en": "?"},
                     options=[{"fa": "بله", "en": "Yes"}, {"fa": "خیر", "en": "No"}]),
            Question(position=2, kind=QuestionKind.text, texts={"fa": "پیشنهاد؟", "en": "Suggestion?"}),
        ]
        dbsession.add(survey)
        dbsession.flush()
        questions[name] = survey.questions[0]
    comment = make_comment(dbsession, drafts["open"], people["citizen"])
    closed_comment = make_comment(dbsession, drafts["closed"], people["citizen"])
    response = Response(draft_id=drafts["closed"].id, created_by_id=people["editor"].id, created_at=NOW)
    response.covered = [ResponseComment(comment_id=closed_comment.id)]
    response.revisions = [ResponseRevision(number=1, decision=Decision.noted, reason="دیده شد",
                                           author_id=people["editor"].id, written_at=NOW)]
    dbsession.add(response)
    make_final_report(dbsession, drafts["closed"])
    service = Service(agency_id=agency.id, name_fa="صدور پروانه", name_en="Permits")
    entry = PlanEntry(agency_id=agency.id, year=1405, quarter=4, title_fa="آیین‌نامه مالیات", title_en="Tax bylaw",
                      document_type=DocumentType.bylaw, reason="برای ساده کردن پرداخت", state=PlanState.published,
                      published_at=NOW - timedelta(days=10), created_at=NOW, updated_at=NOW)
    dbsession.add_all([service, entry])
    dbsession.flush()
    # The citizen's certificate of the closed consultation: its page, its downloads and its revocation.
    certificates.issue_for_draft(dbsession, app.registry["certificate_signer"], drafts["closed"], HOST, NOW)
    certificate = dbsession.scalars(sa.select(Certificate).where(Certificate.draft_id == drafts["closed"].id)).one()
    return {"drafts": drafts, "questions": questions, "comment": comment, "response": response,
            "service": service, "bystander": bystander, "entry": entry, "certificate": certificate}


def context_paths(world) -> dict[str, list[str]]:
    """Each traversal context that has views, by class name: the addresses of its instances in the world."""
    d, q = world["drafts"], world["questions"]
    draft_paths = [f"/consultations/{draft.id}/" for draft in d.values()]
    return {
        "Root": ["/"],
        "AdminArea": ["/admin/"],
        "AgencyContainer": ["/agencies/"],
        "Agency": ["/agencies/tax/"],
        "ServiceContainer": ["/agencies/tax/services/"],
        "Service": [f"/agencies/tax/services/{world['service'].id}/"],
        "ConsultationContainer": ["/consultations/"],
        "Draft": draft_paths,
        "ArticleContainer": [f"/consultations/{d['draft'].id}/articles/"],
        "Article": [f"/consultations/{d['draft'].id}/articles/1/", f"/consultations/{d['open'].id}/articles/1/"],
        "CommentContainer": [f"/consultations/{d['open'].id}/comments/"],
        "Comment": [f"/consultations/{d['open'].id}/comments/{world['comment'].id}/"],
        "VoteBox": [f"/consultations/{d['open'].id}/votes/"],
        "SurveyResource": [f"/consultations/{d['draft'].id}/survey/", f"/consultations/{d['open'].id}/survey/"],
        "QuestionContainer": [f"/consultations/{d['draft'].id}/survey/questions/"],
        "Question": [f"/consultations/{d[name].id}/survey/questions/{q[name].id}/" for name in ("draft", "open")],
        "ResponseContainer": [f"/consultations/{d['closed'].id}/responses/"],
        "Response": [f"/consultations/{d['closed'].id}/responses/{world['response'].id}/"],
        "DraftReport": [f"/consultations/{d['closed'].id}/report/"],
        "Me": ["/me/"],
        "SecuritySettings": ["/me/security/"],
        "MySubscriptions": ["/me/subscriptions/"],
        "SubscriptionsArea": ["/subscriptions/"],
        "UserContainer": ["/admin/users/"],
        "UserResource": [f"/admin/users/{world['bystander'].id}/"],
        "AuditArea": ["/audit/"],
        "AuditCheckpoints": ["/audit/checkpoints/"],
        "AuditedDraft": [f"/audit/drafts/{d['closed'].id}/"],
        "EmbedPage": ["/embed/tax/"],
        "Feeds": ["/feeds/", "/feeds/tax/"],
        "ApiRoot": ["/api/"],
        "ApiV1": ["/api/v1/"],
        "ApiAgencies": ["/api/v1/agencies/"],
        "ApiConsultations": ["/api/v1/consultations/"],
        "ApiConsultation": [f"/api/v1/consultations/{d['closed'].id}/", f"/api/v1/consultations/{d['open'].id}/"],
        "SitePlan": ["/plan/"],
        "AgencyPlan": ["/agencies/tax/plan/"],
        "PlanEntry": [f"/agencies/tax/plan/{world['entry'].id}/"],
        "CertificatesArea": ["/certificates/"],
        "CertificatePlace": [f"/certificates/{world['certificate'].code}/", "/certificates/ABCDEFGH2345/"],
        "MyCertificates": ["/me/certificates/"],
        "MyPoints": ["/me/points/"],
        "Leaderboard": ["/leaderboard/", "/leaderboard/tax/"],
        "PointsReview": ["/points-review/", "/agencies/tax/points-review/"],
        "ThankYouPage": ["/agencies/tax/thanks/"],
        "OversightArea": ["/oversight/"],
        "TransparencyArea": ["/transparency/"],
    }


def registered_views(app):
    """(context class name, view name, methods) of every view of the application, from Pyramid's introspector."""
    views = set()
    for view in app.registry.introspector.get_category("views"):
        intr = view["introspectable"]
        if intr["exception_only"] or not getattr(intr["callable"], "__module__", "").startswith("eparticipation"):
            continue
        methods = intr["request_methods"]
        methods = ("GET", "POST") if methods is None else (methods,) if isinstance(methods, str) else methods
        context = intr["context"]
        views |= {(getattr(context, "__name__", str(context)), intr["name"], method) for method in methods
                  if method in ("GET", "POST")}
    return sorted(views)


class Seen:
    """What the pages showed each person: forms by the path they are sent to, query names by the path they go to."""

    def __init__(self):
        self.forms = {}  # (role, path) -> [(method, enctype, [(name, value)], [buttons])]
        self.query_names = {}  # path -> {names}
        self.tokens = {}  # role -> CSRF token

    def read(self, role, page):
        if "html" not in (page.content_type or ""):
            return
        for form in page.forms.values():
            action = urlsplit(form.action or page.request.path)
            fields, buttons = [], []
            for name, found in form.fields.items():
                for field in found:
                    if not name:
                        continue
                    if field.__class__.__name__ == "Submit":
                        buttons.append(name)
                    else:  # an unticked box or a file field sends its name too: a hostile client may
                        fields.append((name, field.value if isinstance(field.value, str) else ""))
            self.forms.setdefault((role, action.path), []).append(
                (form.method.upper(), form.enctype, fields, buttons))
            for name, value in fields:
                if name == "csrf_token" and value:
                    self.tokens[role] = value
            if form.method.upper() == "GET":
                self.query_names.setdefault(action.path, set()).update(name for name, _ in fields)
        for link in page.html.find_all("a", href=True):
            address = urlsplit(link["href"])
            if address.query and address.netloc in ("", "example.com"):
                self.query_names.setdefault(address.path, set()).update(n for n, _ in parse_qsl(address.query))


def people_apps(app, testapp):
    apps = {}
    for role in ("anonymous", "citizen", "editor", "admin"):
        person = TestApp(app, extra_environ=dict(testapp.extra_environ))
        if role != "anonymous":
            person.login(f"{role}@example.org")
        apps[role] = person
    return apps


def test_every_view_s_context_has_an_address(app, world):
    missing = {context for context, _, _ in registered_views(app)} - set(context_paths(world))
    assert not missing, f"give these contexts an address in the world: {missing}"


def test_hostile_input_never_gets_a_5xx(app, testapp, world):
    apps = people_apps(app, testapp)
    paths = context_paths(world)
    targets = [(path + name, method) for context, name, method in registered_views(app) if name not in SKIPPED_VIEWS
               for path in paths[context]]
    seen = Seen()
    for role, person in apps.items():
        for page_path in sorted({path for path, method in targets if method == "GET"}):
            seen.read(role, person.get(page_path, status="*", expect_errors=True))
        seen.tokens.setdefault(role, person.get_csrf_token("/login") if role == "anonymous" else "")
    answered, failures = [], []

    def send(role, path, method, pairs, enctype):
        person = apps[role]
        if method == "GET":
            query = urlencoded(pairs)
            response = person.get(path + ("?" + query if query else ""), status="*", expect_errors=True)
        else:
            if enctype == "multipart/form-data":
                body, content_type = multipart(pairs), "multipart/form-data; boundary=hostile-boundary"
            else:
                body, content_type = urlencoded(pairs).encode("ascii"), "application/x-www-form-urlencoded"
            # The body as bytes, past WebTest's own parsing of what it is given.
            response = person.request(path, method="POST", body=body, headers={"Content-Type": content_type},
                                      status="*", expect_errors=True)
        answered.append(response.status_int)
        return response

    for path, method in targets:
        candidates = {}
        for role in apps:
            forms = [form for form in seen.forms.get((role, path), []) if form[0] == method]
            if method == "POST" and not forms:  # a form another person saw, or the common names
                forms = [form for (other, action), found in seen.forms.items() if action == path
                         for form in found if form[0] == "POST"] or [
                    ("POST", "application/x-www-form-urlencoded", [(n, "") for n in COMMON_PARAMS], [])]
            if method == "GET":
                names = sorted(seen.query_names.get(path, set()) | set(COMMON_PARAMS))
                forms = forms or [("GET", "", [], [])]
                forms = [(m, e, [(n, v) for n, v in fields] + [(n, "") for n in names], b) for m, e, fields, b in forms]
            candidates[role] = forms

        @settings(max_examples=EXAMPLES_PER_VIEW, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def one_request(data):
            role = data.draw(st.sampled_from(sorted(candidates)))
            _, enctype, fields, buttons = data.draw(st.sampled_from(candidates[role]))
            pairs = []
            for name, value in fields:
                if name == "csrf_token":
                    pairs.append((name, seen.tokens.get(role) or value))
                elif name in STRUCTURE:
                    pairs.append((name, value))
                else:
                    chosen = data.draw(st.one_of(st.just(KEEP), hostile), label=name)
                    pairs.append((name, value if chosen is KEEP else chosen))
            if buttons:
                pairs.append((data.draw(st.sampled_from(buttons)), ""))
            response = send(role, path, method, pairs, enctype)
            if response.status_int >= 500:
                failures.append((role, method, path, pairs, response.status_int))
            assert response.status_int < 500, (role, method, path, [(n, v[:60]) for n, v in pairs])

        one_request()

    print(f"\nhostile input: {len(answered)} requests to {len(targets)} views, "
          f"{sum(status >= 500 for status in answered)} answered 5xx")
    assert answered and not failures
