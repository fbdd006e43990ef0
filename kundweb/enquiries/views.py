"""Enquiries: the agents' logging page (htmx, or plain POST and redirect) and the admins' lists."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kundweb.answers import search as answer_search
from kundweb.auth.decorators import current_actor, role_required
from kundweb.crisis import services as crisis
from kundweb.database import utcnow
from kundweb.directory import services as directory
from kundweb.enquiries import bp, callbacks, services
from kundweb.enquiries.forms import CallBackForm, CategoryForm, EnquiryForm, RenameTargetForm, TargetForm
from kundweb.enquiries.models import CHANNELS, OUTCOMES, TARGET_KINDS
from kundweb.enquiries.services import local_day
from kundweb.web import render, submit_form, wants_fragment

LOGGER = "enquiry-logger"


def _fresh_form(last=None, crisis_messages=(), keep_channel=True):
    """An empty form for the next enquiry, with the agent's last category and crisis tag (while that
    crisis is still active) already chosen, and the last channel too within a working sequence.

    A freshly loaded page is a new caller: with the last channel chosen and the focus on Spara,
    one Enter logged a phone call as the e-service enquiry before it. There the channel starts
    empty and has the focus (`keep_channel=False`).
    """
    form = EnquiryForm(formdata=None, channel=last.channel if last and keep_channel else None,
                       category=last.category_id if last and last.category.active else None,
                       crisis=_kept_crisis(last, crisis_messages))
    form.submission_key.data = services.new_submission_key()
    return form


def _kept_crisis(last, crisis_messages):
    """The crisis tag of the agent's last enquiry, as the form's value, if that crisis is still active.

    During a crisis most calls concern it: resetting the tag to "Nej" after each save made
    agents tag every call again, and untagged calls vanished from the crisis report.
    """
    if last is None or last.crisis_id is None or last.crisis_id not in {m.id for m in crisis_messages}:
        return None
    return str(last.crisis_id)


def _reset(form, saved, crisis_messages):
    """The posted form made ready for the next enquiry: channel, category and crisis tag stay, the rest is cleared.

    Cheaper than building a second form on every save.
    """
    form.outcome.data, form.target.data = "direct", None
    form.crisis.data = _kept_crisis(saved, crisis_messages)
    form.answer.data = None  # the next call is another question
    for field in (form.wait, form.note):
        field.data, field.raw_data = None, None
    form.channel.data, form.category.data = saved.channel, saved.category_id
    form.submission_key.data = services.new_submission_key()
    return form


def _logger_context(form, saved=None, undone=None, now=None, crisis_messages=None, callback_form=None,
                    opened=None):
    now = now or utcnow()
    last = saved or services.last_enquiry(current_user.username)  # just saved: no need to ask
    choices = services.choices()
    return {
        "form": form,
        "categories": choices.categories,
        "targets": choices.targets,
        "form_state": "errors" if form.form_errors or form.errors else choices.version,
        "crisis_messages": crisis.active_messages(now) if crisis_messages is None else crisis_messages,
        "counts": services.counts_today(current_user.username, now),
        "saved": saved,
        "undone": undone,
        "undo": last if _undoable(last, now) else None,
        "ready": bool(form.channel.data and form.category.data),
        "summary": _summary(form.channel.data, _category_name(choices, form.category.data), form.outcome.data,
                            _target_name(choices, form.target.data) if form.outcome.data == "forwarded" else None),
        "chosen_answer": _chosen_answer(form, opened, now),
        "channels": CHANNELS,
        "outcomes": OUTCOMES,
        "callback_form": callback_form,
        "callback_units": callbacks.assignee_choices("")[0],
        # A person chosen before an error is shown again, though not in the unit list.
        "people": callbacks.chosen_people(callback_form.callback_assignee.data if callback_form else None),
    }


def _summary(channel, category_name, outcome, target_name=None):
    """What Spara would save, as (text, missing) parts: shown beside the button ("Sparas som: …")."""
    outcome_label = OUTCOMES.get(outcome or "direct", OUTCOMES["direct"])
    return [(CHANNELS[channel], False) if channel in CHANNELS else ("Välj kanal", True),
            (category_name, False) if category_name else ("Välj kategori", True),
            (f"{outcome_label} till {target_name}" if target_name else outcome_label, False)]


def _target_name(choices, target_id):
    for _, rows in choices.targets:
        for row in rows:
            if row.id == target_id:
                return row.name
    return None


def _category_name(choices, category_id):
    for _, rows in choices.categories:
        for row in rows:
            if row.id == category_id:
                return row.name
    return None


def _chosen_answer(form, opened, now):
    """The answer the form shows as chosen (an AnswerHit): the one opened, or the one posted back."""
    if opened is not None:
        return opened.hit
    posted = answer_search.published_answer(form.answer_id(), local_day(now)) if form.answer_id() else None
    return posted.hit if posted else None


def _undoable(enquiry, now):
    return services.undoable(enquiry, current_user.username, current_app.config["ENQUIRY_UNDO_SECONDS"], now)


def _page(form, status=200, forwarded=None, **extra):
    # The crisis scripts panel is beside the form, never in the fragment: saves do not read it.
    panel = None if wants_fragment(LOGGER) else crisis.scripts_panel()
    return render("enquiries/log.html", fragment="enquiries/_logger.html", target=LOGGER, crisis_panel=panel,
                  forwarded=forwarded, opened_answer=extra.get("opened"), **_logger_context(form, **extra)), status


def _changed_parts(form):
    """The parts of the posted form that differ from a fresh one; the rest the page already shows right.

    The posted values are what the agent's form holds: only what they filled in, and a
    category search they typed, need resetting after a save.
    """
    return {
        "category": bool(request.form.get("q")),
        "outcome": form.outcome.data != "direct" or form.target.data is not None,
        "details": any(field.raw_data and field.raw_data[0] for field in (form.wait, form.note)),
        "callback": form.outcome.data == "callback",
        "answer": bool(form.answer.data or request.form.get("answer_q")),
    }


def _saved(form, saved, crisis_messages, now):
    """The htmx answer to a save: only the parts of the form that change, out of band (_saved.html).

    The whole form comes back instead when the form on the page says (form_state) that it
    shows errors, or category and recipient lists older than this process's.
    """
    choices = services.choices()
    if form.form_state.data and form.form_state.data != choices.version:
        return _page(_reset(form, saved, crisis_messages), saved=saved, now=now, crisis_messages=crisis_messages)
    reset = _changed_parts(form)
    # The call-back's fields are cleared only after a call-back (a plain save reads no unit list).
    units = callbacks.assignee_choices("")[0] if reset["callback"] else ()
    html = render_template("enquiries/_saved.html", form=_reset(form, saved, crisis_messages), reset=reset,
                           callback_form=None, callback_units=units,
                           saved=saved, undo=saved if _undoable(saved, now) else None, crisis_messages=crisis_messages,
                           counts=services.counts_today(current_user.username, now),
                           categories=choices.categories, targets=choices.targets, outcomes=OUTCOMES,
                           summary=_summary(saved.channel, saved.category.name, "direct"))
    # The new undo line replaces the old one; everything else in the answer is out of band.
    return html, 200, {"HX-Retarget": "#enquiry-undo"}


@bp.route("/arenden")
@role_required("agent")
def log_page():
    now = utcnow()
    crisis_messages = crisis.active_messages(now)
    form = _fresh_form(services.last_enquiry(current_user.username), crisis_messages, keep_channel=False)
    # ?svar=<id>: an answer opened from the search, shown beside the form and chosen as the one used.
    opened = answer_search.published_answer(request.args.get("svar", type=int), local_day(now))
    if opened is not None:
        form.answer.data = str(opened.answer.id)
    return _page(form, now=now, crisis_messages=crisis_messages, opened=opened)


@bp.route("/arenden/vidarekopplat/<any(person, function):kind>/<int:entry_id>")
@role_required("agent")
def log_forwarded(kind, entry_id):
    """"Logga som vidarekopplat hit" from a directory hit: the form for a new call, forwarded to the
    person's unit or to the functional entry."""
    now = utcnow()
    crisis_messages = crisis.active_messages(now)
    form = _fresh_form(services.last_enquiry(current_user.username), crisis_messages, keep_channel=False)
    target = services.forwarding_target_for(kind, entry_id, include_hidden=current_user.has_role("admin"))
    form.outcome.data, form.target.data = "forwarded", target.id if target else None
    return _page(form, now=now, crisis_messages=crisis_messages, forwarded=target or False)


