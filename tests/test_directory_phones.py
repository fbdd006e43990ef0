"""Phone numbers and extensions: validated and normalised with phonenumbers, shown the Swedish way."""
import pytest

from kundweb.directory import phones
from kundweb.directory.forms import ContactForm


@pytest.mark.parametrize("typed, stored", [
    ("0920-45 30 00", "+46920453000"),
    ("+46 920 453000", "+46920453000"),
    ("+46 920 45 30 00", "+46920453000"),
    ("0046 920 45 30 00", "+46920453000"),
    ("(0920) 45 30 00", "+46920453000"),
    ("0920/453000", "+46920453000"),
    ("08-555 101 01", "+46855510101"),
    ("+46 8 555 101 01", "+46855510101"),
    ("070-123 45 67", "+46701234567"),
    ("0701234567", "+46701234567"),
    ("+358 40 123 4567", "+358401234567"),  # Finnish colleagues across the border
    ("  0920-45 30 00  ", "+46920453000"),
    ("", None),
    ("   ", None),
])
def test_valid_numbers_are_stored_as_e164(typed, stored):
    assert phones.normalise_phone(typed) == stored


@pytest.mark.parametrize("typed, message", [
    ("0920-45", "Numret finns inte"),
    ("112", "Numret finns inte"),
    ("3112", "Numret finns inte"),
    ("070-123 45 6x", "bara innehålla siffror"),
    ("ring mig", "bara innehålla siffror"),
    ("0920-45 30 00 ank 12", "bara innehålla siffror"),
    ("+", "telefonnummer"),
])
def test_invalid_numbers_are_refused_with_a_swedish_message(typed, message):
    with pytest.raises(phones.InvalidNumber, match=message):
        phones.normalise_phone(typed)


@pytest.mark.parametrize("typed, ok", [
    ("070-123 45 67", True),
    ("+46 73 123 45 67", True),
    ("0920-45 30 00", False),  # a landline in the mobile field
])
def test_the_mobile_field_takes_mobile_numbers_only(typed, ok):
    if ok:
        assert phones.normalise_phone(typed, mobile=True).startswith("+467")
    else:
        with pytest.raises(phones.InvalidNumber, match="inte ett mobilnummer"):
            phones.normalise_phone(typed, mobile=True)


@pytest.mark.parametrize("typed, stored", [
    ("3112", "3112"), ("31 12", "3112"), ("53112", "53112"), ("0412", "0412"), ("", None), (" ", None),
])
def test_extensions_are_four_or_five_digits(typed, stored):
    assert phones.normalise_extension(typed) == stored


@pytest.mark.parametrize("typed", ["311", "311200", "31a2", "+3112", "3112!"])
def test_other_extensions_are_refused(typed):
    with pytest.raises(phones.InvalidNumber, match="4 eller 5 siffror"):
        phones.normalise_extension(typed)


@pytest.mark.parametrize("stored, shown", [
    ("+46920453000", "0920-45 30 00"),
    ("+46701234567", "070-123 45 67"),
    ("+46855510101", "08-555 101 01"),
    ("+358401234567", "+358 40 1234567"),
    (None, ""),
])
def test_numbers_are_shown_the_swedish_way(stored, shown):
    assert phones.display_phone(stored) == shown


@pytest.mark.parametrize("typed", ["0920-45 30 00", "+46 920 453000", "0046920453000", "(0920) 453 000",
                                   "+46 (0)920-45 30 00"])
def test_a_typed_number_in_any_format_finds_the_same_key(typed):
    assert phones.query_number_key(typed) == "0920453000"
    assert "0920453000" in phones.number_keys("+46920453000")


def test_partial_numbers_are_searched_digit_by_digit():
    assert phones.query_number_key("0920-45 3") == "0920453"
    assert phones.query_number_key("+46 92") == "4692"
    assert phones.query_number_key("45 30 00") == "453000"
    assert set(phones.number_keys("+46920453000")) == {"0920453000", "46920453000", "453000"}


@pytest.mark.parametrize("field, typed, error", [
    ("extension", "12", "4 eller 5 siffror"),
    ("direct_number", "0920-45", "Numret finns inte"),
    ("mobile", "0920-45 30 00", "inte ett mobilnummer"),
    ("location", "x" * 101, "Högst 100 tecken"),
    ("reach_note", "x" * 201, "Högst 200 tecken"),
])
def test_the_contact_form_shows_each_fields_error(app, field, typed, error):
    with app.test_request_context(method="POST", data={field: typed}):
        form = ContactForm(meta={"csrf": False})
        assert not form.validate()
        assert error in form.errors[field][0]
