"""Deform and Colander, wired for this site.

- Every form carries Pyramid's CSRF token as a hidden `csrf_token`; Pyramid's global check verifies it.
- Deform's templates translate through the current request's localizer, so Colander and Deform
  messages follow the page's language (the project ships their `fa` catalogues).
- `novalidate`: the browser's own (English-only) required-field bubbles give way to our translated messages.
- A failed validation re-renders the form with everything the user typed and answers 400.
"""

import threading
from importlib.resources import files

import colander
import deform
import deform.template
from pyramid.csrf import get_csrf_token
from pyramid.threadlocal import get_current_request

from eparticipation import i18n
from eparticipation.i18n import _


def translate_for_deform(term):
    request = get_current_request()
    return i18n.translate(request, term) if request is not None else term


@colander.deferred
def deferred_csrf_token(node, kw):
    return get_csrf_token(kw["request"])


class CSRFSchema(colander.MappingSchema):
    """Base of every form schema: Pyramid checks the token before any view runs."""

    csrf_token = colander.SchemaNode(
        colander.String(),
        widget=deform.widget.HiddenWidget(),
        default=deferred_csrf_token,
        missing=colander.drop,
    )


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


# The invisible controls that open an embedding, an override or an isolate (U+202A–U+202E, U+2066–U+2069): in a
# name, an unclosed one reverses the text shown after it (a name ending in U+202E turns "on behalf of" around).
# Persian's own joiners and marks (U+200C ZWNJ, U+200E/U+200F) open nothing and stay.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def name_text(value):
    """A name (of a person, an organisation, an agency, a unit, a service) as typed, without bidi controls."""
    value = strip_text(value)
    return value.translate(BIDI_CONTROLS).strip() if isinstance(value, str) else value


def optional_name(value):
    value = name_text(value)
    return colander.null if value == "" else value


def optional_text(value):
    """Blank input counts as not given."""
    value = strip_text(value)
    return colander.null if value == "" else value


class UploadTmpStore(dict):
    """Deform's file widget keeps an upload here between renderings of one request; a form that fails
    validation asks for the file again (browsers never refill file fields anyway)."""

    def preview_url(self, uid):
        return None


def length(maximum, minimum=0):
    """A length check with the site's own (translated) messages."""
    return colander.Length(
        min=minimum,
        max=maximum,
        min_err=_("Enter at least ${min} characters."),
        max_err=_("Enter at most ${max} characters."),
    )


def upload_node(request, name, title, accept, allowed_types, refusal, **kw):
    """A file field whose upload is checked by `upload_validator`."""
    return colander.SchemaNode(
        deform.FileData(),
        name=name,
        title=title,
        widget=deform.widget.FileUploadWidget(UploadTmpStore(), accept=accept),
        validator=upload_validator(request, allowed_types, refusal),
        **kw,
    )


def upload_validator(request, allowed_types: set[str], refusal):
    """Checks an upload's size against the site's limit, its type from its content (files.sniff) and, for a
    zip-based document, how far it would expand once opened (files.check_archive), then keeps its bytes in
    `value["data"]`."""

    def validator(node, value):
        from eparticipation.files import DOCX, ArchiveLimits, ArchiveRefused, check_archive, sniff

        limit = request.registry.settings["eparticipation.upload_max_bytes"]
        data = value["fp"].read(limit + 1)
        if len(data) > limit:
            raise colander.Invalid(
                node, _("The file is larger than the limit of ${size} MB.", mapping={"size": limit // (1024 * 1024)})
            )
        kind = sniff(data)
        if kind not in allowed_types:
            raise colander.Invalid(node, refusal)
        if kind == DOCX:
            try:
                check_archive(data, ArchiveLimits.from_settings(request.registry.settings))
            except ArchiveRefused as refused:
                raise colander.Invalid(node, refused.message) from None
        value["data"] = data

    return validator


def button(name, title, css_class="btn-primary"):
    return deform.Button(name=name, title=title, css_class=css_class)


class FormView:
    """A page with one Deform form. Subclasses give `schema`, `buttons`, `appstruct()` and `save()`."""

    schema: type[colander.Schema]
    buttons = (("save", _("Save")),)
    formid = "form"

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def form(self) -> deform.Form:
        schema = self.schema().bind(request=self.request, context=self.context, **self.bindings())
        form = deform.Form(
            schema,
            buttons=[button(name, title) for name, title in self.buttons],
            formid=self.formid,
            action=self.request.path_qs,
            # No autofocus: on a phone it would skip the page's explanation, and after an error it
            # would land on the first field rather than the wrong one.
            focus="off",
        )
        form.widget.attributes = {"novalidate": "novalidate"}
        return form

    def bindings(self) -> dict:
        """More values for the schema's deferred nodes, beside `request` and `context`."""
        return {}

    def appstruct(self) -> dict:
        return {}

    def save(self, appstruct):
        """Store the validated data and return a response (usually a redirect)."""
        raise NotImplementedError

    def page(self, rendered_form, **extra):
        return {"form": rendered_form, **extra}

    def __call__(self):
        form = self.form()
        if self.request.method == "POST":
            try:
                appstruct = form.validate(self.request.POST.items())
            except deform.ValidationFailure as failure:
                self.request.response.status_int = 400
                return self.page(failure.render())
            appstruct.pop("csrf_token", None)
            return self.save(appstruct)
        return self.page(form.render(self.appstruct()))


class SerialisedCompiling(deform.template.ZPTRendererFactory):
    """Deform's renderer, whose templates are compiled one at a time. Chameleon compiles a template when it is
    first rendered, and CPython 3.11's compile() is not safe in parallel threads: two first requests for forms at
    once could fail with "SystemError: AST constructor recursion depth mismatch" (a 500). Loading and compiling
    hold a lock; rendering, once compiled, does not."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.compiling = threading.RLock()

    def load(self, template_name):
        with self.compiling:
            template = super().load(template_name)
            template.cook_check()
        return template


def configure_deform(config):
    search_path = (
        str(files("eparticipation").joinpath("templates/deform")),
        str(files("deform").joinpath("templates")),
    )
    deform.Form.set_default_renderer(SerialisedCompiling(search_path, translator=translate_for_deform))


def includeme(config):
    configure_deform(config)


def keyset_param(request, name) -> int | None:
    """A keyset cursor or an id from the query string or form (the id to continue before or after); None if
    absent or blank, which pages from the start. A value that is not a number is refused (400): a tampered link
    is not quietly shown as the first page."""
    from eparticipation.inputs import integer_param

    return integer_param(request.params, name)


def chosen_id(request, name) -> int | None:
    """The id a button or a field names (the message to send again, the report to build again); None when
    absent or not a number, which the view refuses with its own message ("Choose a message …")."""
    from eparticipation.inputs import parse_integer

    try:
        return parse_integer(request.params.get(name))
    except ValueError:
        return None
