"""Accounts: people, their demographic profile, sign-in, and the roles they hold."""


def add_personal_data(config, name: str, exporter):
    """Each part of the system that keeps something of a person adds it to their data download (/me/export):
    `exporter(dbsession, user) -> JSON-serialisable list or dict`, under `name`."""

    def register():
        config.registry.setdefault("personal_data", {})[name] = exporter

    config.action(("personal_data", name), register)


def includeme(config):
    config.add_directive("add_personal_data", add_personal_data)
