"""Crisis information: the communicators' pages, the polled banner, the public JSON and Atom feeds."""
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2.utils import htmlsafe_json_dumps

from kundweb.auth.decorators import current_actor, role_required
from kundweb.crisis import bp, cap, services
from kundweb.crisis.forms import MessageForm, RejectForm, ScheduleForm, ScriptForm, SubscriptionForm
from kundweb.database import utcnow
from kundweb.enquiries import services as enquiry_services
from kundweb.external_urls import external_url, tag_uri
from kundweb.web import public_read_api, render, show_domain_error, submit_form


# What the communicator is told after confirming, by what confirming did.
CONFIRMED = {
    "published": "Meddelandet är publicerat och visas nu.",
    "scheduled": "Meddelandet är schemalagt.",
    "pending": "Meddelandet väntar på godkännande av en annan kommunikatör. Det publiceras inte förrän det är godkänt.",
}


def _conditional(response_body_factory, etag, mimetype, cache_control, kind=None):
    """Answer 304 when the client already has this ETag; the body is built once per change."""
    # Weak comparison: nginx's gzip turns "x" into W/"x", and the content is the same.
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        body = services.schedule_cache().rendered(kind or request.endpoint, etag, response_body_factory)
        response = make_response(body)
        response.mimetype = mimetype
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    return response


@bp.route("/kris/banner")
def banner():
    """The banner fragment every page polls. Public: crisis information is public anyway.

    The agents' work pages ask with `manus=1`: for agents the answer then also brings the
    scripts panel's list out of band, so a script added or changed during the crisis shows
    up within one poll. The scripts are internal, so others get the plain banner.
    """
    if request.args.get("manus") and current_user.is_authenticated and current_user.has_role("agent"):
        messages, scripts, etag = services.banner_with_scripts()
        return _conditional(lambda: render_template("crisis/_banner_with_scripts.html", crisis_messages=messages,
                                                    crisis_scripts=scripts()),
                            etag, "text/html", "private, no-cache", kind="crisis.banner+scripts")
    messages = services.active_messages()
    etag = services.etag_for(messages)
    return _conditional(lambda: render_template("crisis/_banner.html", crisis_messages=messages, crisis_etag=etag),
                        etag, "text/html", "no-cache")


@bp.route("/api/v1/crisis")
@public_read_api
def api_active():
    messages = services.active_messages()
    etag = services.etag_for(messages)
    # HTML-safe JSON (<, >, & as \u escapes): consumers may paste it into a page.
    return _conditional(lambda: htmlsafe_json_dumps({"active": [services.api_item(m) for m in messages]}, ensure_ascii=False),
                        etag, "application/json", "public, no-cache")


@bp.route("/feeds/crisis.atom")
@public_read_api
def atom_feed():
    now = utcnow()
    messages = services.active_messages(now)
    ended = services.recently_ended_messages(now)
    updated = services.feed_updated(messages, ended, now)
    # The all-clear entries and the feed's own <updated> are part of what the client holds.
    etag = services.etag_for(messages + ended, variant=f"atom|{len(messages)}|{updated}|")
    # Cached for everyone, so nothing in it may come from this request (its Host header least of all).
    return _conditional(
        lambda: render_template("crisis/feed.atom.xml", crisis_messages=messages, ended_messages=ended,
                                updated=updated, body_html=services.body_html, plain_text=services.plain_text,
                                external_url=external_url, tag_uri=tag_uri),
        etag, "application/atom+xml", "public, no-cache")


@bp.route("/feeds/crisis.cap")
@public_read_api
def cap_index():
    """An Atom index of the CAP alerts: one entry per message, linking to its alert."""
    now = utcnow()
    active, ended = services.active_messages(now), services.recently_ended_messages(now)
    etag = services.etag_for(active + ended, variant=f"cap-index|{len(active)}|")
    # The alerts' versions come from the audit log: read only when the index changed.
    return _conditional(
        lambda: render_template("crisis/cap_index.atom.xml",
                                alerts=[cap.alert_for(message, now) for message in active + ended],
                                updated=services.feed_updated(active, ended, now), external_url=external_url,
                                tag_uri=tag_uri, cap_time=cap.cap_time),
        etag, "application/atom+xml", "public, no-cache")


@bp.route("/api/v1/crisis/<int:message_id>.cap.xml")
@public_read_api
def cap_alert(message_id):
    """One message's CAP 1.2 alert; 404 unless it shows now or ended within the all-clear window."""
    now = utcnow()
    try:
        message = cap.public_message(message_id, now)
    except services.MessageNotFound:
        abort(404)
    ended = message.ends_at is not None and message.ends_at <= now
    etag = services.etag_for([message], variant=f"cap|{ended}|")
    return _conditional(lambda: render_template("crisis/alert.cap.xml", alert=cap.alert_for(message, now),
                                                sender=cap.sender(), plain_text=services.plain_text,
                                                external_url=external_url, cap_time=cap.cap_time),
                        etag, "application/cap+xml", "public, no-cache", kind=f"crisis.cap_alert:{message_id}")