@bp.route("/arenden", methods=["POST"])
@role_required("agent")
def log_enquiry():
    form = EnquiryForm()
    # The call-back's own fields are read only for a call-back: a plain save does not pay for them.
    callback_form = CallBackForm() if form.outcome.data == "callback" else None
    now = utcnow()
    crisis_messages = crisis.active_messages(now)
    if form.validate_on_submit() and (callback_form is None or callback_form.validate()):
        data = services.EnquiryInput(form.channel.data, form.category.data, form.outcome.data, form.target.data,
                                     form.wait.data, form.note.data, form.crisis_id(), form.submission_key.data,
                                     _callback_input(callback_form), form.answer_id())
        try:
            enquiry, _ = services.log_enquiry(current_actor(), data, [m.id for m in crisis_messages], now)
        except services.EnquiryError as exc:
            _show_error(form, exc, callback_form)
        else:
            if wants_fragment(LOGGER):
                return _saved(form, enquiry, crisis_messages, now)
            flash(f"Ärendet är sparat: {enquiry.channel_label}, {enquiry.category.name}, "
                  f"{enquiry.outcome_label.lower()}.", "success")
            if enquiry.outcome == "registry":  # handed over for registration: the form for that next
                return redirect(url_for("records.new", slag=enquiry.record_kind, mottagen_av="unit"))
            return redirect(url_for("enquiries.log_page"))
    if callback_form is not None and callback_form.errors:  # shown with the enquiry form's errors
        form.form_errors.extend(f"{callback_form[name].label.text}: {errors[0]}"
                                for name, errors in callback_form.errors.items())
    # htmx swaps only 2xx answers (see base.html), so a fragment with errors must be a 200.
    return _page(form, status=200 if wants_fragment(LOGGER) else 400, now=now, crisis_messages=crisis_messages,
                 callback_form=callback_form)


