"""Service goals: targets, inputs and imports, KPIs, the dashboard, closed months, exports, public results."""
from flask import Blueprint

bp = Blueprint("goals", __name__)

from kundweb.goals import views  # noqa: E402,F401
