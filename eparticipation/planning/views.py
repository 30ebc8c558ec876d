"""Pages of the forward plan.

    /plan/                                  every agency's published entries for the coming four quarters (public)
    /agencies/<code>/plan/                  the agency's published entries of a Jalali year, by quarter and type
    /agencies/<code>/plan/add               a new entry (PlanEdit: the agency's editors and coordinators)
    /agencies/<code>/plan/<id>/             the entry: its intent, status, comments; its draft once linked
    /agencies/<code>/plan/<id>/edit|publish|withdraw      (PlanEdit)
    /agencies/<code>/plan/<id>/comment      comment on the intent (PlanComment); …/hide (PlanModerate)
    /agencies/<code>/plan/<id>/follow|unfollow            (PlanFollow)
    /agencies/<code>/new-draft?plan=<id>    the new-draft form filled in from the entry, which it links
"""

import deform
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from eparticipation import ratelimits
from eparticipation.agencies.models import Agency
from eparticipation.audit import record
from eparticipation.consultations import draft_url
from eparticipation.consultations.models import DocumentType
from eparticipation.consultations.views import DraftAddView
from eparticipation.forms import FormView, chosen_id
from eparticipation.i18n import LANGUAGE_LABELS, _, flash
from eparticipation.permissions import Permissions
from eparticipation.planning import services
from eparticipation.planning.models import AgencyPlan, PlanComment, PlanEntry, PlanState, SitePlan
from eparticipation.planning.schemas import (
    DOCUMENT_TYPE_LABELS,
    QUARTER_LABELS,
    CommentSchema,
    EntrySchema,
    HideSchema,
    PublishSchema,
    WithdrawSchema,
)

STATE_LABELS = {
    PlanState.draft: _("Not yet published"),
    PlanState.published: _("Announced"),
    PlanState.withdrawn: _("Withdrawn"),
}
FIELDS = ("title_fa", "title_en", "document_type", "year", "quarter", "drafting_unit_id", "reason")


def entry_url(request, entry, *elements, query=None):
    return request.resource_url(request.root, "agencies", entry.agency.code, "plan", str(entry.id),
                                *(elements or ("",)), query=query)


def presentation(request):
    return {
        "type_labels": DOCUMENT_TYPE_LABELS,
        "quarter_labels": QUARTER_LABELS,
        "plan_state_labels": STATE_LABELS,
        "entry_url": lambda entry, *elements: entry_url(request, entry, *elements),
        "draft_url": lambda draft: draft_url(request, draft),
    }


def refusal(request, message, status, retry_after=None):
    from pyramid.renderers import render_to_response

    request.response.status_int = status
    if retry_after is not None:
        ratelimits.retry_after(request.response, retry_after)
    return render_to_response("site/error.jinja2", {"title": _("Not accepted"), "message": message},
                              request=request, response=request.response)


# --- reading --------------------------------------------------------------------------------------------------


@view_config(context=AgencyPlan, renderer="planning/agency.jinja2", permission=Permissions.SiteView)
def agency_plan(context, request):
    dbsession, agency = request.dbsession, context.agency
    current_year, _quarter = services.jalali_quarter(request.now)
    filters = services.PlanFilters.from_params(request.params, current_year)
    entries = services.agency_entries(dbsession, agency.id, filters)
    can_edit = request.has_permission(Permissions.PlanEdit, context)
    unpublished = services.agency_entries(dbsession, agency.id, services.PlanFilters(), (PlanState.draft,)) \
        if can_edit else []
    years = sorted(set(services.years_of(dbsession, agency.id)) | {current_year, current_year + 1, filters.year})
    return {
        "agency": agency,
        "entries": entries,
        "unpublished": unpublished,
        "filters": filters,
        "years": years,
        "document_types": list(DocumentType),
        "comment_counts": services.comment_counts(dbsession, [e.id for e in entries]),
        "can_edit": can_edit,
        **presentation(request),
    }


