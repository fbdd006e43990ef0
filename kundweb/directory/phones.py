"""Phone numbers and extensions: validated and normalised with `phonenumbers`.

Stored as E.164 (+46920453000), shown the Swedish way (0920-45 30 00; foreign
numbers internationally), and searchable by the digits people type in any of the
common formats.
"""
import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

REGION = "SE"
# What a typed number may contain; letters ("070-123 45 6x", "ank 3112") are refused, not ignored.
NUMBER_CHARACTERS = re.compile(r"^\+?[\d\s()\-./]+$")
EXTENSION = re.compile(r"^\d{4,5}$")
MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
MIN_COMPLETE_DIGITS = 7


class InvalidNumber(ValueError):
    """Not a usable number or extension; str() is a Swedish message for the form."""


def normalise_phone(value, mobile=False):
    """A typed number as E.164, or None when blank. Raises InvalidNumber."""
    value = (value or "").strip()
    if not value:
        return None
    if not NUMBER_CHARACTERS.match(value):
        raise InvalidNumber("Ett telefonnummer får bara innehålla siffror, mellanslag, bindestreck och +.")
    try:
        number = phonenumbers.parse(value, REGION)
    except NumberParseException as exc:
        raise InvalidNumber("Det här ser inte ut som ett telefonnummer. Skriv till exempel 0920-45 30 00.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber("Numret finns inte. Kontrollera riktnummer och antal siffror, "
                            "till exempel 0920-45 30 00 eller +46 920 45 30 00.")
    if mobile and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidNumber("Det här är inte ett mobilnummer. Ett svenskt mobilnummer börjar med 07, "
                            "till exempel 070-123 45 67.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalise_extension(value):
    """A typed extension as 4-5 digits, or None when blank. Raises InvalidNumber."""
    value = re.sub(r"[\s\-]", "", value or "")
    if not value:
        return None
    if not EXTENSION.match(value):
        raise InvalidNumber("En anknytning är 4 eller 5 siffror, till exempel 3112.")
    return value


@lru_cache(maxsize=65536)
def display_phone(e164):
    """0920-45 30 00 for Swedish numbers, +358 40 1234567 for others; '' for none."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    style = PhoneNumberFormat.NATIONAL if number.country_code == 46 else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def number_keys(e164):
    """The digit strings a search for this number can start with.

    For +46920453000: 0920453000 (as dialled in Sweden), 46920453000 (international)
    and 453000 (without area code, as people say it locally).
    """
    if not e164:
        return []
    try:
        return list(_keys(phonenumbers.parse(e164, None)))
    except NumberParseException:
        return [re.sub(r"\D", "", e164)]


def _keys(number):
    national = str(number.national_number)
    keys = [str(number.country_code) + national]
    if number.country_code == 46:
        keys.insert(0, "0" + national)
    area = phonenumbers.length_of_geographical_area_code(number) or \
        phonenumbers.length_of_national_destination_code(number)
    if 0 < area < len(national):
        keys.append(national[area:])
    return keys


@lru_cache(maxsize=4096)
def query_number_key(text):
    """The digits to look for when someone types a (possibly partial) number in any format.

    A complete number is normalised (+46 920 453000, 0046 920-45 30 00 and
    0920-45 30 00 all give 0920453000); a partial one is taken digit by digit,
    with a leading 00 read as an international prefix.
    """
    digits = re.sub(r"\D", "", text)
    if len(digits) >= MIN_COMPLETE_DIGITS:  # shorter is an extension or a fragment, never a whole number
        try:
            number = phonenumbers.parse(text, REGION)
        except NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            return _keys(number)[0]
    if digits.startswith("00"):
        return digits[2:]
    return digits


def looks_like_number(text):
    """True for input made of digits and phone punctuation only (a number or an extension)."""
    return bool(NUMBER_CHARACTERS.match(text.strip())) and sum(c.isdigit() for c in text) >= 2
