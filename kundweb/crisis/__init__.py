"""Crisis information mode: messages, banner, public feeds, agent scripts."""
from flask import Blueprint

bp = Blueprint("crisis", __name__)

from kundweb.crisis import views  # noqa: E402,F401
