"""AvailablePhoneNumbers over real HTTP: the countries, and the search with its filters and paging."""

from __future__ import annotations

import httpx

from tests.conftest import Persona
from tests.support import IN_LANDLINE, account_path, assert_error, buy

CANDIDATE_FIELDS = {"friendly_name", "phone_number", "capabilities", "country", "region", "number_type",
                    "rental_price", "one_time_price", "incoming_rate", "currency"}


def search(http: httpx.Client, persona: Persona, path: str = "IN/Landline", **query: str) -> httpx.Response:
    return http.get(f"{account_path(persona)}/AvailablePhoneNumbers/{path}", params=query, auth=persona.auth)


def test_countries_list_the_clusters_pool_with_a_link_for_each_type(http: httpx.Client, alice: Persona) -> None:
    response = http.get(f"{account_path(alice)}/AvailablePhoneNumbers", auth=alice.auth)
    assert response.status_code == 200
    base = "/v2_beta/Accounts/alice/AvailablePhoneNumbers"
    assert response.json() == {
        "uri": base,
        "countries": [{
            "country_code": "IN", "country": "India", "uri": f"{base}/IN",
            "subresource_uris": {kind: f"{base}/IN/{kind}" for kind in ("Landline", "Mobile", "TollFree")},
        }],
    }


