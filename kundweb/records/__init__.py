"""Public records (allmänna handlingar): voicemail, mobile-answer, call and e-mail items."""
from flask import Blueprint

bp = Blueprint("records", __name__)

from kundweb.records import views  # noqa: E402,F401
