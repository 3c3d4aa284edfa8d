"""IncomingPhoneNumbers over real HTTP: buy, list, get, update, release."""

from __future__ import annotations

import httpx

from tests.conftest import Persona

IN_NUMBER = "+918048332510"


def numbers_path(persona: Persona) -> str:
    return f"/v2_beta/Accounts/{persona.sid}/IncomingPhoneNumbers"


def buy(http: httpx.Client, persona: Persona, number: str = IN_NUMBER, **params: str) -> httpx.Response:
    return http.post(numbers_path(persona), data={"PhoneNumber": number, **params}, auth=persona.auth)


def test_bought_number_is_returned_with_every_wire_field(http: httpx.Client, alice: Persona) -> None:
    response = buy(http, alice, VoiceUrl="https://example.com/voice")
    assert response.status_code == 200
    body = response.json()
    assert body["phone_number"] == IN_NUMBER
    assert body["friendly_name"] == "08048332510"
    assert body["account_sid"] == "alice"
    assert body["capabilities"] == {"voice": True, "sms": False}
    assert (body["country"], body["region"], body["number_type"]) == ("IN", "KA", "Landline")
    assert body["voice_url"] == "https://example.com/voice" and body["sms_url"] is None
    assert (body["rental_price"], body["incoming_rate"], body["currency"]) == ("499.000000", "0.500000", "INR")
    assert len(body["sid"]) == 32 and body["uri"] == f"{numbers_path(alice)}/{body['sid']}"
    assert body["date_created"].endswith("Z")


def test_bought_number_appears_in_the_list_and_released_number_leaves_it(http: httpx.Client, alice: Persona) -> None:
    sid = buy(http, alice).json()["sid"]
    listed = http.get(numbers_path(alice), auth=alice.auth).json()["incoming_phone_numbers"]
    assert [n["sid"] for n in listed] == [sid]
    released = http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth)
    assert released.status_code == 202
    assert released.json() == {"Status": 202, "Message": "Accepted"}
    assert http.get(numbers_path(alice), auth=alice.auth).json()["incoming_phone_numbers"] == []
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 404
    assert http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 404


def test_another_accounts_number_is_404_not_403(http: httpx.Client, alice: Persona, bob: Persona) -> None:
    sid = buy(http, alice).json()["sid"]
    for method in ("GET", "PUT", "DELETE"):
        response = http.request(method, f"/v2_beta/Accounts/bob/IncomingPhoneNumbers/{sid}", auth=bob.auth)
        assert response.status_code == 404, method
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 200


def test_release_through_a_server_process_answers_202(settings, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ServerProcess

    with ServerProcess(settings) as server, httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as c:
        sid = buy(c, alice).json()["sid"]
        response = c.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth)
    assert (response.status_code, response.json()) == (202, {"Status": 202, "Message": "Accepted"})