@bp.route("/kris")
@role_required("communicator")
def index():
    now = utcnow()
    return render("crisis/index.html", crisis_list=services.all_messages(now), now=now)


@bp.route("/kris/ny", methods=["GET", "POST"])
@role_required("communicator")
def create():
    form = MessageForm()
    done = submit_form(form, lambda: services.create_message(current_actor(), _message_input(form)),
                       services.CrisisError, "Utkastet är sparat. Granska det och publicera.",
                       lambda message: url_for("crisis.show", message_id=message.id))
    return done or (render("crisis/edit.html", form=form, message=None), 400 if form.is_submitted() else 200)


@bp.route("/kris/<int:message_id>")
@role_required("communicator")
def show(message_id):
    return _show(_get_or_404(message_id))


def _show(message, schedule_form=None, script_form=None, reject_form=None, status=200):
    now = utcnow()
    if schedule_form is None and "starts_at" in request.args:
        # Back from the confirmation page: the times typed there, not the saved ones.
        schedule_form = ScheduleForm(formdata=request.args)
    return render("crisis/show.html", message=message, now=now, status_code=message.status(now),
                  schedule_form=schedule_form or ScheduleForm(formdata=None, starts_at=message.starts_at,
                                                              ends_at=message.ends_at),
                  script_form=script_form or ScriptForm(formdata=None),
                  reject_form=reject_form or RejectForm(formdata=None), body_html=services.body_html,
                  enquiry_report=enquiry_services.crisis_report(message.id)), status


@bp.route("/kris/<int:message_id>/andra", methods=["GET", "POST"])
@role_required("communicator")
def edit(message_id):
    message = _get_or_404(message_id)
    form = MessageForm(obj=message)
    done = submit_form(form, lambda: services.update_message(current_actor(), message.id, _message_input(form),
                                                             require_approval=_approval_required()),
                       services.CrisisError, "Ändringen är sparad och syns överallt inom en halv minut.",
                       url_for("crisis.show", message_id=message.id))
    return done or (render("crisis/edit.html", form=form, message=message), 400 if form.is_submitted() else 200)


@bp.route("/kris/<int:message_id>/publicera", methods=["POST"])
@role_required("communicator")
def publish(message_id):
    """"Publicera nu" only asks: the confirmation page shows what will happen."""
    message = _get_or_404(message_id)
    now = utcnow()
    ends_at = message.ends_at if message.ends_at and message.ends_at > now else None
    try:
        plan = services.plan_publication(message.id, None, ends_at, now, _approval_required())
    except services.CrisisError as exc:
        flash(str(exc), "error")
        return redirect(url_for("crisis.show", message_id=message.id))
    return _confirmation_page(plan)


@bp.route("/kris/<int:message_id>/schemalagg", methods=["POST"])
@role_required("communicator")
def schedule(message_id):
    """Times for a message: an active one's end moves at once; any start goes to the confirmation page."""
    message = _get_or_404(message_id)
    form = ScheduleForm()
    if message.status(utcnow()) == "active":
        done = submit_form(form, lambda: services.schedule(current_actor(), message.id, form.starts_at.data,
                                                           form.ends_at.data),
                           services.CrisisError, "Sluttiden är ändrad.", url_for("crisis.show", message_id=message.id))
        return done or _show(message, schedule_form=form, status=400)
    if form.validate_on_submit():
        try:
            plan = services.plan_publication(message.id, form.starts_at.data, form.ends_at.data, utcnow(),
                                             _approval_required())
        except services.CrisisError as exc:
            show_domain_error(form, exc)
        else:
            return _confirmation_page(plan)
    return _show(message, schedule_form=form, status=400)


def _confirmation_page(plan):
    return render("crisis/confirm.html", plan=plan, message=plan.message,
                  token=services.confirmation_token(current_actor(), plan))


@bp.route("/kris/<int:message_id>/bekrafta", methods=["POST"])
@role_required("communicator")
def confirm(message_id):
    """The only way a message goes out: the token from its confirmation page."""
    message = _get_or_404(message_id)
    try:
        outcome = services.confirm_publication(current_actor(), message.id, request.form.get("token"),
                                               _approval_required())
    except services.CrisisError as exc:
        flash(str(exc), "error")
    else:
        flash(CONFIRMED[outcome], "success")
    return redirect(url_for("crisis.show", message_id=message.id))


