"""Municipal companies: the register, their routing, and opt-out cases decided by the municipal director."""
from flask import Blueprint

bp = Blueprint("companies", __name__)

from kundweb.companies import views  # noqa: E402,F401
