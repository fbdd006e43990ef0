"""Kundcenter's opening hours: rules admins edit, the calendar API, "open now" on every page."""
from flask import Blueprint

bp = Blueprint("hours", __name__)

from kundweb.hours import views  # noqa: E402,F401
