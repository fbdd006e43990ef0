"""Directory pages: search, own contact details, entry pages, functional entries, admin views, exports."""
from datetime import timedelta

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from kundweb import ldap_client
from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.auth.decorators import current_actor, role_required
from kundweb.caching import per_app
from kundweb.crisis import services as crisis
from kundweb.database import utcnow
from kundweb.directory import absence, bp, services, sync
from kundweb.directory.forms import AbsenceForm, AdminContactForm, ContactForm, FunctionForm
from kundweb.directory.phones import display_phone
from kundweb.directory.results import grouped_search
from kundweb.extensions import db
from kundweb.templating import localtime
from kundweb.web import render, wants_fragment

CONTACT_FIELDS = "any(extension, direct_number, mobile, location, reach_note)"


# --------------------------------------------------------------------------- search

@bp.route("/katalog")
@role_required("agent")
def search():
    query = request.args.get("q", "")
    # Every kind of hit, grouped; the companies owning the hits' units too: where their customers turn.
    results = grouped_search(query, include_hidden=current_user.has_role("admin"), now=utcnow())
    hits = {"q": query, "results": results, "linked_hits": _linked(results.hits),
            "company_notes": results.company_notes}
    if wants_fragment("site-search-results"):
        # The search box on every other agent page (in the header, or leading the agent start page).
        return render_template("directory/_site_search_results.html", **hits)
    if wants_fragment("directory-results"):  # search as you type on this page
        return render_template("directory/_results.html", oob=True, **hits)
    # The crisis scripts panel is beside the results: only the whole page reads it, never a search as you type.
    return render_template("directory/search.html", oob=True, crisis_panel=crisis.scripts_panel(), **hits)


# Entry URLs remembered per process: about one per person and functional entry.
ENTRY_URLS_KEPT = 50_000


def _linked(hits):
    """(entry page URL, "logga som vidarekopplat hit" URL, hit) for each hit.

    This answers every keystroke of every agent, and building twenty URLs (a URL adapter
    for the request, then each build) was a large part of the answer's cost. An entry's
    URLs never change while the app runs, so each is built from the URL map once per
    process and mount point, and remembered.
    """
    urls = per_app("kundweb.directory.entry_urls", lambda app: {})
    root = request.script_root
    adapter = None
    linked = []
    for hit in hits:
        key = (root, hit.kind, hit.id)
        pair = urls.get(key)
        if pair is None:
            if adapter is None:
                adapter = current_app.create_url_adapter(request)
            entry = (adapter.build("directory.person", {"person_id": hit.id}) if hit.kind == "person" else
                     adapter.build("directory.function", {"function_id": hit.id}))
            forward = adapter.build("enquiries.log_forwarded", {"kind": hit.kind, "entry_id": hit.id})
            if len(urls) >= ENTRY_URLS_KEPT:
                urls.clear()
            pair = urls[key] = (entry, forward)
        linked.append((*pair, hit))
    return linked


# --------------------------------------------------------------------------- a person's entry

@bp.route("/katalog/mina-uppgifter")
@login_required
def me():
    person = services.person_for_user(current_user.username, current_user.session.directory_guid)
    if person is None:
        return render("directory/me.html", person=None)
    return _entry_page(person)


@bp.route("/katalog/mina-uppgifter/hamta", methods=["POST"])
@login_required
def fetch_me():
    """A new employee need not wait for the nightly sync: read their own account from AD now."""
    try:
        account = ldap_client.get_directory(current_app).find_person(current_user.username)
    except ldap_client.DirectoryUnavailable:
        flash("Katalogtjänsten (Active Directory) svarar inte just nu. Försök igen om en stund.", "error")
        return redirect(url_for("directory.me"))
    if account is None or sync.sync_account(account, utcnow(), current_actor()) is None:
        flash("Ditt konto finns inte bland kommunens medarbetare i katalogen. Kontakta IT-supporten.", "error")
    else:
        flash("Dina uppgifter är hämtade från Active Directory. Fyll i dina kontaktuppgifter nedan.", "success")
    return redirect(url_for("directory.me"))


