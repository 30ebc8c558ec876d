"""The certificates' places in the traversal tree."""

from pyramid.authorization import Authenticated, Everyone

from eparticipation.accounts.models import Role
from eparticipation.permissions import Permissions as P
from eparticipation.resources import Container, grants
from eparticipation.security import agency_principal, user_principal


class CertificatesArea(Container):
    """/certificates/: the verify form, the public key (/certificates/keys) and every code's page."""

    def __init__(self, parent):
        super().__init__(parent.request)

    def __acl__(self):
        return grants((Everyone, P.CertificateVerify))

    def __getitem__(self, name):
        from eparticipation.certificates.services import by_code

        # Only the exact stored form of a code is a child: anything else is a view name (keys) or not found.
        if len(name) != 12 or name != name.upper():
            raise KeyError(name)
        place = CertificatePlace(self.request, name, by_code(self.request.dbsession, name))
        place.__name__, place.__parent__ = name, self
        return place


class CertificatePlace:
    """/certificates/<code>/: a code, with its certificate when there is one."""

    def __init__(self, request, code, certificate):
        self.request, self.code, self.certificate = request, code, certificate

    def __acl__(self):
        entries = [(Everyone, P.CertificateVerify)]
        certificate = self.certificate
        if certificate is not None:
            entries.append((user_principal(certificate.user_id), P.CertificateDownload))
            if certificate.agency_id is not None:
                entries.append((agency_principal(certificate.agency_id, Role.editor),
                                (P.CertificateDownload, P.CertificateRevoke)))
        return grants(*entries)

    def __getitem__(self, name):
        raise KeyError(name)


class MyCertificates(Container):
    """/me/certificates/: the signed-in person's certificates and their annual ones."""

    def __init__(self, parent):
        super().__init__(parent.request)

    def __acl__(self):
        return grants((Authenticated, P.CertificateMine))
