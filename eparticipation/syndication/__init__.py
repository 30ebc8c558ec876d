"""Syndication (DESIGN O4): every transition of a consultation (opened, extended, closed, withdrawn, published
with its report's outcome) is pushed as JSON to the national e-participation system.

A push is written in the transition's transaction (services.on_transition, a DraftTransitioned subscriber),
and sent by the delivery worker (`eparticipation-deliver`, delivery.py) in order per consultation, with a
bearer token, an idempotency key, an HMAC-SHA256 signature, retries with backoff and dead letters that an
administrator puts back on /admin/syndication. The body's shape is payload.SCHEMA, served at
/syndication/schema.json. Off (nothing written, nothing sent) when no receiver's address is set (settings.py).
"""


def includeme(config):
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.syndication.delivery import deliver_pushes
    from eparticipation.syndication.services import on_transition
    from eparticipation.syndication.settings import read_syndication_settings

    config.registry["syndication"] = read_syndication_settings(config.get_settings())
    config.scan()
    config.include("eparticipation.tasks")
    config.add_subscriber(on_transition, DraftTransitioned)
    config.add_worker_task("syndication", deliver_pushes)
