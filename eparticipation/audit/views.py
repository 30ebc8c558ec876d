"""/audit/checkpoints and its public key: public, for anyone to mirror and check the log against."""

import hashlib
import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response as WebResponse
from pyramid.view import view_config

from eparticipation.audit.checkpoints import feed
from eparticipation.audit.signing import checkpoint_policy, public_key_pem
from eparticipation.permissions import Permissions
from eparticipation.resources import AuditCheckpoints

# Mirrors poll the feed; it changes only with a new checkpoint, so caches may keep it a few minutes and then
# ask again with the ETag (304 when nothing changed).
FEED_MAX_AGE = 300
KEY_MAX_AGE = 86400


def cacheable(response: WebResponse, max_age: int) -> WebResponse:
    response.cache_control = f"public, max-age={max_age}"
    response.etag = hashlib.sha256(response.body).hexdigest()[:32]
    response.conditional_response = True
    return response


@view_config(context=AuditCheckpoints, request_method="GET", permission=Permissions.SiteView)
def checkpoints_feed(context, request):
    body = feed(request.dbsession, checkpoint_policy(request.registry),
                public_key_url=request.resource_url(context, "public-key.pem"))
    return cacheable(WebResponse(body=json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"),
                                 content_type="application/json", charset="utf-8"), FEED_MAX_AGE)


@view_config(context=AuditCheckpoints, name="public-key.pem", request_method="GET", permission=Permissions.SiteView)
def checkpoints_public_key(context, request):
    signer = checkpoint_policy(request.registry).signer
    if signer is None:
        raise HTTPNotFound()
    return cacheable(WebResponse(body=public_key_pem(signer.public_key).encode("ascii"),
                                 content_type="application/x-pem-file", charset="us-ascii"), KEY_MAX_AGE)
