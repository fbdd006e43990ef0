"""The public and integration API (R-API): health checks now, more with each feature."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from kundweb.api import views  # noqa: E402,F401
