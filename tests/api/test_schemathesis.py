"""Schemathesis over /openapi.json of a real app, as an admin: no 5xx, and every answer is one the route declares
(status, media type, body shape and headers), with schema-invalid input refused with a 4xx.

The run is bounded and reproducible: schemathesis's examples, coverage (boundary and negative values) and fuzzing
phases with at most MAX_EXAMPLES generated cases per operation, derandomized. It drives the operations itself
through `get_all_tests` rather than `@schema.parametrize()`, whose lazy-fixture form does not run on pytest 9.
"""

from __future__ import annotations

import time
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from copilot.api.app import create_app
from copilot.auth import tokens, users
from copilot.auth.passwords import Passwords
from copilot.store import Store
from tests.conftest import PASSWORD, make_settings

MAX_EXAMPLES = 10  # per operation: ~60 operations, each with its declared answers checked
ADMIN = "fuzz-admin"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


def admin_token(store: Store) -> str:
    """A fresh admin token, the admin (re)made first: the fuzzer may disable, demote or delete users and revoke
    tokens, which must not turn the rest of the run into 401s."""
    with store.begin() as session:
        user = users.find_user(session, ADMIN)
        if user is None:
            user = users.create_user(session, name=ADMIN, role="admin", password_hash=Passwords(1, 1024).hash(PASSWORD))
        user.role, user.disabled = "admin", False
        return tokens.create_token(session, user=user)[1]


def test_every_operation_answers_as_declared_and_never_5xx(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    cases = 0

    def call(case: schemathesis.Case) -> None:
        nonlocal cases
        cases += 1
        token = admin_token(app.state.services.store)
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    bounded = settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    failures: list[str] = []
    operations = 0
    started = time.perf_counter()
    try:
        for result in get_all_tests(schema=schema, test_func=call, settings=bounded, given_kwargs=None):
            operation, test = result.ok()  # an operation schemathesis cannot read is a failure too
            operations += 1
            try:
                test()
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a FailureGroup
                failures.append(f"{operation.label}: {exc}")
    finally:
        app.state.services.store.dispose()
    print(f"schemathesis: {cases} cases over {operations} operations in {time.perf_counter() - started:.1f} s")
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
