"""The auditors' pages: the audit log with its filters and export, and each draft's response history. They read
every domain, so they belong to none (like site and admin)."""


def includeme(config):
    config.scan()
