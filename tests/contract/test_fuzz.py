"""The live server under schemathesis: every operation of the OpenAPI document, then buy → get → update → release."""

from __future__ import annotations

import base64
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from exopool.api.openapi import openapi_document
from tests.conftest import Persona, ServerThread

EXAMPLES_PER_OPERATION = int(__import__('os').environ.get('FUZZ_N', 25))


def fuzz_config(max_examples: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        # The account's own sid, so generated cases reach past authentication.
        "parameters": {"AccountSid": "alice"},
        "generation": {"mode": "all", "max-examples": max_examples},
        "operations": [
            accepting("^purchase_phone_number", 400, 422),
            accepting("^list_phone_numbers", 400),
            accepting("^(update|release)_phone_number", 422),
        ],
    })


def accepting(operation_ids: str, *statuses: int) -> dict[str, Any]:
    """Statuses that also count as accepting schema-valid input on these operations.

    Whether a number can be bought, or is a real number at all, is beyond a JSON Schema, so a
    schema-valid PhoneNumber may rightly be a 400 (spec 6.3); and an Idempotency-Key that the
    fuzzer happens to repeat with another request is rightly a 422 (spec 7).
    """
    expected = ["2xx", "401", "403", "404", "409", "429", *map(str, statuses)]
    return {"include-operation-id-regex": operation_ids,
            "checks": {"positive_data_acceptance": {"expected-statuses": expected}}}


schema = schemathesis.openapi.from_dict(openapi_document(), config=fuzz_config(EXAMPLES_PER_OPERATION))


def headers_for(persona: Persona) -> dict[str, str]:
    token = base64.b64encode(f"{persona.key}:{persona.token}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Host": "api.in.exotel.com"}


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_documented_contract(case: Any, server: ServerThread, alice: Persona) -> None:
    case.call_and_validate(base_url=server.url, headers=headers_for(alice))
