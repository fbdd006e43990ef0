"""The admins' page over the audit log: filter, page, export, verify the hash chain.

Separate from kundweb.audit, which every feature imports to write events: this one is a
feature of its own and may import the others' helpers without a cycle.
"""
from flask import Blueprint

bp = Blueprint("auditlog", __name__)

from kundweb.auditlog import views  # noqa: E402,F401