@bp.route("/katalog/person/<int:person_id>")
@login_required
def person(person_id):
    actor = current_actor()
    try:
        entry = services.viewable_person(actor, person_id)
    except (services.NotFound, services.NotAllowed):
        abort(404)  # the same answer either way: ids cannot be probed
    can_edit = services.can_edit(actor, entry)
    now = utcnow()
    return render("directory/person.html", person=entry, owner=services.is_owner(actor, entry),
                  can_edit=can_edit, functions=services.functions_of(entry), absence=absence.current_absence(entry, now),
                  stale=services.is_stale(entry, now), history=_history(entry) if can_edit else [])


@bp.route("/katalog/person/<int:person_id>/redigera")
@login_required
def edit_person(person_id):
    entry = _person_or_404(person_id)
    actor = current_actor()
    if services.is_owner(actor, entry):
        return redirect(url_for("directory.me"))
    if not actor.has_role("admin"):
        abort(404)  # as for an id that does not exist: ids cannot be probed
    return _entry_page(entry)


@bp.route("/katalog/person/<int:person_id>/kontakt", methods=["POST"])
@login_required
def save_contact(person_id):
    entry, actor, now = _editable(person_id)
    form = _contact_form_class(actor, entry)()
    if form.validate_on_submit():
        data = services.ContactInput(**{name: form[name].data or "" for name in form.contact_fields},
                                     hidden=form.hidden.data if "hidden" in form else None)
        try:
            services.update_contact(actor, entry, data, now)
        except services.NotAllowed:
            abort(403)
        except services.InvalidEntry as exc:
            _add_errors(form, exc.errors)
        else:
            if not wants_fragment("entry-editor"):
                flash("Kontaktuppgifterna är sparade.", "success")
                return redirect(_entry_url(actor, entry))
            return _entry_page(entry, saved=True)
    # htmx only swaps 2xx answers; without JavaScript the page says 400.
    return _entry_page(entry, form=form), 200 if wants_fragment("entry-editor") else 400


@bp.route(f"/katalog/person/<int:person_id>/kontakt/kontrollera/<{CONTACT_FIELDS}:name>", methods=["POST"])
@login_required
def check_contact_field(person_id, name):
    """Validation while typing (htmx only): the message under one field."""
    entry, _, _ = _editable(person_id)
    try:
        value = services.clean_contact_field(entry, name, request.form.get(name, ""))
    except services.InvalidEntry as exc:
        return render_template("directory/_feedback.html", error=exc.errors[name])
    shown = display_phone(value) if name in ("direct_number", "mobile") else None
    return render_template("directory/_feedback.html", error=None, shown=shown)


@bp.route("/katalog/person/<int:person_id>/bekrafta", methods=["POST"])
@login_required
def confirm(person_id):
    entry, actor, now = _editable(person_id)
    services.confirm_current(actor, entry, now)
    if wants_fragment("entry-editor"):
        return _entry_page(entry, confirmed=True)
    flash("Tack! Dina kontaktuppgifter är bekräftade som aktuella.", "success")
    return redirect(_entry_url(actor, entry))


@bp.route("/katalog/person/<int:person_id>/franvaro", methods=["POST"])
@login_required
def save_absence(person_id):
    entry, actor, now = _editable(person_id)
    form = AbsenceForm()
    if form.validate_on_submit():
        try:
            absence.set_absence(actor, entry, form.absent_until.data, form.deputy.data or "", now)
        except services.InvalidEntry as exc:
            _add_errors(form, exc.errors)
        else:
            if not wants_fragment("entry-editor"):
                flash("Frånvaron är sparad.", "success")
                return redirect(_entry_url(actor, entry))
            return _entry_page(entry, absence_note="Frånvaron är sparad.")
    return _entry_page(entry, absence_form=form), 200 if wants_fragment("entry-editor") else 400


@bp.route("/katalog/person/<int:person_id>/franvaro/avsluta", methods=["POST"])
@login_required
def end_absence(person_id):
    """One click: back before the date."""
    entry, actor, now = _editable(person_id)
    ended = absence.end_absence(actor, entry, now)
    note = "Frånvaron är avslutad." if ended else "Det fanns ingen frånvaro att avsluta."
    if wants_fragment("entry-editor"):
        return _entry_page(entry, absence_note=note)
    flash(note, "success")
    return redirect(_entry_url(actor, entry))


