"""IncomingPhoneNumbers over real HTTP: buy, list, get, update, release."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import Persona
from tests.support import IN_LANDLINE as IN_NUMBER
from tests.support import IN_MOBILE, assert_error, bought_sid, buy, numbers_path


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


def test_every_release_answers_the_same_202_with_its_own_request_id(http: httpx.Client, alice: Persona) -> None:
    first, second = buy(http, alice).json()["sid"], buy(http, alice, IN_MOBILE).json()["sid"]
    answers = [http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth) for sid in (first, second)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].content == answers[1].content == b'{"Status":202,"Message":"Accepted"}'
    ids = [a.headers.get_list("x-request-id") for a in answers]
    assert [len(found) for found in ids] == [1, 1] and ids[0] != ids[1]  # no header left over from the last one
    assert [a.headers.get_list("content-type") for a in answers] == [["application/json"]] * 2


def test_another_accounts_number_is_404_not_403(http: httpx.Client, alice: Persona, bob: Persona) -> None:
    sid = buy(http, alice).json()["sid"]
    for method in ("GET", "PUT", "DELETE"):
        response = http.request(method, f"/v2_beta/Accounts/bob/IncomingPhoneNumbers/{sid}", auth=bob.auth)
        assert response.status_code == 404, method
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 200


def test_get_returns_the_number_object(http: httpx.Client, alice: Persona) -> None:
    bought = buy(http, alice, FriendlyName="front desk").json()
    response = http.get(f"{numbers_path(alice)}/{bought['sid']}", auth=alice.auth)
    assert response.status_code == 200
    assert response.json() == bought
    assert bought["friendly_name"] == "front desk"


def test_update_by_put_changes_only_what_is_sent(http: httpx.Client, alice: Persona) -> None:
    sid = bought_sid(http, alice, VoiceUrl="https://example.com/v", SMSUrl="https://example.com/s")
    response = http.put(f"{numbers_path(alice)}/{sid}", data={"FriendlyName": "sales"}, auth=alice.auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["friendly_name"], body["voice_url"], body["sms_url"]) == (
        "sales", "https://example.com/v", "https://example.com/s")
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).json() == body


def test_update_by_post_is_an_alias_of_put(http: httpx.Client, alice: Persona) -> None:
    sid = bought_sid(http, alice)
    response = http.post(f"{numbers_path(alice)}/{sid}", data={"VoiceUrl": "https://flows.example.com/1"},
                         auth=alice.auth)
    assert response.status_code == 200
    assert response.json()["voice_url"] == "https://flows.example.com/1"


def test_update_with_an_empty_url_clears_it_and_an_empty_name_restores_the_default(
    http: httpx.Client, alice: Persona,
) -> None:
    sid = bought_sid(http, alice, VoiceUrl="https://example.com/v", FriendlyName="sales")
    body = http.put(f"{numbers_path(alice)}/{sid}", data={"VoiceUrl": "", "FriendlyName": ""}, auth=alice.auth).json()
    assert body["voice_url"] is None and body["friendly_name"] == "08048332510"


def test_update_with_invalid_values_is_400_and_changes_nothing(http: httpx.Client, alice: Persona) -> None:
    sid = bought_sid(http, alice)
    before = http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).json()
    for params in ({"VoiceUrl": "ftp://example.com/v"}, {"SMSUrl": "/relative"}, {"FriendlyName": "x" * 65}):
        assert_error(http.put(f"{numbers_path(alice)}/{sid}", data=params, auth=alice.auth), 400, 1002)
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).json() == before


def test_released_number_cannot_be_updated(http: httpx.Client, alice: Persona) -> None:
    sid = bought_sid(http, alice)
    assert http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 202
    assert_error(http.put(f"{numbers_path(alice)}/{sid}", data={"FriendlyName": "x"}, auth=alice.auth), 404, 1000)


def test_purchase_accepts_every_form_of_the_number(http: httpx.Client, alice: Persona) -> None:
    forms = {"+918048332511": "+918048332511", "918048332512": "+918048332512",
             "08048332513": "+918048332513", "8048332514": "+918048332514", "+91 80 4833 2515": "+918048332515"}
    for raw, e164 in forms.items():
        response = buy(http, alice, raw)
        assert response.status_code == 200, raw
        assert response.json()["phone_number"] == e164


def buy_five(http: httpx.Client, persona: Persona) -> list[str]:
    return [bought_sid(http, persona, f"+91804833252{i}") for i in range(5)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_list_envelope_pages_in_order_of_purchase(http: httpx.Client, alice: Persona, clock) -> None:  # type: ignore[no-untyped-def]
    sids = []
    for i in range(5):
        sids.append(bought_sid(http, alice, f"+91804833252{i}"))
        clock.advance(1)
    pages = [http.get(numbers_path(alice), params={"Page": p, "PageSize": 2}, auth=alice.auth).json()
             for p in range(3)]
    assert [n["sid"] for page in pages for n in page["incoming_phone_numbers"]] == sids
    first, middle, last = pages
    origin = http.base_url.scheme + "://api.in.exotel.com"
    assert (first["page"], first["page_size"]) == (0, 2)
    assert first["uri"] == f"{origin}{numbers_path(alice)}?Page=0&PageSize=2"  # absolute, as Exotel answers it
    assert first["first_page_uri"] == f"{origin}{numbers_path(alice)}?Page=0&PageSize=2"
    assert first["previous_page_uri"] is None
    assert first["next_page_uri"] == f"{origin}{numbers_path(alice)}?Page=1&PageSize=2"
    assert middle["previous_page_uri"] == first["first_page_uri"]
    assert middle["next_page_uri"] == f"{origin}{numbers_path(alice)}?Page=2&PageSize=2"
    assert last["next_page_uri"] is None and len(last["incoming_phone_numbers"]) == 1
    assert last["previous_page_uri"] == f"{origin}{numbers_path(alice)}?Page=1&PageSize=2"


def test_list_next_page_uri_is_null_when_the_last_page_is_exactly_full(http: httpx.Client, alice: Persona) -> None:
    for i in range(4):
        bought_sid(http, alice, f"+91804833252{i}")
    second = http.get(numbers_path(alice), params={"Page": 1, "PageSize": 2}, auth=alice.auth).json()
    assert len(second["incoming_phone_numbers"]) == 2 and second["next_page_uri"] is None


def test_list_of_an_account_without_numbers_is_one_empty_page(http: httpx.Client, alice: Persona) -> None:
    body = http.get(numbers_path(alice), auth=alice.auth).json()
    assert body["incoming_phone_numbers"] == [] and body["page_size"] == 50
    assert body["next_page_uri"] is None and body["previous_page_uri"] is None


def test_list_links_follow_the_host_and_scheme_the_client_used(server, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    buy_five_with = httpx.Client(base_url=server.url, headers={"Host": "numbers.example.org:8443"})
    with buy_five_with as client:
        buy_five(client, alice)
        body = client.get(numbers_path(alice), params={"PageSize": 2}, auth=alice.auth).json()
        forwarded = client.get(numbers_path(alice), params={"PageSize": 2}, auth=alice.auth,
                               headers={"X-Forwarded-Proto": "https"}).json()
    assert body["next_page_uri"].startswith("http://numbers.example.org:8443/v2_beta/Accounts/alice/")
    assert forwarded["next_page_uri"].startswith("https://numbers.example.org:8443/")


def test_list_links_carry_the_filters(http: httpx.Client, alice: Persona) -> None:
    buy_five(http, alice)
    body = http.get(numbers_path(alice), params={"PhoneNumber": "08048332521", "PageSize": 1},
                    auth=alice.auth).json()
    assert [n["phone_number"] for n in body["incoming_phone_numbers"]] == ["+918048332521"]
    assert body["next_page_uri"] is None
    assert query_of(body["first_page_uri"]) == {"PhoneNumber": ["08048332521"], "Page": ["0"], "PageSize": ["1"]}


def test_list_filters_by_friendly_name(http: httpx.Client, alice: Persona) -> None:
    buy_five(http, alice)
    bought_sid(http, alice, "+918048332530", FriendlyName="sales")
    body = http.get(numbers_path(alice), params={"FriendlyName": "sales"}, auth=alice.auth).json()
    assert [n["phone_number"] for n in body["incoming_phone_numbers"]] == ["+918048332530"]
    assert query_of(body["first_page_uri"])["FriendlyName"] == ["sales"]


def test_list_with_a_page_size_out_of_range_is_400(http: httpx.Client, alice: Persona) -> None:
    for size in ("0", "1001", "-5", "many"):
        body = assert_error(http.get(numbers_path(alice), params={"PageSize": size}, auth=alice.auth), 400, 1002)
        assert "PageSize" in body["RestException"]["Message"]
    assert http.get(numbers_path(alice), params={"PageSize": "1000"}, auth=alice.auth).status_code == 200


def test_list_shows_only_the_callers_numbers(http: httpx.Client, alice: Persona, bob: Persona) -> None:
    bought_sid(http, alice)
    mine = bought_sid(http, bob, "+918048332520")
    listed = http.get(numbers_path(bob), auth=bob.auth).json()["incoming_phone_numbers"]
    assert [n["sid"] for n in listed] == [mine]
