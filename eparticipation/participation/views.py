"""Comments, supports, reports, moderation and votes. Every sending view refuses with a clear message when
the consultation is not accepting participation (P6), and keeps what the participant typed."""

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from eparticipation import ratelimits
from eparticipation.consultations import draft_url
from eparticipation.forms import FormView
from eparticipation.i18n import _, flash
from eparticipation.participation import services
from eparticipation.participation.models import (
    Comment,
    HidingReason,
    OrganisationKind,
    VoteChoice,
)
from eparticipation.participation.resources import CommentContainer, VoteBox
from eparticipation.participation.schemas import (
    HIDING_LABELS,
    VOTE_LABELS,
    CommentEditSchema,
    CommentSchema,
    HideSchema,
    ReportSchema,
)
from eparticipation.participation.security import abstains
from eparticipation.permissions import Permissions
from eparticipation.sections import page_sections


def refusal(request, message, status=403, retry_after=None):
    """The rule's reason, as a page of its own (saying when to come back, when sent too often)."""
    request.response.status_int = status
    if retry_after is not None:
        ratelimits.retry_after(request.response, retry_after)
    return render_to_response(
        "site/error.jinja2", {"title": _("Not accepted"), "message": message}, request=request, response=request.response
    )


class ParticipationForm(FormView):
    """A form that sends something to a consultation: refused, with the reason, when it is not accepting."""

    @property
    def draft(self):
        return self.context.draft if hasattr(self.context, "draft") else self.context.__parent__.draft

    def __call__(self):
        try:
            services.ensure_accepting(self.draft, self.request.now)
        except services.Refused as refused:
            return refusal(self.request, refused.message, refused.status)
        return super().__call__()

    def refuse(self, appstruct, message, status=400, retry_after=None):
        """The form again, with what was typed and why it was not accepted."""
        self.request.response.status_int = status
        if retry_after is not None:
            ratelimits.retry_after(self.request.response, retry_after)
        form = self.form()
        return self.page(form.render(appstruct), error=message)

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, draft=self.draft, title=self.title, **extra)


@view_config(context=CommentContainer, request_method="GET", permission=Permissions.DraftView)
def comments_address(context, request):
    """…/comments/ leads to the comments on the draft page (filtered and paged there)."""
    return HTTPSeeOther(draft_url(request, context.draft, anchor="comments"))


@view_config(context=CommentContainer, name="add", renderer="participation/form.jinja2",
             permission=Permissions.CommentAdd)
class CommentAddView(ParticipationForm):
    schema = CommentSchema
    formid = "comment"
    buttons = (("send", _("Send the comment")),)
    title = _("Comment on the draft")

    def appstruct(self):
        return {"article": self.request.params.get("article", "")}

    def save(self, appstruct):
        draft = self.draft
        article = next((a for a in draft.consulted_articles if a.number == appstruct["article"]), None)
        kind = appstruct["organisation_kind"]
        try:
            comment = services.add_comment(
                self.request, draft, appstruct["body"], article, anonymous=appstruct["anonymous"],
                organisation_name=appstruct["organisation_name"] if kind else None,
                organisation_kind=OrganisationKind(kind) if kind else None,
            )
        except services.Refused as refused:
            return self.refuse(appstruct, refused.message, refused.status, refused.retry_after)
        except services.AlreadySent as already:
            # The same text sent twice at once (a double click): the first is the one kept.
            flash(self.request, _("Your comment had already been received; it is published once."))
            return HTTPSeeOther(draft_url(self.request, draft, anchor=f"comment-{already.comment_id}"))
        flash(self.request, _("Your comment is published. Thank you."))
        return HTTPSeeOther(draft_url(self.request, draft, anchor=f"comment-{comment.id}"))


