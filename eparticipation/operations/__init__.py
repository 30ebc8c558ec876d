"""Operating the application: the health endpoints a load balancer and monitoring ask (/health/live,
/health/ready), the limit on request bodies, and the gunicorn hooks of production.ini (server.py).

    /health/live    the process answers; touches no database
    /health/ready   the database answers, its schema is at the code's Alembic head, the delivery worker keeps up
                    with the outbox and the report worker with the queued reports (limits in the settings)
"""

from eparticipation.operations.health import HealthLimits, migration_heads
from eparticipation.operations.limits import refuse_large_bodies


def includeme(config):
    settings = config.get_settings()
    config.registry["health_limits"] = HealthLimits.from_settings(settings)
    # Read once: the scripts of the code that runs do not change while it runs.
    config.registry["migration_heads"] = migration_heads()
    refuse_large_bodies(config)
    config.scan(".views")
