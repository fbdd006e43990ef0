"""Kunskapsbanken: prepared answers to the municipality's volume questions (R-KB).

Answers are owned by a department (a directory unit) or a municipal company, kept by
editors, proposed by agents, linked to the enquiries they answered and, when public,
served to the web site.
"""
from flask import Blueprint

bp = Blueprint("answers", __name__)

from kundweb.answers import models  # noqa: E402,F401
from kundweb.answers import search, search_views  # noqa: E402,F401