@view_config(context=SitePlan, renderer="planning/site.jinja2", permission=Permissions.SiteView)
def site_plan(context, request):
    kind = request.params.get("type", "")
    document_type = DocumentType(kind) if kind in DocumentType.__members__ else None
    entries = services.site_entries(request.dbsession, request.now, document_type)
    return {
        "entries": entries,
        "quarters": services.coming_year(request.now),
        "document_type": document_type,
        "document_types": list(DocumentType),
        **presentation(request),
    }


def entry_page_values(request, entry, comment_form=None, error=None):
    dbsession, user = request.dbsession, request.identity
    can_comment = request.has_permission(Permissions.PlanComment, entry)
    if comment_form is None and can_comment:
        comment_form = CommentView(entry, request).form().render()
    return {
        "entry": entry,
        "agency": entry.agency,
        "comments": services.comments_of(dbsession, entry),
        "comment_form": comment_form if can_comment else None,
        "error": error,
        "can_comment": can_comment,
        "can_follow": request.has_permission(Permissions.PlanFollow, entry),
        "following": services.follows(dbsession, entry, user),
        "followers": services.followers_count(dbsession, entry),
        "can_edit": request.has_permission(Permissions.PlanEdit, entry),
        "can_moderate": request.has_permission(Permissions.PlanModerate, entry),
        "can_add_draft": entry.state == PlanState.published and entry.draft_id is None
        and request.has_permission(Permissions.DraftAdd, entry.agency),
        "staff_abstains": user is not None and request.has_permission(Permissions.PlanFollow, entry)
        and not can_comment and entry.state == PlanState.published,
        **presentation(request),
    }


@view_config(context=PlanEntry, renderer="planning/entry.jinja2", permission=Permissions.PlanView,
             request_method="GET")
def entry_page(context, request):
    return entry_page_values(request, context)


# --- writing --------------------------------------------------------------------------------------------------


class EntryFormView(FormView):
    schema = EntrySchema
    formid = "plan-entry"
    title = None

    @property
    def agency(self):
        return self.context.agency

    def bindings(self):
        return {"current_year": services.jalali_quarter(self.request.now)[0]}

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=self.title, agency=self.agency, **presentation(self.request),
                            **extra)


def apply(entry: PlanEntry, appstruct):
    for field in FIELDS:
        setattr(entry, field, appstruct[field])
    entry.document_type = DocumentType(appstruct["document_type"])


def described(entry: PlanEntry) -> dict:
    values = {field: getattr(entry, field) for field in FIELDS}
    values["document_type"] = entry.document_type.value
    return values


@view_config(context=AgencyPlan, name="add", renderer="planning/form.jinja2", permission=Permissions.PlanEdit)
class EntryAddView(EntryFormView):
    title = _("New entry in the forward plan")
    buttons = (("add", _("Add the entry")),)

    def appstruct(self):
        year, quarter = services.jalali_quarter(self.request.now)
        return {"year": year + 1, "quarter": 1}

    def save(self, appstruct):
        request = self.request
        entry = PlanEntry(agency_id=self.agency.id, created_by_id=request.identity.id, created_at=request.now,
                          updated_at=request.now, state=PlanState.draft)
        apply(entry, appstruct)
        request.dbsession.add(entry)
        request.dbsession.flush()
        record(request, "plan.create", entry, agency_id=entry.agency_id, after=described(entry))
        flash(request, _("The entry is saved. Publish it when it is ready to be announced."))
        return HTTPSeeOther(entry_url(request, entry))


@view_config(context=PlanEntry, name="edit", renderer="planning/form.jinja2", permission=Permissions.PlanEdit)
class EntryEditView(EntryFormView):
    title = _("Edit the plan entry")

    def appstruct(self):
        return described(self.context)

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, entry=self.context, **extra)

    def save(self, appstruct):
        entry, request = self.context, self.request
        before = described(entry)
        apply(entry, appstruct)
        if entry.state == PlanState.published:
            problems = missing_languages(request, entry)
            if problems:
                for field in FIELDS:  # nothing changes: the form again, with what was typed
                    setattr(entry, field, before[field])
                entry.document_type = DocumentType(before["document_type"])
                request.response.status_int = 400
                return self.page(self.form().render(appstruct), problems=problems)
        entry.updated_at = request.now
        record(request, "plan.edit", entry, agency_id=entry.agency_id, before=before, after=described(entry))
        flash(request, _("The entry is saved."))
        return HTTPSeeOther(entry_url(request, entry))


