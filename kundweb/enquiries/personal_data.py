"""Recognising Swedish personal identity numbers, e-mail addresses and phone numbers in free-text notes.

Notes are kept for statistics and must hold no personal data. The check looks for the
ways people actually write them (any kind of dash, spaces, with or without century,
`+` for those over 100, samordningsnummer with day + 60; e-mail with spaces, "(at)",
" at ", "snabel-a"; phone numbers as `phonenumbers` finds valid ones, Swedish or
international) and leaves ordinary numbers alone: dates written 2026-12-04, times,
extensions, case numbers and amounts.
"""
import re
import unicodedata

from phonenumbers import Leniency, PhoneNumberMatcher

from kundweb.directory.phones import REGION

# Every dash-like character, and the spaces people put around it.
_DASH = r"[-\u2010-\u2015\u2212\ufe58\ufe63]"
# YYMMDD (the date groups only ever separated by a space, never a dash: 2026-12-04 is a
# date), optionally after a century, then the four last digits after an optional dash
# or `+`. \d matches only ASCII digits here because the text is NFKC-normalised first
# and non-ASCII digits are turned into ASCII ones.
_IDENTITY_NUMBER = re.compile(
    r"(?<![\d])(?:(?P<century>1[89]|20) ?)?(?P<yy>\d\d) ?(?P<mm>\d\d) ?(?P<dd>\d\d)"
    rf"\s*(?:{_DASH}|\+)?\s*\d{{4}}(?!\d)")
_AT = r"(?:@|\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+|\s+snabel-?a\s+)"
_DOT = r"(?:\.|\s*[(\[{]\s*(?:dot|punkt)\s*[)\]}]\s*|\s+(?:dot|punkt)\s+)"
_EMAIL = re.compile(rf"[\w.+-]+\s*{_AT}\s*[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,}}\b", re.IGNORECASE)


def looks_like_personal_data(text):
    """True when `text` seems to hold a personal identity number or an e-mail address."""
    text = _normalise(text or "")
    return _has_identity_number(text) or bool(_EMAIL.search(text))


def looks_like_phone_number(text):
    """True when `text` holds a valid phone number (070-123 45 67, 0920453510, +46 70 …).

    A caller's number is personal data: it belongs in a call-back's own field, which is
    purged, never in a note. Numbers without an area code (45 35 10) are not recognised.
    """
    text = _normalise(text or "")
    return any(True for _ in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID))


def _normalise(text):
    # NFKC turns full-width digits, @ and dashes into the usual ones; invisible format
    # characters (zero-width space and the like) would otherwise split a number.
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)


def _has_identity_number(text):
    for match in _IDENTITY_NUMBER.finditer(text):
        month, day = int(match["mm"]), int(match["dd"])
        # A real birth date, or a samordningsnummer (day + 60): this is what keeps phone
        # numbers like 0920453510 (month 20) from being taken for one.
        if 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91):
            return True
    return False
