"""The console commands (setup.cfg's entry points)."""

from contextlib import contextmanager


@contextmanager
def bootstrap(config_uri):
    """pyramid.paster.bootstrap, with the request's root the package's Root also inside a host application
    (mounting.locate): the links a command builds are then under the host's prefix."""
    from pyramid.paster import bootstrap as pyramid_bootstrap

    from eparticipation.mounting import locate

    with pyramid_bootstrap(config_uri) as env:
        env["request"].root = env["root"]  # as traversal sets it
        env["root"] = locate(env["request"]).root
        yield env
