"""Enquiry logging by agents: the quick form, categories, forwarding targets, note purge."""
from flask import Blueprint

bp = Blueprint("enquiries", __name__)

from kundweb.enquiries import views  # noqa: E402,F401
