"""What the live server's database holds before the journeys start."""

from eparticipation.db import get_session_factory

from ..factories import TEST_PASSWORD, make_agency, make_user

AGENCY_CODE = "browser-agency"
EXISTING_EMAIL = "existing.participant@example.org"
EXISTING_NAME = "Existing Participant"
EXISTING_PASSWORD = TEST_PASSWORD


def seed(engine):
    """One agency (for the home page) and one participant who can sign in; committed for real."""
    session = get_session_factory(engine)()
    try:
        make_agency(session, code=AGENCY_CODE)
        make_user(session, email=EXISTING_EMAIL, display_name=EXISTING_NAME)
        session.commit()
    finally:
        session.close()
