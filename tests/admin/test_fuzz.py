"""The live admin API under schemathesis: every admin operation of the OpenAPI document keeps its contract."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from exopool.app import full_openapi_document
from tests.admin.conftest import Operator
from tests.conftest import Persona, ServerThread

EXAMPLES_PER_OPERATION = 4


def admin_document() -> dict[str, Any]:
    document = full_openapi_document()
    document["paths"] = {path: item for path, item in document["paths"].items() if path.startswith("/admin/v1/")}
    return document


def accepting(operation_ids: str, *statuses: int) -> dict[str, Any]:
    """Statuses that also count as accepting schema-valid input: what a schema cannot know (an account sid
    taken, an email the server reads as no address, a release that is not failed)."""
    expected = ["2xx", "401", "404", *map(str, statuses)]
    return {"include-operation-id-regex": operation_ids,
            "checks": {"positive_data_acceptance": {"expected-statuses": expected}}}


schema = schemathesis.openapi.from_dict(admin_document(), config=SchemathesisConfig.from_dict({
    "parameters": {"sid": "alice"},
    "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "allow-extra-parameters": False},
    "operations": [accepting("^(create_account|create_user|create_api_key|update_account)$", 400, 409),
                   accepting("^(retry_release)$", 409), accepting("^import_numbers$", 400, 422),
                   # A cursor means a position only as the server gave it: a made-up one is a 400.
                   accepting("^list_(accounts|numbers|releases|webhook_endpoints|webhook_deliveries)$", 400),
                   # A host the server cannot read, or events given as a string that names no type.
                   accepting("^create_webhook_endpoint$", 400)],
}))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_admin_operation_answers_within_its_documented_contract(
    case: Any, server: ServerThread, alice: Persona, operator: Operator,
) -> None:
    case.call_and_validate(base_url=server.url, headers=operator.headers)
