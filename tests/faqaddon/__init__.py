"""A third package that extends eparticipation without editing it (tests/functional/test_page_sections.py):
its own child of every draft, /consultations/<id>/faq/, with its own view, and its own section of the draft page;
a site-wide /faq/ for everyone and a /me/faq/ page for the signed-in person.

A host includes it after eparticipation (`config.include("eparticipation")`, then `config.include("tests.faqaddon")`)
or names it in `pyramid.includes`; including eparticipation.sections first makes its directives available either way.
"""

from pyramid.view import view_config

from eparticipation.permissions import Permissions

QUESTIONS = [("Who may comment?", "Anyone; signing in is needed to send a comment.")]


class FAQ:
    """/consultations/<id>/faq/: its draft's questions; inherits the draft's ACL (it has none of its own)."""

    def __init__(self, draft):
        self.draft = draft


class SiteFAQ:
    """/faq/: the questions every consultation shares; under the Root's ACL."""

    def __init__(self, root):
        self.root = root


class MyQuestions:
    """/me/faq/: the signed-in person's own questions; under /me/'s ACL (signed-in people only)."""

    def __init__(self, me):
        self.me = me


@view_config(context=SiteFAQ, renderer="json", permission=Permissions.SiteView)
def site_faq(context, request):
    return {"questions": [q for q, _ in QUESTIONS]}


@view_config(context=MyQuestions, renderer="json", permission=Permissions.AccountSelf)
def my_questions(context, request):
    return {"asked_by": request.identity.id, "questions": []}


def faq_data(draft, request) -> dict:
    return {"faq_url": request.resource_url(draft, "faq", ""), "questions": QUESTIONS}


@view_config(context=FAQ, renderer="json", permission=Permissions.DraftView)
def faq(context, request):
    return {"draft": context.draft.id, "questions": [{"question": q, "answer": a} for q, a in QUESTIONS]}


def includeme(config):
    config.include("eparticipation.sections")
    config.add_draft_child("faq", FAQ)
    config.add_root_child("faq", SiteFAQ)
    config.add_me_child("faq", MyQuestions)
    # After the timeline (10) and before the calls (20); in every state, for whoever sees the draft.
    config.add_draft_section("faq", "tests.faqaddon:templates/faq_section.jinja2", order=15, data=faq_data)
    config.scan("tests.faqaddon")
