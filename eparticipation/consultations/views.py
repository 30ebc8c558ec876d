"""Pages of drafts: the public listing and draft page, writing a draft and its articles, importing its text,
its original file, the workflow steps, the history, and the comparison of consulted and final text."""

from datetime import timedelta

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload, selectinload

from eparticipation.agencies.models import Agency
from eparticipation.audit import record
from eparticipation.consultations import draft_url, importer, services, workflow
from eparticipation.consultations.models import (
    Article,
    DocumentType,
    Draft,
    DraftText,
    State,
    Subject,
    SupportingDocument,
    SupportingKind,
    WorkflowEvent,
)
from eparticipation.consultations.schemas import (
    DOCUMENT_TYPE_LABELS,
    SUBJECT_LABELS,
    SUPPORTING_LABELS,
    ArticleSchema,
    ExtendSchema,
    ImportSchema,
    OpenSchema,
    PublishSchema,
    WithdrawSchema,
    draft_schema,
    kind_label,
    split_notes,
    supporting_schema,
)
from eparticipation.files import DOCX, EXTENSIONS, PDF, ArchiveLimits, ArchiveRefused, sniff
from eparticipation.forms import CSRFSchema, FormView, upload_node
from eparticipation.i18n import LANGUAGE_LABELS, _, flash
from eparticipation.pagecache import (
    draft_page_key,
    page_cache_for,
    render_shared,
    serve_cached,
    serve_shared,
    shared_page_cache_for,
)
from eparticipation.permissions import Permissions
from eparticipation.resources import ArticleContainer, ConsultationContainer
from eparticipation.sections import page_sections

STATE_LABELS = {
    State.draft: _("Draft"),
    State.consultation: _("In consultation"),
    State.closed: _("Closed"),
    State.published: _("Published"),
}


def presentation(request):
    """What every draft template needs to name things."""
    return {
        "state_labels": STATE_LABELS,
        "type_labels": DOCUMENT_TYPE_LABELS,
        "subject_labels": SUBJECT_LABELS,
        "supporting_labels": SUPPORTING_LABELS,
        "kind_label": kind_label,
        "language_labels": LANGUAGE_LABELS,
        "draft_url": lambda draft, *elements, **parts: draft_url(request, draft, *elements, **parts),
    }


# --- reading ------------------------------------------------------------------------------------------


@view_config(context=ConsultationContainer, renderer="consultations/list.jinja2", permission=Permissions.SiteView)
def listing(context, request):
    filters = services.Filters.from_params(request.params)
    listing = services.list_drafts(request, filters)
    agencies = request.dbsession.scalars(sa.select(Agency).order_by(Agency.code)).all()
    next_params = None
    if listing.next_cursor:
        next_params = {k: v for k, v in request.params.items() if k != "after"} | {"after": listing.next_cursor}
    return {
        "drafts": listing.drafts,
        "snippets": listing.snippets,
        "search_problem": listing.search.problem,
        "filters": filters,
        "agencies": agencies,
        "agency_names": {a.id: a.name(request.locale_name) for a in agencies},
        "next_params": next_params,
        "document_types": list(DocumentType),
        "subjects": list(Subject),
        "states": [s for s in State if s != State.draft or services.sees_unopened_drafts(request)],
        "sections": page_sections(request, "listing", context),
        **presentation(request),
    }


@view_config(context=Draft, renderer="consultations/draft.jinja2", permission=Permissions.DraftView)
def draft_page(context, request):
    """The draft, and the sections the domains add to its page (sections.py). The page shared by signed-in
    participants is offered by the domain that fills in their parts (set_draft_page_overlay)."""
    draft = context
    shared = False
    overlay = request.registry.get("draft_page_overlay")
    if page_cache_for(request) is not None:
        cached = serve_cached(request, draft_page_key(request, draft))
        if cached is not None:
            return cached
    elif overlay is not None and shared_page_cache_for(request) is not None:
        # Every participant without a role shares one rendering, with their own parts filled in.
        key = (*draft_page_key(request, draft), "participant")

        def personalise(page):
            return overlay.personalise(request, draft, page)

        cached = serve_shared(request, key, personalise)
        if cached is not None:
            return cached
        shared = True
    load_page_collections(request, draft)
    can_edit_articles = request.has_permission(Permissions.ArticleEdit, draft)
    sections = page_sections(request, "draft", draft)
    values = {
        "draft": draft,
        "texts": article_sections(draft, can_edit_articles),
        "timeline": timeline(draft),
        "days_left": draft.days_left(request.now),
        "transitions": workflow.offered_transitions(draft, request),
        "can_edit": request.has_permission(Permissions.DraftEdit, draft),
        "can_edit_articles": can_edit_articles,
        "can_see_history": request.has_permission(Permissions.DraftHistory, draft),
        "show_comparison": draft.state == State.published and draft.is_document,
        "languages": sorted(draft.texts, key=lambda lang: (lang != request.locale_name, lang != "fa", lang)),
        "sections": sections,
        **presentation(request),
    }
    if shared:
        return render_shared(request, key, "consultations/draft.jinja2", values, personalise, overlay.facts(sections))
    return values


