"""The audit log (R4): every state change, append-only and hash-chained, with signed checkpoints anyone can
mirror. Lowest of the domains: each writes its own entries (`record`) or subscribes `audit.subscribers` to its
events; the auditors' pages, which read every domain, are in `eparticipation.oversight`."""

from eparticipation.audit.chain import record, verify

__all__ = ["record", "verify"]


def includeme(config):
    from eparticipation.audit.signing import read_checkpoint_policy

    config.scan()
    # Read at start-up: a site configured to sign checkpoints does not start without a usable key.
    config.registry["audit_checkpoints"] = read_checkpoint_policy(config.get_settings())