def missing_languages(request, entry: PlanEntry) -> list:
    """An announced entry has its title in every language a draft must have (eparticipation.required_languages)."""
    problems = []
    for language in request.registry.settings["eparticipation.required_languages"]:
        if language in ("fa", "en") and not getattr(entry, f"title_{language}").strip():
            problems.append(_("The title in ${language} is missing.",
                              mapping={"language": LANGUAGE_LABELS.get(language, language)}))
    return problems


@view_config(context=PlanEntry, name="publish", renderer="planning/form.jinja2", permission=Permissions.PlanEdit)
class PublishView(FormView):
    schema = PublishSchema
    formid = "plan-publish"
    buttons = (("publish", _("Publish in the forward plan")),)

    def __call__(self):
        if self.context.state != PlanState.draft:
            return refusal(self.request, _("This entry is already published."), 400)
        return super().__call__()

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("Publish the plan entry"), agency=self.context.agency,
                            entry=self.context, problems=missing_languages(self.request, self.context),
                            explanation=_("Once published, everyone can read the entry, comment on its intent and "
                                          "follow it."), **presentation(self.request), **extra)

    def save(self, appstruct):
        entry, request = self.context, self.request
        problems = missing_languages(request, entry)
        if problems:
            request.response.status_int = 400
            return self.page(self.form().render())
        entry.state, entry.published_at, entry.updated_at = PlanState.published, request.now, request.now
        record(request, "plan.publish", entry, agency_id=entry.agency_id, before={"state": "draft"},
               after={"state": "published"})
        flash(request, _("The entry is published in the forward plan."))
        return HTTPSeeOther(entry_url(request, entry))


@view_config(context=PlanEntry, name="withdraw", renderer="planning/form.jinja2", permission=Permissions.PlanEdit)
class WithdrawView(FormView):
    schema = WithdrawSchema
    formid = "plan-withdraw"
    buttons = (("withdraw", _("Withdraw the entry")),)

    def __call__(self):
        if self.context.state != PlanState.published:
            return refusal(self.request, _("Only an announced entry can be withdrawn."), 400)
        return super().__call__()

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("Withdraw the plan entry"), agency=self.context.agency,
                            entry=self.context, **presentation(self.request), **extra)

    def save(self, appstruct):
        entry, request = self.context, self.request
        entry.state, entry.withdrawn_at, entry.updated_at = PlanState.withdrawn, request.now, request.now
        entry.withdrawal_reason = appstruct["reason"]
        record(request, "plan.withdraw", entry, agency_id=entry.agency_id, before={"state": "published"},
               after={"state": "withdrawn", "reason": appstruct["reason"]})
        flash(request, _("The entry is withdrawn; its page says why."))
        return HTTPSeeOther(entry_url(request, entry))


# --- notice of intent: comments and follows ---------------------------------------------------------------------


@view_config(context=PlanEntry, name="comment", renderer="planning/entry.jinja2", permission=Permissions.PlanComment)
class CommentView(FormView):
    schema = CommentSchema
    formid = "plan-comment"
    buttons = (("send", _("Send the comment")),)

    def form(self):
        form = super().form()
        form.action = entry_url(self.request, self.context, "comment")
        return form

    def page(self, rendered_form, **extra):
        return entry_page_values(self.request, self.context, comment_form=rendered_form, **extra)

    def save(self, appstruct):
        request = self.request
        try:
            comment = services.add_comment(request, self.context, appstruct["body"])
        except ratelimits.RateLimited as limited:
            ratelimits.retry_after(request.response, limited.seconds)
            return self.page(self.form().render(appstruct), error=limited.message)
        flash(request, _("Your comment is published. Thank you."))
        return HTTPSeeOther(entry_url(request, self.context) + f"#plan-comment-{comment.id}")