def load_page_collections(request, draft: Draft):
    """The draft's texts and the articles its page lists, in one statement rather than one lazy load each
    (the page's cost is mostly its round trips to the database). One collection of articles is joined;
    the working text, when the page shows it too, comes by a second statement, not as a cross product."""
    options = [joinedload(Draft.texts), selectinload(Draft.supporting_documents)]
    if draft.state != State.draft:
        options.append(joinedload(Draft.consulted_articles))
    if draft.state in (State.draft, State.published):
        options.append(selectinload(Draft.articles))
    request.dbsession.execute(sa.select(Draft).where(Draft.id == draft.id).options(*options)).unique().all()


def article_sections(draft: Draft, can_edit_articles: bool):
    """(heading, articles, editable, with_parts) for each text the page shows (with_parts: its articles show
    the per-article sections, the first text once the consultation has opened): the working draft before opening;
    the consulted text during and after the consultation, with the final text being prepared beside it
    for the agency's editors; the final text once published (the comparison shows what changed)."""
    if not draft.is_document:
        # A service, a process or an action: the sections its editors defined, if any (comments may be on the whole).
        if draft.state == State.draft:
            return [(_("Sections"), draft.articles, can_edit_articles, False)]
        # Once opened, the sections as they were put to the public (comments point to them); no final text.
        return [(_("Sections"), draft.consulted_articles, False, True)] if draft.consulted_articles else []
    if draft.state == State.draft:
        return [(_("Articles"), draft.articles, can_edit_articles, False)]
    if draft.state == State.published:
        return [(_("Final text"), draft.articles, False, True)]
    sections = [(_("The text put to consultation"), draft.consulted_articles, False, True)]
    if draft.state == State.closed and can_edit_articles:
        sections.append((_("Final text (in preparation)"), draft.articles, True, False))
    return sections


def timeline(draft: Draft):
    """The draft's states with their dates, for the page's timeline."""
    steps = [(State.draft, draft.created_at, True)]
    steps.append((State.consultation, draft.opens_at, draft.opens_at is not None))
    steps.append((State.closed, draft.closed_at or draft.last_day(), draft.closed_at is not None))
    steps.append((State.published, draft.published_at, draft.published_at is not None))
    return steps


@view_config(context=Draft, name="history", renderer="consultations/history.jinja2",
             permission=Permissions.DraftHistory)
def history(context, request):
    events = request.dbsession.scalars(
        sa.select(WorkflowEvent).where(WorkflowEvent.draft_id == context.id)
        .options(selectinload(WorkflowEvent.actor)).order_by(WorkflowEvent.id)
    ).all()
    return {"draft": context, "events": events, **presentation(request)}


@view_config(context=Draft, name="compare", renderer="consultations/compare.jinja2", permission=Permissions.DraftView)
def compare(context, request):
    from eparticipation.consultations.compare import (
        ArticleText,
        compare_articles,
        summary,
    )

    if context.state != State.published:
        raise HTTPNotFound()

    def as_text(articles):
        return [ArticleText(a.number, a.heading, a.text, tuple(a.notes)) for a in articles]

    changes = compare_articles(as_text(context.consulted_articles), as_text(context.articles))
    return {"draft": context, "changes": changes, "counts": summary(changes), **presentation(request),
            "sections": page_sections(request, "compare", context)}