@bp.route("/katalog/person/<int:person_id>/franvaro/ersattare")
@login_required
def deputy_options(person_id):
    """Suggestions for the deputy field as you type (htmx, into a datalist): names and titles, never numbers."""
    entry = _person_or_404(person_id)
    if not services.can_edit(current_actor(), entry):
        abort(404)  # a GET records nothing; as for an id that does not exist
    return render_template("directory/_deputy_options.html",
                           people=absence.deputy_candidates(entry, request.args.get("deputy", "")))


def _person_or_404(person_id):
    try:
        return services.get_person(person_id)
    except services.NotFound:
        abort(404)


def _editable(person_id):
    """(person, actor, now) when the actor may change this entry; else 404 (audited), as for a missing id."""
    entry = _person_or_404(person_id)
    actor, now = current_actor(), utcnow()
    try:
        services.require_edit(actor, entry, now)
    except services.NotAllowed:
        abort(404)
    return entry, actor, now


def _contact_form_class(actor, entry):
    return AdminContactForm if actor.has_role("admin") and not services.is_owner(actor, entry) else ContactForm


def _entry_page(entry, form=None, saved=False, confirmed=False, absence_form=None, absence_note=None):
    """The own-entry page (or an admin's edit page); the editor alone when htmx targets it."""
    actor, now = current_actor(), utcnow()
    owner = services.is_owner(actor, entry)
    shown_absence = absence.current_absence(entry, now)
    if absence_form is None:
        absence_form = AbsenceForm(formdata=None, data={
            "absent_until": shown_absence.until if shown_absence else None,
            "deputy": absence.deputy_label(shown_absence.deputy) if shown_absence and shown_absence.deputy else ""})
    today = absence.local_today(now)
    if form is None:
        form = _contact_form_class(actor, entry)(formdata=None, data={
            "extension": entry.extension or "", "direct_number": display_phone(entry.direct_number),
            "mobile": display_phone(entry.mobile), "location": entry.location, "reach_note": entry.reach_note,
            "hidden": entry.hidden})
    return render("directory/me.html" if owner else "directory/person_edit.html",
                  fragment="directory/_entry.html", target="entry-editor",
                  person=entry, form=form, owner=owner, saved=saved, confirmed=confirmed,
                  absence=shown_absence, absence_form=absence_form, absence_note=absence_note, today=today,
                  deputising_for=absence.deputising_for(entry, now),
                  latest_day=today + timedelta(days=absence.MAX_DAYS_AHEAD),
                  stale=services.is_stale(entry, now), history=_history(entry))


def _entry_url(actor, entry):
    return url_for("directory.me") if services.is_owner(actor, entry) else url_for("directory.person", person_id=entry.id)


def _history(entry):
    return [services.describe(change, localtime) for change in services.history(entry)]


def _add_errors(form, errors):
    for name, message in errors.items():
        target = form[name] if name in form else None
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


# --------------------------------------------------------------------------- functional entries

@bp.route("/katalog/funktion/<int:function_id>")
@role_required("agent")
def function(function_id):
    entry = _function_or_404(function_id)
    if not entry.active and not current_user.has_role("admin"):
        abort(404)
    return render("directory/function.html", entry=entry,
                  history=_history(entry) if current_user.has_role("admin") else [])


@bp.route("/admin/katalog/funktioner")
@role_required("admin")
def functions():
    return render("directory/functions.html", entries=services.functions())


@bp.route("/admin/katalog/funktioner/ny", methods=["GET", "POST"])
@role_required("admin")
def new_function():
    return _function_form(None)


