"""What real clients send: .json suffixes, three body encodings, any spelling of a parameter, numbers as sids."""

from __future__ import annotations

import json

import httpx

from tests.conftest import Persona
from tests.support import IN_LANDLINE, account_path, bought_sid, numbers_path


def test_every_path_accepts_a_json_suffix(http: httpx.Client, alice: Persona) -> None:
    base = account_path(alice)
    assert http.get(f"{base}/AvailablePhoneNumbers.json", auth=alice.auth).json()["countries"]
    assert len(http.get(f"{base}/AvailablePhoneNumbers/IN/Landline.json", auth=alice.auth).json()) == 50
    bought = http.post(f"{numbers_path(alice)}.json", data={"PhoneNumber": IN_LANDLINE}, auth=alice.auth)
    assert bought.status_code == 200
    sid = bought.json()["sid"]
    listed = http.get(f"{numbers_path(alice)}.json", auth=alice.auth).json()["incoming_phone_numbers"]
    assert [n["sid"] for n in listed] == [sid]
    assert http.get(f"{numbers_path(alice)}/{sid}.json", auth=alice.auth).json()["sid"] == sid
    updated = http.put(f"{numbers_path(alice)}/{sid}.json", data={"FriendlyName": "a"}, auth=alice.auth)
    assert updated.json()["friendly_name"] == "a"
    assert http.post(f"{numbers_path(alice)}/{sid}.json", data={"FriendlyName": "b"},
                     auth=alice.auth).json()["friendly_name"] == "b"
    released = http.delete(f"{numbers_path(alice)}/{sid}.json", auth=alice.auth)
    assert (released.status_code, released.json()) == (202, {"Status": 202, "Message": "Accepted"})


def test_a_json_suffix_glued_to_the_query_string_is_ignored(http: httpx.Client, alice: Persona) -> None:
    base = account_path(alice)
    found = http.get(f"{base}/AvailablePhoneNumbers/IN/Landline?Contains=4833251.json", auth=alice.auth).json()
    assert len(found) == 10 and all("4833251" in c["phone_number"] for c in found)
    bought_sid(http, alice)
    page = http.get(f"{numbers_path(alice)}?PageSize=1.json", auth=alice.auth).json()
    assert page["page_size"] == 1 and len(page["incoming_phone_numbers"]) == 1


def test_purchase_takes_form_json_and_multipart_bodies(http: httpx.Client, alice: Persona) -> None:
    form = http.post(numbers_path(alice), data={"PhoneNumber": "+918048332511", "VoiceUrl": "https://e.com/f"},
                     auth=alice.auth)
    as_json = http.post(numbers_path(alice), json={"PhoneNumber": "+918048332512", "VoiceUrl": "https://e.com/j"},
                        auth=alice.auth)
    multipart = http.post(numbers_path(alice), data={"PhoneNumber": "+918048332513", "VoiceUrl": "https://e.com/m"},
                          files={"ignored": ("note.txt", b"hello")}, auth=alice.auth)
    assert multipart.request.headers["content-type"].startswith("multipart/form-data")
    for response, number, url in ((form, "+918048332511", "https://e.com/f"), (as_json, "+918048332512",
                                  "https://e.com/j"), (multipart, "+918048332513", "https://e.com/m")):
        assert response.status_code == 200, response.text
        assert (response.json()["phone_number"], response.json()["voice_url"]) == (number, url)


def test_update_takes_form_json_and_multipart_bodies(http: httpx.Client, alice: Persona) -> None:
    sid = bought_sid(http, alice)
    path = f"{numbers_path(alice)}/{sid}"
    assert http.put(path, data={"SMSUrl": "https://e.com/1"}, auth=alice.auth).json()["sms_url"] == "https://e.com/1"
    assert http.put(path, json={"SMSUrl": "https://e.com/2"}, auth=alice.auth).json()["sms_url"] == "https://e.com/2"
    multipart = http.put(path, data={"SMSUrl": "https://e.com/3"}, files={"f": ("f", b"x")}, auth=alice.auth)
    assert multipart.json()["sms_url"] == "https://e.com/3"