@view_config(context=Draft, name="original", permission=Permissions.DraftView, request_method="GET")
def original_file(context, request):
    if not context.original_file_key:
        raise HTTPNotFound()
    response = request.response
    response.body = request.files.read(context.original_file_key)
    response.content_type = context.original_file_type
    extension = EXTENSIONS.get(context.original_file_type, "")
    response.content_disposition = f'attachment; filename="draft-{context.id}{extension}"'
    return response


# --- writing ------------------------------------------------------------------------------------------


def apply_draft_form(draft: Draft, appstruct, languages):
    draft.subject = Subject(appstruct["subject"])
    draft.document_type = DocumentType(appstruct["document_type"]) if draft.is_document else None
    draft.drafting_unit_id = appstruct["drafting_unit_id"]
    for language in languages:
        values = appstruct[language]
        text = draft.texts.get(language)
        if text is None:
            draft.texts[language] = text = DraftText(language=language)
        text.title, text.summary, text.call = values["title"], values["summary"], values["call"]


class DraftFormView(FormView):
    formid = "draft"

    @property
    def languages(self):
        return self.request.registry.settings["eparticipation.required_languages"]

    def form(self):
        self.schema = lambda: draft_schema(self.languages)
        return super().form()


@view_config(context=Agency, name="new-draft", renderer="consultations/form.jinja2", permission=Permissions.DraftAdd)
class DraftAddView(DraftFormView):
    buttons = (("add", _("Create the draft")),)

    def appstruct(self):
        return {"subject": Subject.document.value}

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("New draft"), subtitle=self.context.name(self.request.locale_name))

    def create(self, appstruct) -> Draft:
        """The new draft, stored and audited (a view that fills the form in from elsewhere adds to it)."""
        request = self.request
        draft = Draft(agency_id=self.context.id, created_by_id=request.identity.id, created_at=request.now,
                      updated_at=request.now, listed_at=request.now, state=State.draft)
        apply_draft_form(draft, appstruct, self.languages)
        services.refresh_search_text(draft)
        request.dbsession.add(draft)
        request.dbsession.flush()
        record(request, "draft.create", draft, draft=draft, after={"state": draft.state, "subject": draft.subject})
        return draft

    def save(self, appstruct):
        draft = self.create(appstruct)
        if draft.is_document:
            flash(self.request, _("The draft is created. Add its articles, or import its text."))
        else:
            flash(self.request, _("The consultation is created. Add the sections people may comment on one by one, "
                                  "or none: then they comment on the whole."))
        return HTTPSeeOther(draft_url(self.request, draft))


@view_config(context=Draft, name="edit", renderer="consultations/form.jinja2", permission=Permissions.DraftEdit)
class DraftEditView(DraftFormView):
    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("Edit the draft"), draft=self.context)

    def appstruct(self):
        draft = self.context
        values = {"subject": draft.subject.value, "drafting_unit_id": draft.drafting_unit_id,
                  "document_type": draft.document_type.value if draft.document_type else colander.null}
        for language in self.languages:
            text = draft.texts.get(language)
            values[language] = {"title": text.title, "summary": text.summary, "call": text.call} if text else {}
        return values

    def save(self, appstruct):
        apply_draft_form(self.context, appstruct, self.languages)
        services.record_change(self.request, self.context, "draft.edit")
        flash(self.request, _("The draft is saved."))
        return HTTPSeeOther(draft_url(self.request, self.context))


def validate_number_unused(draft, article=None):
    def validator(form, value):
        taken = {a.number for a in draft.articles if a is not article}
        if value["number"] in taken:
            raise colander.Invalid(form["number"], _("Another article already has this number."))

    return validator


class ArticleFormView(FormView):
    schema = ArticleSchema
    formid = "article"

    @property
    def draft(self):
        return self.context.__parent__ if isinstance(self.context, ArticleContainer) else self.context.__parent__.__parent__

    def form(self):
        form = super().form()
        form.schema.validator = validate_number_unused(self.draft, self.context if isinstance(self.context, Article) else None)
        return form

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=self.title, draft=self.draft)

    @property
    def title(self):
        return self.titles[0 if self.draft.is_document else 1]

    def part(self, message_of_document, message_of_section):
        return message_of_document if self.draft.is_document else message_of_section

    def finish(self, message, action):
        services.record_change(self.request, self.draft, action, article=self.number)
        flash(self.request, message)
        return HTTPSeeOther(draft_url(self.request, self.draft) + f"#article-{self.number}")