@bp.route("/admin/katalog/funktioner/<int:function_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_function(function_id):
    return _function_form(_function_or_404(function_id))


def _function_or_404(function_id):
    try:
        return services.get_function(function_id)
    except services.NotFound:
        abort(404)


def _function_form(entry):
    if request.method == "GET":
        form = FunctionForm(formdata=None, data=None if entry is None else {
            "name": entry.name, "phone": display_phone(entry.phone), "email": entry.email,
            "unit_id": entry.unit_id or 0, "opening_hours": entry.opening_hours,
            "responsible_username": entry.responsible.username if entry.responsible else "",
            "keywords": entry.keywords, "public": entry.public, "active": entry.active})
    else:
        form = FunctionForm()
    form.unit_id.choices = [SelectChoice(0, "– ingen –")] + [SelectChoice(unit.id, unit.name)
                                                            for unit in services.units()]
    status = 200
    if form.validate_on_submit():
        data = services.FunctionInput(
            name=form.name.data, phone=form.phone.data or "", email=form.email.data or "",
            unit_id=form.unit_id.data or None, opening_hours=form.opening_hours.data or "",
            responsible_username=form.responsible_username.data or "", public=form.public.data,
            keywords=form.keywords.data or "", active=form.active.data)
        try:
            saved = services.save_function(current_actor(), entry, data, utcnow())
        except services.NotAllowed:
            abort(403)
        except services.InvalidEntry as exc:
            _add_errors(form, exc.errors)
        else:
            flash(f"{saved.name} är sparad.", "success")
            return redirect(url_for("directory.function", function_id=saved.id))
    if form.is_submitted():
        status = 400
    return render("directory/function_form.html", form=form, entry=entry,
                  history=_history(entry) if entry else []), status


# --------------------------------------------------------------------------- admin views

@bp.route("/admin/katalog")
@role_required("admin")
def admin():
    now = utcnow()
    stale_count, stale = services.stale_people(now)
    last_sync = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "directory.synced")
                                   .order_by(AuditEvent.id.desc()).limit(1)).first()
    return render("directory/admin.html", overview=services.overview(), stale=stale, stale_count=stale_count,
                  last_sync=last_sync, token_configured=bool(current_app.config.get("SWITCHBOARD_API_TOKEN")))


@bp.route("/admin/katalog/synk", methods=["POST"])
@role_required("admin")
def sync_now():
    try:
        report = sync.sync_directory(ldap_client.get_directory(current_app), utcnow(), current_actor())
    except ldap_client.DirectoryUnavailable:
        flash("Katalogtjänsten (Active Directory) svarar inte just nu. Inget ändrades.", "error")
    except sync.SyncRefused as exc:
        flash(str(exc), "error")
    else:
        flash(f"Synkroniserat med Active Directory: {report.summary()}.", "success")
    return redirect(url_for("directory.admin"))


@bp.route("/admin/katalog/vaxel.csv", methods=["POST"])
@role_required("admin")
def switchboard_download():
    return _switchboard_response(current_actor(), "admin")


# --------------------------------------------------------------------------- R-API exports

@bp.route("/api/v1/directory/public")
def api_public():
    """Public functional entries only; never a person, whatever is asked."""
    response = jsonify({"entries": services.public_entries()})
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/api/v1/directory/switchboard.csv")
def api_switchboard():
    """The switchboard's subscriber file, for `Authorization: Bearer <SWITCHBOARD_API_TOKEN>` only."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    try:
        services.check_switchboard_token(given.strip() if scheme.lower() == "bearer" else None,
                                         request.remote_addr, utcnow())
    except services.TokenThrottled as exc:
        response = jsonify({"error": str(exc)})
        response.status_code = 429
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except services.TokenRefused as exc:
        response = jsonify({"error": str(exc)})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="kundweb"'
        return response
    actor = Actor(services.SWITCHBOARD_TOKEN_ACTOR, remote_addr=request.remote_addr)
    return _switchboard_response(actor, "api-token")


def _switchboard_response(actor, via):
    response = current_app.response_class(services.export_switchboard(actor, via, utcnow()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="vaxel-abonnenter.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("swedish_day")
def swedish_day_filter(day):
    """A date the Swedish way: {{ person.absent_until|swedish_day }} -> fredag 11 december 2026."""
    return absence.day_label(day) if day else ""


@bp.app_template_filter("phone")
def phone_filter(e164):
    """A stored E.164 number the Swedish way: {{ person.direct_number|phone }} -> 0920-45 30 00."""
    return display_phone(e164)
