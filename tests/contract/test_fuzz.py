"""The live server under schemathesis: every operation of the OpenAPI document, then buy → get → update → release."""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from exopool.api.openapi import openapi_document
from tests.conftest import Persona, ServerThread

# Per operation and generation phase: about 400 cases over the fifteen operations.
EXAMPLES_PER_OPERATION = 4


def fuzz_config(max_examples: int, mode: str = "all") -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        # The account's own sid, so generated cases reach past authentication.
        "parameters": {"AccountSid": "alice"},
        # Unknown parameters are ignored by contract (spec 3), so adding some is no negative case.
        "generation": {"mode": mode, "max-examples": max_examples, "allow-extra-parameters": False},
        "operations": [
            accepting("^purchase_phone_number", 400, 422),
            accepting("^list_phone_numbers", 400),
            accepting("^(update|release|restore)_phone_number", 422),
            # Events may be JSON null (left out); a form or multipart body can only send it as the text "null".
            accepting("^create_webhook_endpoint", 400),
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
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_answers_within_its_documented_contract(
    case: Any, server: ServerThread, alice: Persona,
) -> None:
    case.call_and_validate(base_url=server.url, headers=headers_for(alice))


CHAIN = ("purchase_phone_number", "get_phone_number", "update_phone_number", "release_phone_number")


def chain_schema() -> Any:
    """The document cut down to the four linked operations, so every scenario starts with a purchase."""
    document = copy.deepcopy(openapi_document())
    document["paths"] = {
        path: {method: op for method, op in item.items() if op["operationId"] in CHAIN}
        for path, item in document["paths"].items()
    }
    document["paths"] = {path: item for path, item in document["paths"].items() if item}
    # Positive data only: the scenario swaps in real pool numbers, which would turn a negative case valid.
    return schemathesis.openapi.from_dict(document, config=fuzz_config(EXAMPLES_PER_OPERATION, mode="positive"))


def test_buy_get_update_release_chain_holds_its_contract(server: ServerThread, alice: Persona) -> None:
    """The OpenAPI links drive the scenario: each bought sid is then read, changed and released."""
    available = httpx.get(f"{server.url}/v2_beta/Accounts/alice/AvailablePhoneNumbers/IN/Landline?PageSize=200",
                          headers=headers_for(alice)).json()
    numbers = iter([n["phone_number"] for n in available])
    seen: dict[str, set[int]] = {}

    class Scenario(chain_schema().as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            case.path_parameters["AccountSid"] = alice.sid
            # Keys the fuzzer repeats across scenarios would rightly be 422s; each call gets its own.
            if case.headers and "Idempotency-Key" in case.headers:
                case.headers["Idempotency-Key"] = uuid.uuid4().hex
            # A bought number must come from the pool: give each purchase a fresh one.
            if case.operation.definition.raw["operationId"] == "purchase_phone_number" and isinstance(case.body, dict):
                case.body["PhoneNumber"] = next(numbers)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": server.url, "headers": headers_for(alice)}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            seen.setdefault(case.operation.definition.raw["operationId"].split("_phone_number")[0],
                            set()).add(response.status_code)

    Scenario.run(settings=settings(max_examples=25, stateful_step_count=6, deadline=None, derandomize=True,
                                   suppress_health_check=list(HealthCheck), database=None))
    assert 200 in seen.get("purchase", set()), seen
    assert 200 in seen.get("get", set()) and 200 in seen.get("update", set()), seen
    assert 202 in seen.get("release", set()), seen