def _callback_input(callback_form):
    if callback_form is None:
        return None
    return callbacks.CallBackInput(callback_form.callback_assignee.data, callback_form.callback_due.data,
                                   callback_form.callback_phone.data)


def _show_error(form, exc, callback_form=None):
    """A refused save's message at the field it is about (marked there), else at the top of the form."""
    owner = next((f for f in (form, callback_form) if f is not None and exc.field and exc.field in f), None)
    if owner is None:
        form.form_errors.append(str(exc))
    elif owner is form:
        owner[exc.field].errors = [*owner[exc.field].errors, str(exc)]
    else:  # a call-back field: marked there, and listed with the form's errors (see log_enquiry)
        owner[exc.field].errors = [*owner[exc.field].errors, str(exc)]


@bp.route("/arenden/<int:enquiry_id>/angra", methods=["POST"])
@role_required("agent")
def undo(enquiry_id):
    try:
        enquiry = services.undo_last(current_actor(), enquiry_id, current_app.config["ENQUIRY_UNDO_SECONDS"])
    except services.EnquiryError as exc:
        if wants_fragment(LOGGER):
            form = _fresh_form(services.last_enquiry(current_user.username), crisis.active_messages())
            form.form_errors.append(str(exc))
            return _page(form)
        flash(str(exc), "error")
    else:
        if wants_fragment(LOGGER):
            return _page(_fresh_form(enquiry, crisis.active_messages()), undone=enquiry)
        flash("Ärendet är borttaget.", "success")
    return redirect(url_for("enquiries.log_page"))


@bp.route("/arenden/kategorier")
@role_required("agent")
def category_options():
    """The category list filtered by what the agent typed (htmx); the page itself without htmx."""
    query = request.args.get("q", "")
    matches = services.categories(query=query)
    if not wants_fragment("category-select-wrap"):
        return redirect(url_for("enquiries.log_page"))
    return render("enquiries/_category_select.html", categories=services.grouped(matches),
                  selected=matches[0].id if matches else None, query=query, match_count=len(matches))


@bp.route("/arenden/aterkoppling/mottagare")
@role_required("agent")
def callback_assignees():
    """The "who calls back" list filtered by what the agent typed (htmx): people and units."""
    if not wants_fragment("callback-assignee-wrap"):
        return redirect(url_for("enquiries.log_page"))
    query = request.args.get("callback_q", "")
    units, people = callbacks.assignee_choices(query)
    return render("enquiries/_callback_assignee_select.html", callback_units=units, people=people, query=query,
                  selected=(f"person:{people[0].id}" if people else f"unit:{units[0].id}" if units else None))


# --- the call-back list ("Att ringa upp") -----------------------------------------------------

def _viewer():
    return directory.person_for_user(current_user.username, current_user.session.directory_guid)


@bp.route("/att-ringa-upp")
@login_required
def callbacks_page():
    """Open call-backs: all of them for agents, one's own and one's unit's for everyone else."""
    now = utcnow()
    actor, person = current_actor(), _viewer()
    rows = callbacks.to_call(actor, person, include_all=current_user.has_role("agent"))
    return render("enquiries/callbacks.html", rows=rows, overdue=callbacks.overdue(rows, now),
                  may_mark_done={row.id for row in rows if callbacks.may_mark_done(actor, person, row)},
                  now=now)


