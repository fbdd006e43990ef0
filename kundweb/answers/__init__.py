"""Kunskapsbanken: prepared answers to the municipality's volume questions (R-KB).

Answers are owned by a department (a directory unit) or a municipal company, kept by
editors, proposed by agents, linked to the enquiries they answered and, when public,
served to the web site.
"""
from flask import Blueprint

bp = Blueprint("answers", __name__)

from kundweb.answers import models, outbox, search  # noqa: E402,F401
from kundweb.answers import proposal_views, public_views, report_views, search_views, views  # noqa: E402,F401