@view_config(context=ArticleContainer, name="add", renderer="consultations/form.jinja2",
             permission=Permissions.ArticleEdit)
class ArticleAddView(ArticleFormView):
    titles = (_("New article"), _("New section"))

    @property
    def buttons(self):
        return (("add", self.part(_("Add the article"), _("Add the section"))),)

    def appstruct(self):
        numbers = [int(a.number) for a in self.draft.articles if a.number.isdigit()]
        return {"number": str(max(numbers, default=0) + 1)}

    def save(self, appstruct):
        self.number = appstruct["number"]
        articles = self.draft.articles
        articles.append(Article(
            number=appstruct["number"], chapter=appstruct["chapter"], heading=appstruct["heading"],
            text=appstruct["text"], notes=split_notes(appstruct["notes"]),
            position=max((a.position for a in articles), default=0) + 1,
        ))
        return self.finish(self.part(_("The article is added."), _("The section is added.")), "article.add")


@view_config(context=Article, request_method="GET", permission=Permissions.DraftView)
def article_address(context, request):
    """An article's own address (…/articles/<n>/, to share or cite) leads to it on the draft page, which shows
    it in its text with the comments on it, and the form to comment on it while the consultation runs."""
    draft = context.__parent__.__parent__
    query = {"article": context.number} if draft.state != State.draft else None
    return HTTPSeeOther(draft_url(request, draft, query=query, anchor=f"article-{context.number}"))


@view_config(context=Article, name="edit", renderer="consultations/form.jinja2", permission=Permissions.ArticleEdit)
class ArticleEditView(ArticleFormView):
    titles = (_("Edit the article"), _("Edit the section"))

    def appstruct(self):
        a = self.context
        return {"number": a.number, "chapter": a.chapter or "", "heading": a.heading, "text": a.text,
                "notes": "\n\n".join(a.notes)}

    def save(self, appstruct):
        article = self.context
        self.number = article.number = appstruct["number"]
        article.chapter, article.heading, article.text = appstruct["chapter"], appstruct["heading"], appstruct["text"]
        article.notes = split_notes(appstruct["notes"])
        return self.finish(self.part(_("The article is saved."), _("The section is saved.")), "article.edit")


@view_config(context=Article, name="delete", request_method="POST", permission=Permissions.ArticleEdit)
def delete_article(context, request):
    draft = context.__parent__.__parent__
    draft.articles.remove(context)
    services.record_change(request, draft, "article.delete", article=context.number)
    flash(request, _("The article is removed.") if draft.is_document else _("The section is removed."))
    return HTTPSeeOther(draft_url(request, draft))


@view_config(context=Draft, name="import", renderer="consultations/import.jinja2", permission=Permissions.ArticleEdit)
class ImportView(FormView):
    """Paste or upload the text; see how it was split; then replace the articles with it."""

    formid = "import"
    buttons = (("preview", _("Show how the text is split")),)

    def schema(self):
        schema = ImportSchema(validator=self.validate_something_given)
        schema.add(upload_node(self.request, "docx", _("Or upload a Word file (.docx)"), ".docx", {DOCX},
                               _("This file is not a Word (.docx) document."), missing=None))
        return schema

    def validate_something_given(self, form, value):
        if not value["text"] and not value.get("docx"):
            raise colander.Invalid(form["text"], _("Paste the text or choose a file."))

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, draft=self.context, **extra)

    def save(self, appstruct):
        text = appstruct["text"]
        if appstruct.get("docx"):
            try:
                text = importer.read_docx(appstruct["docx"]["data"],
                                          ArchiveLimits.from_settings(self.request.registry.settings))
            except ArchiveRefused as refused:
                self.request.response.status_int = 400
                return self.page(self.form().render(), error=refused.message)
            except importer.NotADocument:
                self.request.response.status_int = 400
                return self.page(self.form().render(), error=_("This file is not a Word (.docx) document."))
        result = importer.parse_text(text)
        return self.page(None, result=result, text=text, note_count=sum(len(a.notes) for a in result.articles))


@view_config(context=Draft, name="import", request_param="confirm", request_method="POST",
             renderer="consultations/import.jinja2", permission=Permissions.ArticleEdit)
