"""The auditors' pages: the audit log with its filters and export and each draft's response history (/audit/),
and the ministry's compliance dashboard (/oversight/, DESIGN E1) with its public twin (/transparency/). They
read every domain, so they belong to none (like site and admin)."""


def includeme(config):
    from eparticipation.oversight.resources import OversightArea, TransparencyArea

    config.add_root_child("oversight", OversightArea)
    config.add_root_child("transparency", TransparencyArea)
    config.scan()
