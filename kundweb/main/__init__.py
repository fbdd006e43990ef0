"""Start pages for each role."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from kundweb.main import views  # noqa: E402,F401