def import_confirm(context, request):
    result = importer.parse_text(request.POST.get("text", ""))
    if not result.articles:
        flash(request, _("There was no text to import."), "danger")
        return HTTPSeeOther(draft_url(request, context, "import"))
    # The old articles go first: the new ones reuse their numbers, which are unique within a draft.
    context.articles.clear()
    request.dbsession.flush()
    context.articles.extend(services.articles_from_import(result))
    if result.title:
        text = context.texts.get("fa")
        if text is not None and not text.title:
            text.title = result.title[:300]
    services.record_change(request, context, "article.import", articles=len(result.articles))
    flash(request, _("${count} articles are imported.", mapping={"count": len(result.articles)}))
    return HTTPSeeOther(draft_url(request, context))


@view_config(context=Draft, name="attach", renderer="consultations/form.jinja2", permission=Permissions.DraftEdit)
class AttachView(FormView):
    formid = "attach"
    buttons = (("attach", _("Attach the file")),)

    def schema(self):
        schema = CSRFSchema()
        schema.add(upload_node(self.request, "file", _("The original document (PDF or DOCX)"), ".pdf,.docx",
                               {PDF, DOCX}, _("Only PDF and Word (.docx) documents can be attached; this file is neither.")))
        return schema

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("Attach the original document"), draft=self.context)

    def save(self, appstruct):
        upload, draft = appstruct["file"], self.context
        draft.original_file_key = self.request.files.save(upload["data"])
        draft.original_file_type = sniff(upload["data"])
        draft.original_file_name = (upload.get("filename") or "")[:255]
        draft.original_file_size = len(upload["data"])
        services.record_change(self.request, draft, "draft.attach", file=draft.original_file_name,
                               size=draft.original_file_size)
        flash(self.request, _("The file is attached."))
        return HTTPSeeOther(draft_url(self.request, draft))


# --- the workflow steps -------------------------------------------------------------------------------


class TransitionView(FormView):
    """A workflow step: a form (dates, a reason), the transition's guards, and the refusal's reasons."""

    transition_name: str
    formid = "transition"

    @property
    def transition(self):
        return workflow.TRANSITIONS[self.transition_name]

    @property
    def buttons(self):
        return (("confirm", self.transition.title),)

    def page(self, rendered_form, **extra):
        problems = extra.pop("problems", None)
        if problems is None and self.request.method == "GET":
            problems = workflow.check(self.context, self.request, self.transition_name, **self.preview_params())
        return super().page(rendered_form, draft=self.context, transition=self.transition, problems=problems or [],
                            **presentation(self.request), **extra)

    def preview_params(self):
        """Parameters to run the guards with before the form is filled (dates are checked on submission)."""
        return {}

    def save(self, appstruct):
        try:
            workflow.make_transition(self.context, self.request, self.transition_name, **appstruct)
        except workflow.TransitionRefused as refusal:
            self.request.response.status_int = 400
            return self.page(self.form().render(self.resubmitted(appstruct)), problems=refusal.problems)
        flash(self.request, self.done_message)
        return HTTPSeeOther(draft_url(self.request, self.context))

    def resubmitted(self, appstruct):
        return appstruct


@view_config(context=Draft, name="open", renderer="consultations/transition.jinja2", permission=Permissions.DraftOpen)
class OpenView(TransitionView):
    transition_name = "open"
    schema = OpenSchema
    done_message = _("The consultation is open.")

    def appstruct(self):
        return self.preview_params()

    def preview_params(self):
        # Offered: from today, for the minimum a document needs (30 days), which is also the other subjects' default.
        today = workflow.local_date(self.request.now)
        days = self.request.registry.settings["eparticipation.min_consultation_days"]
        return {"start": today, "end": today + timedelta(days=days - 1)}  # the first and the last day count


@view_config(context=Draft, name="extend", renderer="consultations/transition.jinja2",
             permission=Permissions.DraftExtend)
class ExtendView(TransitionView):
    transition_name = "extend"
    schema = ExtendSchema
    done_message = _("The consultation is extended.")

    def appstruct(self):
        return {"end": self.context.last_day()}

    def preview_params(self):
        return {"end": self.context.last_day() + timedelta(days=1)}


@view_config(context=Draft, name="withdraw", renderer="consultations/transition.jinja2",
             permission=Permissions.DraftWithdraw)