@bp.route("/att-ringa-upp/<int:callback_id>/klar", methods=["POST"])
@login_required
def callback_done(callback_id):
    try:
        callback = callbacks.mark_done(current_actor(), _viewer(), callback_id, utcnow())
    except LookupError:
        abort(404)
    except services.EnquiryError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Återkopplingen till {callback.assignee_name} är markerad som klar.", "success")
    return redirect(url_for("enquiries.callbacks_page"))


# --- admin: categories and forwarding targets -------------------------------------------------

def _admin_page(category_form=None, target_form=None, status=200):
    return render("enquiries/admin.html",
                  categories=services.grouped(services.categories(include_retired=True)),
                  targets=services.targets(include_retired=True),
                  category_form=category_form or CategoryForm(formdata=None, prefix="category"),
                  target_form=target_form or TargetForm(formdata=None, prefix="target"),
                  target_kinds=TARGET_KINDS,
                  retention_days=current_app.config["ENQUIRY_NOTE_RETENTION_DAYS"]), status


@bp.route("/admin/kategorier")
@role_required("admin")
def admin():
    return _admin_page()


@bp.route("/admin/kategorier", methods=["POST"])
@role_required("admin")
def add_category():
    form = CategoryForm(prefix="category")
    done = submit_form(form, lambda: services.add_category(current_actor(), form.group_name.data, form.name.data),
                       services.EnquiryError, f"Kategorin ”{(form.name.data or '').strip()}” är tillagd.",
                       lambda category: url_for("enquiries.admin", _anchor=f"category-{category.id}"))
    return done or _admin_page(category_form=form, status=400)


@bp.route("/admin/kategorier/<int:category_id>", methods=["POST"])
@role_required("admin")
def rename_category(category_id):
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.rename_category(current_actor(), category_id, form.group_name.data, form.name.data)
        except services.EnquiryError as exc:
            flash(str(exc), "error")
        else:
            flash("Kategorin har fått nytt namn. Tidigare ärenden följer med.", "success")
    else:
        flash("Skriv både förvaltning eller bolag och kategorins namn.", "error")
    return redirect(url_for("enquiries.admin", _anchor=f"category-{category_id}"))


@bp.route("/admin/kategorier/<int:category_id>/<any(avveckla, aterinfor):action>", methods=["POST"])
@role_required("admin")
def category_state(category_id, action):
    try:
        category = services.set_category_active(current_actor(), category_id, action == "aterinfor")
    except services.EnquiryError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Kategorin ”{category.name}” är " + ("i bruk igen." if category.active else
              "avvecklad. Den finns kvar i historik och rapporter."), "success")
    return redirect(url_for("enquiries.admin", _anchor=f"category-{category_id}"))


@bp.route("/admin/mottagare", methods=["POST"])
@role_required("admin")
def add_target():
    form = TargetForm(prefix="target")
    done = submit_form(form, lambda: services.add_target(current_actor(), form.kind.data, form.name.data),
                       services.EnquiryError, f"Mottagaren ”{(form.name.data or '').strip()}” är tillagd.",
                       url_for("enquiries.admin", _anchor="targets"))
    return done or _admin_page(target_form=form, status=400)


@bp.route("/admin/mottagare/hamta", methods=["POST"])
@role_required("admin")
def refresh_targets():
    report = services.refresh_targets(current_actor())
    flash(f"Mottagarlistan är uppdaterad från katalogen och bolagsregistret: {report.changed} "
          f"{'ändring' if report.changed == 1 else 'ändringar'}.", "success")
    for ref, name, reason in report.conflicts:
        flash(f"”{name}” ({ref}) kunde inte tas med: {reason}", "error")
    return redirect(url_for("enquiries.admin", _anchor="targets"))


@bp.route("/admin/mottagare/<int:target_id>", methods=["POST"])
@role_required("admin")
def rename_target(target_id):
    form = RenameTargetForm()
    if form.validate_on_submit():
        try:
            services.rename_target(current_actor(), target_id, form.name.data)
        except services.EnquiryError as exc:
            flash(str(exc), "error")
        else:
            flash("Mottagaren har fått nytt namn.", "success")
    else:
        flash("Skriv mottagarens namn.", "error")
    return redirect(url_for("enquiries.admin", _anchor="targets"))


@bp.route("/admin/mottagare/<int:target_id>/<any(avveckla, aterinfor):action>", methods=["POST"])
@role_required("admin")
def target_state(target_id, action):
    try:
        target = services.set_target_active(current_actor(), target_id, action == "aterinfor")
    except services.EnquiryError as exc:
        flash(str(exc), "error")
    else:
        flash(f"”{target.name}” " + ("kan väljas igen." if target.active else "kan inte längre väljas."), "success")
    return redirect(url_for("enquiries.admin", _anchor="targets"))