@bp.route("/kris/<int:message_id>/godkann", methods=["POST"])
@role_required("communicator")
def approve(message_id):
    return _act(message_id, services.approve, lambda outcome: "Godkänt. " + CONFIRMED[outcome])


@bp.route("/kris/<int:message_id>/avvisa", methods=["POST"])
@role_required("communicator")
def reject(message_id):
    message = _get_or_404(message_id)
    form = RejectForm()
    done = submit_form(form, lambda: services.reject(current_actor(), message.id, form.reason.data),
                       services.CrisisError, "Meddelandet är avvisat och är ett utkast igen.",
                       url_for("crisis.show", message_id=message.id))
    return done or _show(message, reject_form=form, status=400)


@bp.route("/kris/<int:message_id>/avsluta", methods=["POST"])
@role_required("communicator")
def end(message_id):
    """Ending is asked first: without confirm=yes the answer is the confirmation page."""
    message = _get_or_404(message_id)
    status = message.status(utcnow())
    if request.form.get("confirm") != "yes" and status in ("active", "scheduled", "pending"):
        return render("crisis/end_confirm.html", message=message, status_code=status)
    return _act(message_id, services.end_now, "Meddelandet visas inte längre.")


@bp.route("/kris/<int:message_id>/manus", methods=["POST"])
@role_required("communicator")
def add_script(message_id):
    message = _get_or_404(message_id)
    form = ScriptForm()
    done = submit_form(form, lambda: services.add_script(current_actor(), message.id, form.question.data,
                                                         form.answer.data),
                       services.CrisisError, "Frågan och svaret är tillagda.",
                       url_for("crisis.show", message_id=message.id, _anchor="scripts"))
    return done or _show(message, script_form=form, status=400)


@bp.route("/kris/<int:message_id>/manus/<int:script_id>/ta-bort", methods=["POST"])
@role_required("communicator")
def remove_script(message_id, script_id):
    return _act(message_id, lambda actor, mid: services.remove_script(actor, mid, script_id),
                "Frågan är borttagen.")


@bp.route("/kris/<int:message_id>/manus/<int:script_id>/andra", methods=["GET", "POST"])
@role_required("communicator")
def edit_script(message_id, script_id):
    message = _get_or_404(message_id)
    script = next((s for s in message.scripts if s.id == script_id), None) or abort(404)
    form = ScriptForm(obj=script)
    done = submit_form(form, lambda: services.edit_script(current_actor(), message.id, script.id, form.question.data,
                                                          form.answer.data),
                       services.CrisisError, "Frågan är ändrad och syns för Kundtjänst vid nästa uppdatering.",
                       url_for("crisis.show", message_id=message.id, _anchor="scripts"))
    return done or (render("crisis/script_edit.html", form=form, message=message, script=script),
                    400 if form.is_submitted() else 200)


@bp.route("/kris/<int:message_id>/manus/<int:script_id>/<any(upp, ned):direction>", methods=["POST"])
@role_required("communicator")
def move_script(message_id, script_id, direction):
    """One place up or down: a plain form button, so it works without JavaScript."""
    message = _get_or_404(message_id)
    try:
        services.move_script(current_actor(), message.id, script_id, "up" if direction == "upp" else "down")
    except services.CrisisError as exc:
        flash(str(exc), "error")
    else:
        flash("Ordningen är ändrad.", "success")
    return redirect(url_for("crisis.show", message_id=message.id, _anchor="scripts"))


@bp.route("/kris/prenumeration", methods=["POST"])
@login_required
def subscription():
    form = SubscriptionForm()
    if form.validate_on_submit():
        try:
            services.set_subscription(current_actor(), current_user.email, form.subscribe.data)
        except services.CrisisError as exc:
            flash(str(exc), "error")
        else:
            flash("Du får e-post när ett krismeddelande börjar visas." if form.subscribe.data
                  else "Du får inte längre e-post om krismeddelanden.", "success")
    return redirect(url_for("main.start", role="employee"))


def _act(message_id, action, success):
    message = _get_or_404(message_id)
    try:
        result = action(current_actor(), message.id)
    except services.CrisisError as exc:
        flash(str(exc), "error")
    else:
        flash(success(result) if callable(success) else success, "success")
    return redirect(url_for("crisis.show", message_id=message.id))


def _approval_required():
    return current_app.config["CRISIS_REQUIRE_APPROVAL"]


def _get_or_404(message_id):
    try:
        return services.get_message(message_id)
    except services.MessageNotFound:
        abort(404)


def _message_input(form):
    return services.MessageInput(form.title.data or "", form.body.data or "", form.severity.data,
                                 form.hours_opens.data, form.hours_closes.data, form.hours_from.data,
                                 form.hours_until.data, form.hours_on_holidays.data)
