"""Pages of the certificates (the package's docstring lists them)."""

import json

import colander
import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from eparticipation.agencies.models import Agency
from eparticipation.certificates import pdf, services
from eparticipation.certificates.models import REASON_MAX
from eparticipation.certificates.resources import CertificatePlace, CertificatesArea, MyCertificates
from eparticipation.certificates.signing import jwk, multikey
from eparticipation.consultations.models import Draft
from eparticipation.forms import CSRFSchema, FormView, length, strip_text
from eparticipation.i18n import _, flash, translate
from eparticipation.permissions import Permissions


def signer_of(request):
    return request.registry.get("certificate_signer")


def site_url(request) -> str:
    return request.resource_url(request.root).rstrip("/")


def described(request, certificate) -> dict:
    """What the verify page, the PDF and the lists say of a certificate: its consultation and agency by name."""
    locale = request.locale_name
    draft = request.dbsession.get(Draft, certificate.draft_id) if certificate.draft_id else None
    agency = request.dbsession.get(Agency, certificate.agency_id) if certificate.agency_id else None
    if draft is not None:
        text = draft.text(locale)
        title = text.title if text else ""
    else:
        title = translate(request, _("Public consultations of the year ${year}",
                                     mapping={"year": str(certificate.year)}))
    jalali, gregorian = pdf.both_dates(certificate.issued_at, locale)
    return {"certificate": certificate, "consultation": title, "agency": agency.name(locale) if agency else "",
            "jalali_date": jalali, "gregorian_date": gregorian, "code": services.display_code(certificate.code),
            "verify_url": request.resource_url(request.root, "certificates", certificate.code, "")}


def code_validator(node, value):
    if services.normalise_code(value) is None:
        raise colander.Invalid(node, _("This is not a certificate code: it has twelve letters and digits, "
                                       "such as ABCD-EFGH-JKMN."))


class CodeSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), title=_("Certificate code"), preparer=strip_text,
                               validator=colander.All(length(40), code_validator),
                               description=_("The twelve letters and digits printed on the certificate."))


@view_config(context=CertificatesArea, request_method="GET", permission=Permissions.CertificateVerify,
             renderer="certificates/verify_form.jinja2")
def verify_form(context, request):
    """The verify form: a typed code goes to its page; a code that cannot be one is said so, as typed."""
    schema = CodeSchema().bind(request=request)
    form = deform.Form(schema, buttons=[deform.Button(name="check", title=translate(request, _("Check")))],
                       formid="verify", method="GET", action=request.path_url, focus="off")
    if "code" not in request.GET:
        return {"form": form.render()}
    try:
        appstruct = form.validate(request.GET.items())
    except deform.ValidationFailure as failure:
        request.response.status_int = 400
        return {"form": failure.render()}
    return HTTPSeeOther(request.resource_url(context, services.normalise_code(appstruct["code"]), ""))


@view_config(context=CertificatePlace, request_method="GET", permission=Permissions.CertificateVerify,
             renderer="certificates/verify.jinja2")
def verify_page(context, request):
    certificate = context.certificate
    if certificate is None:
        request.response.status_int = 404
        return {"status": "unknown", "code": services.display_code(context.code)}
    may_download = request.has_permission(Permissions.CertificateDownload, context)
    return {**described(request, certificate), "status": "revoked" if certificate.revoked_at else "valid",
            "may_download": may_download,
            "may_revoke": not certificate.revoked_at and request.has_permission(Permissions.CertificateRevoke, context)}


def existing(context):
    if context.certificate is None:
        raise HTTPNotFound()
    return context.certificate


@view_config(context=CertificatePlace, name="certificate.pdf", request_method="GET",
             permission=Permissions.CertificateDownload)
def certificate_pdf(context, request):
    certificate = existing(context)
    data = {**described(request, certificate), "qr": pdf.qr_svg(request.resource_url(context))}
    response = Response(pdf.render_pdf(request, data), content_type="application/pdf")
    response.content_disposition = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response.cache_control = "private, no-store"
    return response


@view_config(context=CertificatePlace, name="credential.json", request_method="GET",
             permission=Permissions.CertificateDownload)
def credential_json(context, request):
    certificate = existing(context)
    response = Response(certificate.credential.encode("utf-8"), content_type="application/vc+ld+json", charset=None)
    response.content_disposition = f'attachment; filename="certificate-{certificate.code}.json"'
    response.cache_control = "private, no-store"
    return response


