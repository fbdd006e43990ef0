"""Logging in and out against Active Directory, sessions and roles."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from kundweb.auth import views  # noqa: E402,F401  (routes register on import)
