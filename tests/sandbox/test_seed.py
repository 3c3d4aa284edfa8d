"""Seed parsing: every problem reported with where it is; ranges expanded; the default seed valid."""

from __future__ import annotations

import pytest

from exopool.sandbox.seed import SeedRejected, default_seed, load_seed_text, parse_seed
from exopool.services import demo

LANDLINE = {"phone_number": "+918048332500", "cluster": "in", "type": "Landline", "region": "KA"}


@pytest.mark.parametrize(("seed", "expected"), [
    ({"accounts": [{"cluster": "in"}]}, "accounts[0].sid: required"),
    ({"accounts": [{"sid": "x", "cluster": "mars"}]}, "accounts[0].cluster: 'mars' is not one of"),
    ({"accounts": [{"sid": "x", "cluster": "in", "api_keys": [{"key": "k"}]}]},
     "accounts[0].api_keys[0].token: required"),
    ({"accounts": [{"sid": "x", "cluster": "in", "api_keys": [{"key": "k:1", "token": "t"}]}]}, "no ':'"),
    ({"accounts": [{"sid": "x", "cluster": "in", "status": "gone"}]}, "accounts[0].status"),
    ({"accounts": [{"sid": "x", "cluster": "in", "numbers": ["+918048332599"]}]}, "is not in the pool"),
    ({"accounts": [{"sid": "x", "cluster": "sg", "numbers": ["+918048332500"]}], "pool": [LANDLINE]},
     "is in the in pool, not sg"),
    ({"accounts": [{"sid": "x", "cluster": "in", "numbers": [{"phone_number": "+918048332500", "sid": "XYZ"}]}],
      "pool": [LANDLINE]}, "numbers[0].sid: must be 32 lower-case hex"),
    ({"accounts": [{"sid": "x", "cluster": "in", "numbers": [{"phone_number": "+918048332500", "voice_url": "ftp://a"}]}],
      "pool": [LANDLINE]}, "must be an absolute http or https URL"),
    ({"accounts": [{"sid": "x", "cluster": "in"}, {"sid": "x", "cluster": "in"}]}, "accounts[1].sid: 'x' is used more"),
    ({"accounts": [{"sid": "x", "cluster": "in", "api_keys": [{"key": "k", "token": "t"}]},
                   {"sid": "y", "cluster": "in", "api_keys": [{"key": "k", "token": "u"}]}]},
     "accounts[1].api_keys[0].key"),
    ({"pool": [{**LANDLINE, "type": "Mobile"}]}, "pool[0]: +918048332500 is not a Mobile number"),
    ({"pool": [{**LANDLINE, "count": 0}]}, "pool[0].count"),
    ({"pool": [{**LANDLINE, "colour": "red"}]}, "pool[0]: unknown field(s) colour"),
    ({"pool": [LANDLINE, LANDLINE]}, "appears more than once"),
    ({"accounts": [{"sid": "x", "cluster": "in", "api_key": []}]}, "accounts[0]: unknown field(s) api_key"),
    ({"accounts": [{"sid": "x", "cluster": "in", "api_keys": [{"key": "k", "token": "t", "secret": 1}]}]},
     "accounts[0].api_keys[0]: unknown field(s) secret"),
    ({"accounts": [{"sid": "x", "cluster": "in", "numbers": [{"number": "+918048332500"}]}]},
     "accounts[0].numbers[0]: unknown field(s) number"),
    ({"pool": [{**LANDLINE, "phone_number": "+918040000400"}]}, "is a magic number"),
    ({"pool": "nope"}, "pool: must be a list"),
    ({"accounts": [], "extra": 1}, "extra: unknown section"),
    ([1, 2], "must be a mapping"),
])
def test_invalid_seed_names_the_problem_and_where_it_is(seed: object, expected: str) -> None:
    with pytest.raises(SeedRejected) as raised:
        parse_seed(seed)
    assert expected in raised.value.message
    assert raised.value.status == 400


def test_a_pool_entry_with_count_is_that_many_consecutive_numbers() -> None:
    seed = parse_seed({"pool": [{**LANDLINE, "count": 3}]})
    assert [row["phone_number"] for row in seed.pool] == ["+918048332500", "+918048332501", "+918048332502"]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SeedRejected) as raised:
        parse_seed({"accounts": [{"cluster": "mars"}], "pool": [{"cluster": "in"}]})
    assert len(raised.value.problems) >= 3


def test_yaml_and_json_texts_give_the_same_seed() -> None:
    yaml_text = "pool:\n  - {phone_number: '+918048332500', cluster: in, type: Landline, region: KA}\n"
    json_text = '{"pool": [{"phone_number": "+918048332500", "cluster": "in", "type": "Landline", "region": "KA"}]}'
    assert load_seed_text(yaml_text).pool == load_seed_text(json_text, "application/json").pool


def test_default_seed_is_the_demo_data_with_its_fixed_keys() -> None:
    seed = default_seed()
    assert [(a.sid, a.api_keys[0].key, a.api_keys[0].token) for a in seed.accounts] == [
        (sid, *demo.demo_key(sid)) for sid, _, _ in demo.DEMO_ACCOUNTS]
    assert len(seed.pool) == sum(count for *_, count in demo.POOLS)
