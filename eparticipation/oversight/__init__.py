"""The auditors' pages: the audit log with its filters and export and each draft's response history (/audit/),
and the ministry's compliance dashboard (/oversight/, DESIGN E1) with its public twin (/transparency/). They
read every domain, so they belong to none (like site and admin)."""


def includeme(config):
    from eparticipation.oversight.resources import OversightArea, TransparencyArea
    from eparticipation.oversight.tallies import on_comment_changed
    from eparticipation.participation.events import CommentChanged

    config.add_root_child("oversight", OversightArea)
    config.add_root_child("transparency", TransparencyArea)
    config.add_subscriber(on_comment_changed, CommentChanged)  # the comments the flushes do not see
    config.scan()