def test_json_body_values_may_be_numbers_and_nulls(http: httpx.Client, alice: Persona) -> None:
    response = http.post(numbers_path(alice), content=json.dumps({"PhoneNumber": 918048332514, "VoiceUrl": None}),
                         headers={"Content-Type": "application/json; charset=utf-8"}, auth=alice.auth)
    assert response.status_code == 200
    assert response.json()["phone_number"] == "+918048332514" and response.json()["voice_url"] is None


def test_parameter_names_match_in_camel_case_any_case_and_snake_case(http: httpx.Client, alice: Persona) -> None:
    spellings = [
        {"PhoneNumber": "+918048332511", "VoiceUrl": "https://e.com/a", "SMSUrl": "https://e.com/s",
         "FriendlyName": "a"},
        {"phonenumber": "+918048332512", "VOICEURL": "https://e.com/a", "smsurl": "https://e.com/s",
         "friendlyNAME": "a"},
        {"phone_number": "+918048332513", "voice_url": "https://e.com/a", "sms_url": "https://e.com/s",
         "friendly_name": "a"},
    ]
    for params in spellings:
        body = http.post(numbers_path(alice), data=params, auth=alice.auth).json()
        assert (body["voice_url"], body["sms_url"], body["friendly_name"]) == ("https://e.com/a", "https://e.com/s",
                                                                                "a"), params
    for name in ("pagesize", "PAGESIZE", "page_size"):
        page = http.get(numbers_path(alice), params={name: "1"}, auth=alice.auth).json()
        assert page["page_size"] == 1, name
    found = http.get(f"{account_path(alice)}/AvailablePhoneNumbers/IN/Mobile",
                     params={"incoming_sms": "true", "in_region": "ka", "CONTAINS": "0012", "Page_Size": "2"},
                     auth=alice.auth).json()
    assert len(found) == 2 and all(c["capabilities"]["sms"] for c in found)


def test_unknown_parameters_are_ignored(http: httpx.Client, alice: Persona) -> None:
    bought = http.post(numbers_path(alice), data={"PhoneNumber": IN_LANDLINE, "Colour": "blue", "AreaCode": "80"},
                       auth=alice.auth)
    assert bought.status_code == 200
    sid = bought.json()["sid"]
    assert http.put(f"{numbers_path(alice)}/{sid}", json={"Nonsense": {"deep": [1]}, "FriendlyName": "x"},
                    auth=alice.auth).json()["friendly_name"] == "x"
    assert http.put(f"{numbers_path(alice)}/{sid}", json={"Nonsense": "yes", "FriendlyName": "y", "Tags": []},
                    auth=alice.auth).json()["friendly_name"] == "y"
    assert http.get(numbers_path(alice), params={"Sort": "desc", "Status": "x"},
                    auth=alice.auth).status_code == 200
    assert http.get(f"{account_path(alice)}/AvailablePhoneNumbers/IN/Landline", params={"Beta": "1"},
                    auth=alice.auth).status_code == 200


def test_sid_routes_accept_the_number_itself_in_every_form(http: httpx.Client, alice: Persona) -> None:
    sid = bought_sid(http, alice)
    for ref in ("+918048332510", "%2B918048332510", "918048332510", "08048332510"):
        response = http.get(f"{numbers_path(alice)}/{ref}", auth=alice.auth)
        assert (response.status_code, response.json().get("sid")) == (200, sid), ref
    assert http.put(f"{numbers_path(alice)}/08048332510", data={"FriendlyName": "by number"},
                    auth=alice.auth).json()["sid"] == sid
    assert http.post(f"{numbers_path(alice)}/918048332510.json", data={"VoiceUrl": "https://e.com/n"},
                     auth=alice.auth).json()["voice_url"] == "https://e.com/n"
    assert http.delete(f"{numbers_path(alice)}/+918048332510", auth=alice.auth).status_code == 202
    assert http.get(f"{numbers_path(alice)}/08048332510", auth=alice.auth).status_code == 404


def test_a_number_the_account_does_not_hold_is_404_in_every_form(http: httpx.Client, alice: Persona) -> None:
    for ref in ("+918048332510", "08048332510", "12345", "not-a-sid", "0" * 32):
        assert http.get(f"{numbers_path(alice)}/{ref}", auth=alice.auth).status_code == 404, ref
