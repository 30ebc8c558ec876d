"""The editors' work page (answer comments, one or many at a time), each response with its history, and the
public outcome: "what we heard and what we did"."""

import deform
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from eparticipation import search
from eparticipation.consultations import draft_url
from eparticipation.consultations.models import Draft, State
from eparticipation.consultations.views import presentation
from eparticipation.forms import FormView, keyset_param
from eparticipation.i18n import _, flash, localize_digits
from eparticipation.inputs import integer_param, integers_param
from eparticipation.participation.schemas import HIDING_LABELS
from eparticipation.permissions import Permissions
from eparticipation.responses import services
from eparticipation.responses.models import Decision, Response
from eparticipation.responses.resources import ResponseContainer
from eparticipation.responses.schemas import DECISION_LABELS, ResponseSchema


def work_filters(params) -> services.WorkFilters:
    filters = services.WorkFilters(
        article=(params.get("article") or "").strip()[:20],
        campaign=params.get("campaign") == "1",
        q=(params.get("q") or "").strip()[:200],
        unanswered=params.get("all") != "1",
    )
    # A search's pages are ranked, so its next-page link carries the last comment's score as well as its id.
    if filters.search.usable:
        filters.search_after = search.parse_cursor((params.get("after") or "")[:80])
    else:
        filters.after = integer_param(params, "after")
    return filters


def responses_url(request, draft, *elements, **query):
    return request.resource_url(request.root, "consultations", str(draft.id), "responses", *elements,
                                query={k: v for k, v in query.items() if v not in (None, "", False)} or None)


@view_config(context=ResponseContainer, renderer="responses/work.jinja2", request_method="GET",
             permission=Permissions.ResponseHistory)
@view_config(context=ResponseContainer, renderer="responses/work.jinja2", request_method="POST",
             permission=Permissions.ResponseWrite)
class WorkView(FormView):
    """GET: the progress per article and the comments to answer. POST: one response to the chosen comments."""

    schema = ResponseSchema
    formid = "respond"
    buttons = (("respond", _("Answer the chosen comments")),)

    @property
    def draft(self) -> Draft:
        return self.context.draft

    def chosen(self) -> list[int]:
        return integers_param(self.request.POST, "comment")

    def page(self, rendered_form, choice_error=None, **extra):
        request, draft = self.request, self.draft
        filters = work_filters(request.params)
        can_write = request.has_permission(Permissions.ResponseWrite, self.context)
        if request.method == "POST" and choice_error is None and not self.chosen():
            choice_error = _("Choose at least one comment to answer.")
        return {
            **presentation(request),
            "draft": draft,
            "form": rendered_form if can_write else None,
            "can_write": can_write,
            "choice_error": choice_error,
            "chosen": set(self.chosen()) if request.method == "POST" else set(),
            "filters": filters,
            "search_problem": filters.search.problem,
            "progress": services.progress_by_article(request.dbsession, draft),
            "missing": services.unanswered_count(request.dbsession, draft),
            "page": services.work_page(request.dbsession, draft, filters),
            "decision_labels": DECISION_LABELS,
            "responses_url": lambda *elements, **query: responses_url(request, draft, *elements, **query),
            **extra,
        }

    def save(self, appstruct):
        request = self.request
        try:
            response = services.respond(request, self.draft, self.chosen(), Decision(appstruct["decision"]),
                                        appstruct["reason"], appstruct["legal_basis_law"],
                                        appstruct["legal_basis_article"])
        except services.Refused as refusal:
            request.response.status_int = 400
            form = self.form()
            return self.page(form.render(appstruct), choice_error=refusal.message)
        flash(request, _("The response is saved for ${count} comments.", mapping={"count": len(response.covered)}))
        return HTTPSeeOther(request.path_qs)


@view_config(context=Response, renderer="responses/response.jinja2", request_method="GET",
             permission=Permissions.ResponseHistory)
@view_config(context=Response, renderer="responses/response.jinja2", request_method="POST",
             permission=Permissions.ResponseWrite)
