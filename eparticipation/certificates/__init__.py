"""Certificates of participation (DESIGN I2): once a consultation is published, each participant may download a
signed certificate (PDF in fa or en, and the same as an Open Badges 3.0 credential), anyone may check its code,
and the agency's editors may revoke one with a reason.

    /certificates/                      the verify form (anyone: CertificateVerify)
    /certificates/<code>/               valid, revoked or unknown, with the holder's public name
    /certificates/<code>/certificate.pdf, credential.json   the holder's, or the agency's editors' (CertificateDownload)
    /certificates/<code>/revoke         revoke with a reason, audited (CertificateRevoke: the agency's editors)
    /certificates/keys                  the issuer's public key: Multikey and JWK set
    /me/certificates/                   the person's certificates, and their annual certificate (CertificateMine)

Publishing records that the consultation's certificates are due (on DraftTransitioned); the delivery worker
issues them (task `certificates`, services.issue_due). The key and the proof: signing.py.
"""


def includeme(config):
    from eparticipation.certificates.resources import CertificatesArea, MyCertificates
    from eparticipation.certificates.services import issue_due, on_transition
    from eparticipation.certificates.signing import read_signer
    from eparticipation.certificates.views import account_section_data, draft_section_data
    from eparticipation.consultations.states import State
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.permissions import Permissions

    config.registry["certificate_signer"] = read_signer(config.get_settings())
    config.scan()
    config.include("eparticipation.sections")
    config.include("eparticipation.tasks")
    config.add_root_child("certificates", CertificatesArea)
    config.add_me_child("certificates", MyCertificates)
    config.add_draft_section("certificates", "certificates/draft_section.jinja2", slot="outcome", order=30,
                             permission=Permissions.DraftView, states=(State.published,), data=draft_section_data)
    config.add_account_section("certificates", "certificates/me_section.jinja2", order=47, data=account_section_data)
    config.add_personal_data("certificates", personal_certificates)
    config.add_subscriber(on_transition, DraftTransitioned)
    config.add_worker_task("certificates", issue_due)


def personal_certificates(dbsession, user) -> list:
    from eparticipation.certificates.services import of_person

    return [{"code": c.code, "subject": c.subject, "issued_at": c.issued_at.isoformat(),
             "contributions": c.contributions, "revoked": c.revoked_at is not None} for c in of_person(dbsession, user.id)]
