"""Accounts: people, their demographic profile, sign-in, and the roles they hold."""


def add_personal_data(config, name: str, exporter):
    """Each part of the system that keeps something of a person adds it to their data download (/me/export):
    `exporter(dbsession, user) -> JSON-serialisable list or dict`, under `name`."""

    def register():
        config.registry.setdefault("personal_data", {})[name] = exporter

    config.action(("personal_data", name), register)


def read_settings(settings: dict) -> None:
    """The accounts' settings, parsed and validated in place."""
    from eparticipation import settings as parse

    parse.integer(settings, "eparticipation.login_throttle.max_failures", 5)
    parse.integer(settings, "eparticipation.login_throttle.max_failures_per_client", 20)
    parse.integer(settings, "eparticipation.login_throttle.window_minutes", 15)
    # Staff (editors, coordinators, auditors, admins) hold no role until their session passed a second factor.
    parse.boolean(settings, "eparticipation.mfa.required_for_staff", True)
    # Only a development ini sets this: the demo's console script then prints a demo account's current code.
    parse.boolean(settings, "eparticipation.mfa.demo_codes", False)
    # Changing a credential (the second factor, the recovery codes) asks again for the password (and code) after this.
    parse.integer(settings, "eparticipation.reauthentication_minutes", 10)
    # How long a link to set a new password, and a link to confirm an e-mail address, work (accounts/tokens.py).
    parse.number(settings, "eparticipation.password_reset.hours", 1)
    parse.number(settings, "eparticipation.email_verification.hours", 48)


def includeme(config):
    from eparticipation.accounts import sessions

    read_settings(config.get_settings())
    config.scan()
    config.include("eparticipation.sections")
    config.add_directive("add_personal_data", add_personal_data)
    # The account page (/me/); the view gives `profile`, `grants` and `role_labels`.
    config.add_account_section("account", "accounts/me_account_section.jinja2", order=10)
    config.add_account_section("profile", "accounts/me_profile_section.jinja2", order=20)
    config.add_account_section("security", "accounts/me_security_section.jinja2", order=30)
    config.add_account_section("roles", "accounts/me_roles_section.jinja2", order=90)
    config.add_personal_data("sessions", sessions.personal_data)