class ResponseView(FormView):
    """A response: the comments it answers, its wording now, and every earlier wording with what changed."""

    schema = ResponseSchema
    formid = "revise"
    buttons = (("revise", _("Save a new revision")),)

    @property
    def draft(self) -> Draft:
        return self.context.__parent__.draft

    def appstruct(self):
        return {key: value or "" for key, value in self.context.current.as_dict().items()}

    def page(self, rendered_form, **extra):
        request, response = self.request, self.context
        comments = services.comments_of(request.dbsession, response)
        revisions = response.revisions
        history = [(revision, services.changes_between(previous, revision) if previous else [])
                   for previous, revision in zip([None, *revisions], revisions)]
        changed = services.changed_articles(request.dbsession, self.draft).get(response.id, [])
        return {
            **presentation(request),
            "draft": self.draft,
            "response": response,
            "comments": comments,
            "changed_numbers": changed,
            "changes_form": (self.draft.state == State.closed
                             and response.current.decision in services.CHANGING_DECISIONS
                             and request.has_permission(Permissions.ResponseWrite, response)),
            "history": list(reversed(history)),
            "form": rendered_form if request.has_permission(Permissions.ResponseWrite, response) else None,
            "decision_labels": DECISION_LABELS,
            "hiding_labels": HIDING_LABELS,
            "responses_url": lambda *elements, **query: responses_url(request, self.draft, *elements, **query),
            **extra,
        }

    def save(self, appstruct):
        request = self.request
        try:
            revision = services.revise(request, self.draft, self.context, Decision(appstruct["decision"]),
                                       appstruct["reason"], appstruct["legal_basis_law"],
                                       appstruct["legal_basis_article"])
        except services.Refused as refusal:
            request.response.status_int = 400
            return self.page(self.form().render(appstruct), error=refusal.message)
        if revision is None:
            flash(request, _("Nothing was changed, so no revision was added."), "info")
        else:
            flash(request, _("Revision ${number} is saved; the earlier ones are kept.",
                             mapping={"number": revision.number}))
        return HTTPSeeOther(request.resource_url(self.context))


@view_config(context=Response, name="changes", request_method="POST", permission=Permissions.ResponseWrite)
def record_changes(context, request):
    """The articles of the final text this response changed (checkboxes of the response page)."""
    draft = context.__parent__.draft
    ids = integers_param(request.POST, "article")  # not a number: a translated 400 (inputs.BadParameter)
    try:
        numbers = services.set_changed_articles(request, draft, context, ids)
    except services.Refused as refusal:
        view = ResponseView(context, request)
        page = view.page(view.form().render(view.appstruct()), error=refusal.message)
        answer = render_to_response("responses/response.jinja2", page, request=request)
        answer.status_int = 400
        return answer
    if numbers:
        separator = "، " if request.locale_name == "fa" else ", "
        flash(request, _("Recorded: this response changed articles ${numbers} of the final text.",
                         mapping={"numbers": localize_digits(separator.join(numbers), request.locale_name)}))
    else:
        flash(request, _("Recorded: this response changed no article of the final text."))
    return HTTPSeeOther(request.resource_url(context, anchor="changes-heading"))


@view_config(context=Draft, name="outcome", renderer="responses/outcome.jinja2", permission=Permissions.ResponseView)
def outcome(context, request):
    """What we heard and what we did: counts by decision, then every visible comment with its response."""
    article = (request.params.get("article") or "").strip()[:20]
    mine = request.params.get("mine") == "1" and request.identity is not None
    rows, next_after = services.outcome_page(request.dbsession, context, article,
                                             keyset_param(request, "after"),
                                             author_id=request.identity.id if mine else None)
    return {
        "mine": mine,
        **presentation(request),
        "draft": context,
        "published": context.state == State.published,
        "counts": services.decision_counts(request.dbsession, context),
        "rows": rows,
        "changed": services.changed_articles(request.dbsession, context),
        "article": article,
        "next_after": next_after,
        "decision_labels": DECISION_LABELS,
    }