class WithdrawView(TransitionView):
    transition_name = "withdraw"
    schema = WithdrawSchema
    done_message = _("The consultation is withdrawn.")


@view_config(context=Draft, name="publish", renderer="consultations/transition.jinja2",
             permission=Permissions.DraftPublish)
class PublishView(TransitionView):
    transition_name = "publish"
    schema = PublishSchema
    done_message = _("The outcome is published.")


# --- supporting documents -----------------------------------------------------------------------------


def supporting_kind(request) -> SupportingKind:
    kind = request.params.get("kind", "")
    if kind not in SupportingKind.__members__:
        raise HTTPNotFound()
    return SupportingKind(kind)


def supporting_of(draft: Draft, kind: SupportingKind) -> SupportingDocument | None:
    return next((d for d in draft.supporting_documents if d.kind == kind), None)


@view_config(context=Draft, name="supporting", renderer="consultations/supporting.jinja2",
             permission=Permissions.DraftEdit, request_method="GET")
def supporting_documents(context, request):
    """The editors' page of the draft's supporting documents: each kind, whether it is there, and whether the
    site requires it before the consultation opens."""
    required = request.registry.settings["eparticipation.consultations.required_supporting_documents"]
    return {"draft": context, "kinds": list(SupportingKind), "documents": {d.kind: d for d in context.supporting_documents},
            "required": required, **presentation(request)}


@view_config(context=Draft, name="supporting-edit", renderer="consultations/form.jinja2",
             permission=Permissions.DraftEdit)
class SupportingDocumentView(FormView):
    """Write a supporting document's titles and text, attach its file (checked as the original document is),
    or both."""

    formid = "supporting"

    def schema(self):
        schema = supporting_schema(self.request)
        schema.validator = self.validate_text_or_file
        return schema

    @property
    def kind(self):
        return supporting_kind(self.request)

    @property
    def existing(self):
        return supporting_of(self.context, self.kind)

    def validate_text_or_file(self, form, value):
        if not value["text"] and not value.get("file") and not (self.existing and self.existing.file_key):
            raise colander.Invalid(form["text"], _("Write the text or choose a file."))

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=SUPPORTING_LABELS[self.kind], draft=self.context)

    def appstruct(self):
        document = self.existing
        if document is None:
            return {}
        return {"title_fa": document.title_fa, "title_en": document.title_en, "text": document.text}

    def save(self, appstruct):
        draft, document = self.context, self.existing
        if document is None:
            document = SupportingDocument(kind=self.kind)
            draft.supporting_documents.append(document)
        document.title_fa, document.title_en, document.text = appstruct["title_fa"], appstruct["title_en"], appstruct["text"]
        upload = appstruct.get("file")
        if upload:
            document.file_key = self.request.files.save(upload["data"])
            document.file_type = sniff(upload["data"])
            document.file_name = (upload.get("filename") or "")[:255]
            document.file_size = len(upload["data"])
        document.updated_at = self.request.now
        services.record_change(self.request, draft, "draft.supporting", kind=self.kind.value,
                               file=document.file_name, size=document.file_size, text=len(document.text))
        flash(self.request, _("The supporting document is saved."))
        return HTTPSeeOther(draft_url(self.request, draft, "supporting"))


@view_config(context=Draft, name="supporting-delete", request_method="POST", permission=Permissions.DraftEdit)
def delete_supporting_document(context, request):
    document = supporting_of(context, supporting_kind(request))
    if document is None:
        raise HTTPNotFound()
    context.supporting_documents.remove(document)
    services.record_change(request, context, "draft.supporting.delete", kind=document.kind.value)
    flash(request, _("The supporting document is removed."))
    return HTTPSeeOther(draft_url(request, context, "supporting"))


@view_config(context=Draft, name="supporting-file", permission=Permissions.DraftView, request_method="GET")
def supporting_file(context, request):
    document = supporting_of(context, supporting_kind(request))
    if document is None or not document.file_key:
        raise HTTPNotFound()
    response = request.response
    response.body = request.files.read(document.file_key)
    response.content_type = document.file_type
    extension = EXTENSIONS.get(document.file_type, "")
    response.content_disposition = f'attachment; filename="draft-{context.id}-{document.kind.value}{extension}"'
    return response