def test_countries_are_empty_when_the_clusters_pool_is_empty(http: httpx.Client, db, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_persona

    lonely = make_persona(db, clock, "lonely", "in")
    body = http.get(f"{account_path(lonely)}/AvailablePhoneNumbers.json", auth=lonely.auth).json()
    assert body["countries"] == []


def test_search_answers_a_bare_array_of_candidates(http: httpx.Client, alice: Persona) -> None:
    response = search(http, alice, PageSize="3")
    assert response.status_code == 200
    found = response.json()
    assert isinstance(found, list) and len(found) == 3
    assert all(set(candidate) == CANDIDATE_FIELDS for candidate in found)
    assert found[0] == {
        "friendly_name": "02261234000", "phone_number": "+912261234000",
        "capabilities": {"voice": True, "sms": False}, "country": "IN", "region": "MU",
        "number_type": "Landline", "rental_price": "499.000000", "one_time_price": "999.000000",
        "incoming_rate": "0.500000", "currency": "INR",
    }
    assert [c["phone_number"] for c in found] == sorted(c["phone_number"] for c in found)


def test_search_type_is_matched_in_any_case(http: httpx.Client, alice: Persona) -> None:
    for spelling in ("tollfree", "TOLLFREE", "TollFree"):
        found = search(http, alice, f"IN/{spelling}").json()
        assert len(found) == 5 and {c["number_type"] for c in found} == {"TollFree"}, spelling


def test_search_sees_only_its_own_clusters_pool(http: httpx.Client, alice: Persona, sam: Persona) -> None:
    in_numbers = {c["phone_number"] for c in search(http, alice, PageSize="1000").json()}
    sg = http.get(f"{account_path(sam)}/AvailablePhoneNumbers/IN/Landline", params={"PageSize": "1000"},
                  auth=sam.auth, headers={"Host": "api.exotel.com"}).json()
    sg_numbers = {c["phone_number"] for c in sg}
    assert len(in_numbers) == 60 and len(sg_numbers) == 60
    assert not in_numbers & sg_numbers


def test_search_by_incoming_sms_accepts_every_spelling_of_a_boolean(http: httpx.Client, alice: Persona) -> None:
    for yes in ("true", "YES", "1", "True"):
        assert search(http, alice, "IN/Mobile", IncomingSMS=yes, PageSize="1000").json() != []
        assert search(http, alice, "IN/Landline", IncomingSMS=yes).json() == []
    for no in ("false", "No", "0"):
        assert len(search(http, alice, "IN/Landline", IncomingSMS=no, PageSize="1000").json()) == 60
        assert search(http, alice, "IN/Mobile", IncomingSMS=no).json() == []


def test_search_by_region_keeps_one_circle(http: httpx.Client, alice: Persona) -> None:
    found = search(http, alice, InRegion="mu", PageSize="1000").json()
    assert len(found) == 20 and {c["region"] for c in found} == {"MU"}
    assert search(http, alice, InRegion="WB").json() == []


def test_search_by_contains_matches_digits_anywhere(http: httpx.Client, alice: Persona) -> None:
    found = search(http, alice, Contains="3325").json()
    assert len(found) == 40 and all("3325" in c["phone_number"] for c in found)
    assert [c["phone_number"] for c in search(http, alice, Contains="4833251").json()] == [
        f"+91804833251{i}" for i in range(10)]


def test_search_pages_through_the_candidates(http: httpx.Client, alice: Persona) -> None:
    everything = [c["phone_number"] for c in search(http, alice, PageSize="1000").json()]
    pages = [[c["phone_number"] for c in search(http, alice, Page=str(p), PageSize="25").json()] for p in range(3)]
    assert [len(page) for page in pages] == [25, 25, 10]
    assert [number for page in pages for number in page] == everything
    assert search(http, alice, Page="3", PageSize="25").json() == []
    assert len(search(http, alice).json()) == 50  # the default page size


def test_bought_number_is_no_longer_a_candidate(http: httpx.Client, alice: Persona) -> None:
    assert IN_LANDLINE in {c["phone_number"] for c in search(http, alice, Contains="48332510").json()}
    buy(http, alice)
    assert search(http, alice, Contains="48332510").json() == []


def test_search_with_nothing_found_is_an_empty_array(http: httpx.Client, alice: Persona) -> None:
    assert search(http, alice, Contains="99999999").json() == []
    assert search(http, alice, "US/Landline").json() == []


INVALID_SEARCHES = [
    ("IN/Fax", {}, "Type 'Fax'"),
    ("IN/Landline", {"InRegion": "ZZ"}, "InRegion 'ZZ'"),
    ("IN/Landline", {"PageSize": "0"}, "PageSize"),
    ("IN/Landline", {"PageSize": "1001"}, "PageSize"),
    ("IN/Landline", {"PageSize": "ten"}, "PageSize"),
    ("IN/Landline", {"Page": "-1"}, "Page"),
    ("IN/Landline", {"IncomingSMS": "maybe"}, "IncomingSMS"),
    ("IN/Landline", {"Contains": "94x"}, "Contains"),
    ("XX/Landline", {}, "Country 'XX'"),
]


def test_search_with_an_invalid_parameter_is_400_naming_it(http: httpx.Client, alice: Persona) -> None:
    # One server for the whole table: each case is a read, so none can affect another.
    for path, query, fragment in INVALID_SEARCHES:
        body = assert_error(search(http, alice, path, **query), 400, 1002)
        assert fragment in body["RestException"]["Message"], (path, query)


def test_search_without_credentials_is_401_before_any_parameter_is_judged(http: httpx.Client, alice: Persona) -> None:
    response = http.get(f"{account_path(alice)}/AvailablePhoneNumbers/IN/Fax", params={"PageSize": "0"})
    assert_error(response, 401, 1010)


def test_each_countrys_uri_answers_its_entry(http: httpx.Client, alice: Persona) -> None:
    listed = http.get(f"{account_path(alice)}/AvailablePhoneNumbers", auth=alice.auth).json()["countries"]
    for entry in listed:
        response = http.get(entry["uri"], auth=alice.auth)
        assert response.status_code == 200
        assert response.json() == entry
    assert http.get(f"{account_path(alice)}/AvailablePhoneNumbers/in.json", auth=alice.auth).json() == listed[0]


def test_a_country_without_buyable_numbers_is_404_and_an_invalid_code_400(
    http: httpx.Client, alice: Persona, sam: Persona,
) -> None:
    assert_error(http.get(f"{account_path(alice)}/AvailablePhoneNumbers/SG", auth=alice.auth), 404, 1000)
    assert_error(http.get(f"{account_path(alice)}/AvailablePhoneNumbers/XX", auth=alice.auth), 400, 1002)
    singapore = http.get(f"{account_path(sam)}/AvailablePhoneNumbers/IN", headers={"Host": "api.exotel.com"},
                         auth=sam.auth)
    assert singapore.json()["uri"] == "/v2_beta/Accounts/sam/AvailablePhoneNumbers/IN"  # its own cluster's pool
    assert http.get(f"{account_path(alice)}/AvailablePhoneNumbers/IN").status_code == 401  # credentials first


def test_a_country_whose_pool_is_all_sold_is_404(http: httpx.Client, db, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_persona

    lonely = make_persona(db, clock, "lonely", "in")  # no pool imported: nothing buyable anywhere
    assert_error(http.get(f"{account_path(lonely)}/AvailablePhoneNumbers/IN", auth=lonely.auth), 404, 1000)