@view_config(context=Comment, renderer="participation/comment.jinja2", permission=Permissions.DraftView)
def comment_page(context, request):
    draft = context.__parent__.draft
    is_author = request.identity is not None and request.identity.id == context.author_id
    can_moderate = request.has_permission(Permissions.CommentModerate, context)
    return {
        "draft": draft,
        "comment": context,
        "hiding_labels": HIDING_LABELS,
        "can_edit": request.has_permission(Permissions.CommentEdit, context),
        "can_support": request.has_permission(Permissions.CommentSupport, context),
        "can_report": request.has_permission(Permissions.CommentReport, context),
        "can_moderate": can_moderate,
        "is_author": is_author,
        # A withdrawn comment's text stays with its author and those who answer for the consultation.
        "show_withdrawn": is_author or request.has_permission(Permissions.DraftHistory, draft),
        "draft_url": lambda *elements, anchor=None: draft_url(request, draft, *elements, anchor=anchor),
        # Below the comment: the agency's response (responses/__init__.py), …
        "sections": page_sections(request, "comment", context),
    }


@view_config(context=Comment, name="edit", renderer="participation/form.jinja2", permission=Permissions.CommentEdit)
class CommentEditView(ParticipationForm):
    schema = CommentEditSchema
    formid = "comment"
    title = _("Edit your comment")

    def appstruct(self):
        return {"body": self.context.body}

    def save(self, appstruct):
        try:
            services.edit_comment(self.request, self.context, self.draft, appstruct["body"])
        except services.Refused as refused:
            return self.refuse(appstruct, refused.message, refused.status)
        flash(self.request, _("Your comment is saved; its earlier wording is kept."))
        return HTTPSeeOther(draft_url(self.request, self.draft, anchor=f"comment-{self.context.id}"))


def participation_action(request, draft, action, done_message, anchor):
    """Run a one-click participation (POST); on a rule's refusal, say why."""
    try:
        action()
    except services.Refused as refused:
        return refusal(request, refused.message, refused.status, refused.retry_after)
    flash(request, done_message)
    return HTTPSeeOther(draft_url(request, draft, anchor=anchor))


@view_config(context=Comment, name="withdraw", request_method="POST", permission=Permissions.CommentEdit)
def withdraw(context, request):
    draft = context.__parent__.draft
    return participation_action(request, draft, lambda: services.withdraw_comment(request, context, draft),
                                _("Your comment is withdrawn."), "comments")


@view_config(context=Comment, name="support", request_method="POST", permission=Permissions.CommentSupport)
def support(context, request):
    draft = context.__parent__.draft

    def limited_support():
        services.limit(request, "support")
        services.support_comment(request, context, draft)

    return participation_action(request, draft, limited_support, _("You support this comment."),
                                f"comment-{context.id}")


@view_config(context=Comment, name="report", renderer="participation/form.jinja2",
             permission=Permissions.CommentReport)
class ReportView(ParticipationForm):
    schema = ReportSchema
    formid = "report"
    buttons = (("report", _("Report to the moderators")),)
    title = _("Report a comment")

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, comment=self.context, **extra)

    def save(self, appstruct):
        try:
            services.limit(self.request, "report")
        except services.Refused as refused:
            return self.refuse(appstruct, refused.message, refused.status, refused.retry_after)
        services.report_comment(self.request, self.context, self.draft, appstruct["reason"])
        flash(self.request, _("Thank you: the moderators will look at this comment."))
        return HTTPSeeOther(draft_url(self.request, self.draft, anchor=f"comment-{self.context.id}"))


@view_config(context=Comment, name="hide", renderer="participation/form.jinja2",
             permission=Permissions.CommentModerate)