@view_config(context=PlanEntry, name="hide", renderer="planning/form.jinja2", permission=Permissions.PlanModerate)
class HideView(FormView):
    schema = HideSchema
    formid = "plan-hide"
    buttons = (("hide", _("Hide the comment")),)

    def comment(self, comment_id):
        comment = self.request.dbsession.get(PlanComment, comment_id) if comment_id is not None else None
        if comment is None or comment.entry_id != self.context.id:
            raise HTTPNotFound()
        return comment

    def appstruct(self):
        return {"comment": self.comment(chosen_id(self.request, "comment")).id}

    def page(self, rendered_form, **extra):
        comment = self.comment(chosen_id(self.request, "comment"))
        return super().page(rendered_form, title=_("Hide a comment"), agency=self.context.agency,
                            entry=self.context, comment=comment, **presentation(self.request), **extra)

    def save(self, appstruct):
        request = self.request
        comment = self.comment(appstruct["comment"])
        if services.hide_comment(request, comment, appstruct["reason"]):
            record(request, "plan.comment.hide", comment, agency_id=self.context.agency_id,
                   after={"reason": appstruct["reason"], "entry": self.context.id})
            flash(request, _("The comment is hidden; its place says why."))
        else:
            flash(request, _("Another moderator has already hidden this comment."), "")
        return HTTPSeeOther(entry_url(request, self.context) + f"#plan-comment-{comment.id}")


def follow_action(context, request, action, message):
    try:
        action(request, context)
    except ratelimits.RateLimited as limited:
        return refusal(request, limited.message, 429, limited.seconds)
    flash(request, message)
    return HTTPSeeOther(entry_url(request, context) + "#follow")


@view_config(context=PlanEntry, name="follow", request_method="POST", permission=Permissions.PlanFollow)
def follow(context, request):
    return follow_action(context, request, services.follow,
                         _("You follow this entry: you will be told when its draft opens for consultation."))


@view_config(context=PlanEntry, name="unfollow", request_method="POST", permission=Permissions.PlanFollow)
def unfollow(context, request):
    return follow_action(context, request, services.unfollow, _("You no longer follow this entry."))


# --- the draft written from an entry -----------------------------------------------------------------------------


@view_config(context=Agency, name="new-draft", request_param="plan", renderer="consultations/form.jinja2",
             permission=Permissions.DraftAdd)
class DraftFromEntryView(DraftAddView):
    """The agency's new-draft form, filled in from a published entry of its plan (?plan=<id>, kept by the form's
    address on sending); the draft it creates is linked to the entry. An entry that cannot be linked (another
    agency's, not published, already linked) is refused."""

    @property
    def entry(self):
        entry = services.linkable_entry(self.request.dbsession, self.context.id, chosen_id(self.request, "plan"))
        if entry is None:
            raise HTTPNotFound()
        return entry

    def __call__(self):
        self.plan_entry = self.entry
        return super().__call__()

    def appstruct(self):
        entry = self.plan_entry
        values = {"document_type": entry.document_type.value, "drafting_unit_id": entry.drafting_unit_id}
        for language in self.languages:
            values[language] = {"title": getattr(entry, f"title_{language}", "") or ""}
        return values

    def page(self, rendered_form, **extra):
        page = super().page(rendered_form, **extra)
        page["subtitle"] = _("From the forward plan: ${title}",
                             mapping={"title": self.plan_entry.title(self.request.locale_name)})
        return page

    def create(self, appstruct):
        import sqlalchemy as sa
        from pyramid.httpexceptions import HTTPConflict

        draft = super().create(appstruct)
        # One draft per entry, also when two editors send the form at once: the second is refused (and its
        # draft, in the same transaction, is not kept).
        linked = self.request.dbsession.execute(
            sa.update(PlanEntry).where(PlanEntry.id == self.plan_entry.id, PlanEntry.draft_id.is_(None))
            .values(draft_id=draft.id, updated_at=self.request.now).execution_options(synchronize_session=False)
        ).rowcount
        if not linked:
            raise HTTPConflict()
        self.request.dbsession.refresh(self.plan_entry)
        record(self.request, "plan.link", self.plan_entry, agency_id=self.context.id, after={"draft": draft.id})
        return draft
