"""The administration: people and their roles, agencies, the outbox, the reports' queue."""


def includeme(config):
    config.scan()