@view_config(context=CertificatesArea, name="keys", request_method="GET", permission=Permissions.CertificateVerify)
def public_keys(context, request):
    """The issuer's profile and its public key: a Multikey (Data Integrity) and a JWK set (for other tools)."""
    signer = signer_of(request)
    base = services.keys_url(site_url(request))
    body = {"@context": [services.VC_CONTEXT, "https://w3id.org/security/multikey/v1"], "id": base,
            "type": ["Profile"], "name": translate(request, _("Public consultations")),
            "verificationMethod": [], "assertionMethod": [], "keys": []}
    if signer is not None:
        method = f"{base}#{signer.key_id}"
        body["verificationMethod"].append({"id": method, "type": "Multikey", "controller": base,
                                           "publicKeyMultibase": multikey(signer.public_key)})
        body["assertionMethod"].append(method)
        body["keys"].append(jwk(signer.public_key))
    response = Response(json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"), content_type="application/json", charset="utf-8")
    response.cache_control = "public, max-age=3600"
    return response


class RevokeSchema(CSRFSchema):
    reason = colander.SchemaNode(colander.String(), title=_("Reason"), preparer=strip_text,
                                 validator=length(REASON_MAX, 1), widget=deform.widget.TextAreaWidget(rows=3))


@view_config(context=CertificatePlace, name="revoke", permission=Permissions.CertificateRevoke,
             renderer="certificates/revoke.jinja2")
class RevokeView(FormView):
    schema = RevokeSchema
    buttons = (("revoke", _("Revoke the certificate")),)
    formid = "revoke"

    def page(self, rendered_form, **extra):
        return {"form": rendered_form, **described(self.request, existing(self.context))}

    def save(self, appstruct):
        certificate = existing(self.context)
        if certificate.revoked_at is None:
            services.revoke(self.request, certificate, appstruct["reason"])
        flash(self.request, _("The certificate is revoked: its page says so to anyone who checks it."))
        return HTTPSeeOther(self.request.resource_url(self.context))


def certificate_rows(request, certificates) -> list[dict]:
    titles = services.draft_titles(request.dbsession, certificates)
    locale = request.locale_name
    rows = []
    for certificate in certificates:
        if certificate.draft_id is not None:
            names = titles.get(certificate.draft_id, {})
            title = names.get(locale) or names.get("fa", "")
        else:
            title = translate(request, _("Public consultations of the year ${year}",
                                         mapping={"year": str(certificate.year)}))
        base = request.resource_url(request.root, "certificates", certificate.code, "")
        rows.append({"certificate": certificate, "title": title, "url": base,
                     "pdf_url": base + "certificate.pdf", "json_url": base + "credential.json",
                     "code": services.display_code(certificate.code)})
    return rows


@view_config(context=MyCertificates, request_method="GET", permission=Permissions.CertificateMine,
             renderer="certificates/mine.jinja2")
def my_certificates(context, request):
    certificates = services.of_person(request.dbsession, request.identity.id)
    return {"rows": certificate_rows(request, certificates), "year": services.jalali_year(request.now)}


@view_config(context=MyCertificates, name="annual", request_method="POST", permission=Permissions.CertificateMine)
def annual_certificate(context, request):
    """The person's certificate of a Jalali year (this one or an earlier one)."""
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    this_year = services.jalali_year(request.now)
    signer = signer_of(request)
    if not 1390 <= year <= this_year or signer is None:
        flash(request, _("There is no annual certificate for that year."), "danger")
        return HTTPSeeOther(request.resource_url(context))
    certificate = services.issue_annual(request.dbsession, signer, request.identity, year, site_url(request),
                                        request.now, translate(request, _("Public consultations")))
    if certificate is None:
        flash(request, _("You took part in no consultation published in that year."), "danger")
        return HTTPSeeOther(request.resource_url(context))
    return HTTPSeeOther(request.resource_url(request.root, "certificates", certificate.code, ""))


def draft_section_data(draft, request) -> dict:
    return {"my_certificates_url": request.resource_url(request.root, "me", "certificates", ""),
            "verify_url": request.resource_url(request.root, "certificates", "")}


def account_section_data(context, request) -> dict:
    count = request.dbsession.scalar(sa.select(sa.func.count()).select_from(services.Certificate)
                                     .where(services.Certificate.user_id == request.identity.id))
    return {"certificates_count": count}
