"""The extension and contact directory (R-DIR): own entries, search, functional entries, AD sync, exports."""
from flask import Blueprint

bp = Blueprint("directory", __name__)

from kundweb.directory import views  # noqa: E402,F401  (routes register on import)