class HideView(FormView):
    schema = HideSchema
    formid = "hide"
    buttons = (("hide", _("Hide the comment")),)
    title = _("Hide a comment")

    def page(self, rendered_form, **extra):
        # What participants reported, so that the moderator decides knowing it (not who reported it).
        reports = services.reports_on(self.request.dbsession, self.context)
        return super().page(rendered_form, draft=self.context.__parent__.draft, comment=self.context,
                            title=self.title, reports=reports, **extra)

    def save(self, appstruct):
        draft = self.context.__parent__.draft
        try:
            services.hide_comment(self.request, self.context, draft, HidingReason(appstruct["category"]),
                                  appstruct["reason"])
        except services.Refused as refused:
            # Another moderator hid it first: theirs is the reason shown, and the one recorded.
            flash(self.request, refused.message, "")
            return HTTPSeeOther(draft_url(self.request, draft, anchor=f"comment-{self.context.id}"))
        flash(self.request, _("The comment is hidden; its place says why."))
        return HTTPSeeOther(draft_url(self.request, self.context.__parent__.draft, anchor=f"comment-{self.context.id}"))


@view_config(context=Comment, name="restore", request_method="POST", permission=Permissions.CommentModerate)
def restore(context, request):
    try:
        services.restore_comment(request, context, context.__parent__.draft)
        flash(request, _("The comment is visible again."))
    except services.Refused as refused:
        flash(request, refused.message, "")
    return HTTPSeeOther(draft_url(request, context.__parent__.draft, anchor=f"comment-{context.id}"))


@view_config(context=VoteBox, request_method="POST", permission=Permissions.VoteCast)
def vote(context, request):
    choice = request.POST.get("choice", "")
    if choice not in VoteChoice.__members__:
        return refusal(request, _("Choose support, oppose or abstain."), status=400)
    return participation_action(
        request, context.draft, lambda: limited_vote(request, context.draft, VoteChoice(choice)),
        _("Your vote is counted: ${choice}.", mapping={"choice": VOTE_LABELS[VoteChoice(choice)]}), "vote",
    )


def limited_vote(request, draft, choice: VoteChoice):
    services.limit(request, "vote")
    services.cast_vote(request, draft, choice)


@view_config(context=VoteBox, request_method="GET", renderer="json", permission=Permissions.DraftView)
def tally(context, request):
    """The public tally, as data, and the signed-in participant's own vote (null for anyone else)."""
    counts, mine = services.tally(request.dbsession, context.draft, request.identity)
    return {"tally": {choice.value: count for choice, count in counts.items()}, "mine": mine and mine.value}


def draft_participation(request, draft) -> dict:
    """What the draft page shows of participation: the tally and the user's vote, comment counts per
    article (one statement), and one page of comments (filtered by article, sorted, keyset-paged; another)."""
    from eparticipation.consultations.models import State

    if draft.state == State.draft:
        return {"shown": False}
    params = request.params
    article_number = params.get("article", "")
    article = next((a for a in draft.consulted_articles if a.number == article_number), None)
    sort = "supported" if params.get("sort") == "supported" else "newest"
    can_moderate = request.has_permission(Permissions.CommentModerate, draft)
    page = services.comments_page(request, draft, article.id if article else None, sort, params.get("after", "")[:80],
                                  with_reports=can_moderate)
    summary = services.participation_summary(request.dbsession, draft, request.identity)
    next_query = None
    if page.next_cursor:
        next_query = {k: v for k, v in params.items() if k in ("article", "sort")} | {"after": page.next_cursor}
    return {
        "shown": True,
        "accepting": draft.is_accepting(request.now),
        "not_started": draft.state == State.consultation,
        "tally": summary.tally,
        "my_vote": summary.my_vote,
        "vote_labels": VOTE_LABELS,
        "counts": summary.counts,
        "page": page,
        "article_filter": article,
        "sort": sort,
        "next_query": next_query,
        "can_comment": request.has_permission(Permissions.CommentAdd, draft),
        "can_vote": request.has_permission(Permissions.VoteCast, draft),
        "can_support": request.has_permission(Permissions.CommentSupport, draft),
        "can_moderate": can_moderate,
        "staff_abstains": abstains(request, draft.agency_id),
        "hiding_labels": HIDING_LABELS,
    }
