"""Schemathesis against the API's own OpenAPI document: requests generated from every operation's parameters
(valid and invalid), sent to the WSGI application inside the test's transaction, and every answer checked — no server
error, only documented statuses, content types and headers, every body valid against its schema."""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(app, testapp, dbsession, monkeypatch):
    """The document as the application serves it, its requests answered inside the test's transaction, with a few
    consultations (ids 1… are likely to exist: the generated ids find some), comments and a published report."""
    from eparticipation.consultations.models import State

    monkeypatch.setitem(app.registry.settings, "eparticipation.api_rate.max", "100000")
    agency = make_agency(dbsession, code="mefa")
    people = [make_user(dbsession, display_name=f"شرکت‌کننده {n}") for n in range(3)]
    for n in range(4):
        draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=n + 1))
        for m, person in enumerate(people):
            make_comment(dbsession, draft, person, body=f"نظر {m} درباره پیش‌نویس {n}", anonymous=m == 0,
                         created_at=NOW - timedelta(hours=m))
    draft.state, draft.closed_at, draft.published_at = State.published, NOW, NOW
    make_final_report(dbsession, draft).frozen_at = NOW
    dbsession.flush()
    environ = dict(testapp.extra_environ)

    def in_the_tests_transaction(wsgi_environ, start_response):
        wsgi_environ.update(environ)
        return app(wsgi_environ, start_response)

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_the_tests_transaction)


def operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def test_the_api_keeps_to_its_description(api_schema):
    """Every operation, a bounded number of examples each (the whole run takes seconds, not minutes). Through
    schemathesis's Python API rather than its pytest plugin, whose lazy fixture loader does not run on pytest 9."""
    tested = []
    for operation in operations(api_schema):

        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_to_it(case):
            case.call_and_validate(checks=CHECKS)

        keeps_to_it()
        tested.append(operation.label)
    # Every operation of the document but the document's own address, which schemathesis leaves out (the other
    # tests check that answer against the document).
    assert len(tested) == 15 and "GET /openapi.json" not in tested, tested
