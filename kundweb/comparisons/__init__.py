"""Comparisons with other municipalities: Kolada figures imported by hand, shown beside Luleå's own goals."""
from flask import Blueprint

bp = Blueprint("comparisons", __name__)

from kundweb.comparisons import views  # noqa: E402,F401
