"""Parse, format and validate phone numbers, on the phonenumbers library."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from exopool.errors import InvalidParameter

NUMBER_TYPES = ("Landline", "Mobile", "TollFree")
NUMBER_CHARACTERS = frozenset("0123456789+-(). ")
INDIAN_CIRCLES = frozenset(("AP", "AS", "BR", "DL", "GJ", "HP", "HR", "JK", "KA", "KL", "KO", "MH", "MP", "MU", "NE",
                            "OR", "PB", "RJ", "TN", "UE", "UW", "WB"))
_LIBRARY_TYPES = {
    "Landline": {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    "Mobile": {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    "TollFree": {PhoneNumberType.TOLL_FREE},
}


def parse_number_type(raw: str) -> str:
    """The canonical spelling of a number type, matched case-insensitively."""
    for name in NUMBER_TYPES:
        if raw.lower() == name.lower():
            return name
    raise InvalidParameter("number_type", f"{raw!r} is not one of {', '.join(NUMBER_TYPES)}")


def parse_circle(raw: str) -> str:
    """An Indian telecom circle code, upper-cased."""
    circle = raw.strip().upper()
    if circle not in INDIAN_CIRCLES:
        circles = " ".join(sorted(INDIAN_CIRCLES))
        raise InvalidParameter("region", f"{raw!r} is not an Indian telecom circle ({circles})")
    return circle


def parse_country(raw: str) -> str:
    """An ISO 3166 alpha-2 country code that phonenumbers knows."""
    country = raw.strip().upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidParameter("country", f"{raw!r} is not an ISO 3166 alpha-2 code of a country with phone numbers")
    return country


def to_e164(raw: str, default_country: str = "IN") -> str:
    """Normalise E.164, international digits, 0-prefixed national or bare national digits to E.164."""
    text = raw.strip()
    # phonenumbers reads letters as keypad digits and skips most punctuation; a number here is digits.
    if not text or len(text) > 32 or not NUMBER_CHARACTERS.issuperset(text):
        raise InvalidParameter("phone_number", f"{raw!r} is not a phone number")
    try:
        parsed = phonenumbers.parse(text, default_country)
    except phonenumbers.NumberParseException as exc:
        raise InvalidParameter("phone_number", f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidParameter("phone_number", f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def looks_like_number(raw: str) -> bool:
    """Whether a path segment is a phone number rather than a sid."""
    stripped = raw.strip().lstrip("+")
    return stripped.isdigit()


@lru_cache(maxsize=65536)
def national_form(e164: str) -> str:
    """The 0-prefixed national form, digits only: +918048332571 → 08048332571."""
    parsed = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def country_of(e164: str) -> str:
    """The ISO country code a valid E.164 number belongs to."""
    parsed = phonenumbers.parse(e164, None)
    return phonenumbers.region_code_for_number(parsed) or ""


def type_matches(e164: str, number_type: str) -> bool:
    """Whether phonenumbers agrees that the number is of this type."""
    parsed = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(parsed) in _LIBRARY_TYPES[number_type]


@lru_cache(maxsize=512)
def country_name(country: str) -> str:
    """The English name of a country, from phonenumbers' geocoding data."""
    # Imported here: the geocoding data takes seconds to load, and only this rare route needs it.
    from phonenumbers import geocoder

    example = phonenumbers.example_number(country)
    if example is None:
        return country
    return geocoder.country_name_for_number(example, "en") or country


def classify(raw: str, number_type: str, default_country: str = "IN") -> tuple[str, str]:
    """(E.164, country) of a valid number of number_type, parsing it once (for bulk imports)."""
    text = raw.strip()
    parsed = _from_e164(text) or _parse(raw, text, default_country)
    kind = phonenumbers.number_type(parsed)  # UNKNOWN exactly when no pattern of its country matches
    if kind == PhoneNumberType.UNKNOWN:
        raise InvalidParameter("phone_number", f"{raw!r} is not a valid phone number")
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    if kind not in _LIBRARY_TYPES[number_type]:
        raise InvalidParameter(None, f"{e164} is not a {number_type} number")
    return e164, phonenumbers.region_code_for_number(parsed) or ""


def _parse(raw: str, text: str, default_country: str) -> phonenumbers.PhoneNumber:
    if not text or len(text) > 32:
        raise InvalidParameter("phone_number", f"{raw!r} is not a phone number")
    try:
        return phonenumbers.parse(text, default_country)
    except phonenumbers.NumberParseException as exc:
        raise InvalidParameter("phone_number", f"{raw!r} is not a phone number") from exc


def _from_e164(text: str) -> phonenumbers.PhoneNumber | None:
    """Canonical E.164 text split into its parts without the general parser, or None to use it.

    Country codes are prefix-free, so the first of the 1-3 leading digits that is a country code
    is the one; anything unusual (a national number with a leading zero) takes the slow road.
    """
    if not (text.startswith("+") and text[1:].isdigit() and 8 <= len(text) <= 16):
        return None
    for size in (1, 2, 3):
        code = int(text[1:1 + size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = text[1 + size:]
            if national.startswith("0"):
                return None
            return phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    return None
