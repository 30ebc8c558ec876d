"""The home page and the error pages."""


def includeme(config):
    config.scan()
