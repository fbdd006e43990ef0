"""The start page: one per role, the user's highest role by default."""
from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from kundweb.answers import services as answers
from kundweb.audit import services as audit
from kundweb.auth.decorators import current_actor
from kundweb.auth.services import ROLES
from kundweb.crisis import services as crisis
from kundweb.crisis.forms import SubscriptionForm
from kundweb.database import utcnow
from kundweb.main import bp
from kundweb.records import services as records
from kundweb.records.forms import blank_register_form
from kundweb.web import render


@bp.route("/")
@login_required
def index():
    return redirect(url_for("main.start", role=current_user.primary_role))


@bp.route("/start/<role>")
@login_required
def start(role):
    if role not in ROLES:
        abort(404)
    if not current_user.has_role(role):
        abort(403)
    context = {}
    if role == "employee":
        context["subscription_form"] = SubscriptionForm(
            formdata=None, subscribe=crisis.is_subscribed(current_user.username))
        context["record_form"] = blank_register_form()
        context["records_open"] = records.open_count(current_actor())
    if role == "agent":
        context["crisis_with_scripts"] = crisis.active_messages_with_scripts()
    if role == "editor":
        context["today"] = answers.local_today(utcnow())
        context["overview"] = answers.editor_overview(current_actor(), context["today"])
    if role == "admin":
        context["audit_events"] = audit.recent_events(limit=15)
    return render(f"main/start_{role}.html", role=role, **context)
