"""Enquiry logging: once per submitted form, undo, crisis tag, notes and their purge, categories, pages."""
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.crisis import services as crisis
from kundweb.enquiries import services
from kundweb.enquiries.models import Enquiry
from kundweb.extensions import db
from tests.conftest import csrf_token

AGENT = Actor("bertil", frozenset({"agent"}))
ADMIN = Actor("david", frozenset({"admin"}))


@pytest.fixture
def category(app):
    """A category, made in its own app context: a test client's requests must not share one
    with the test (Flask-WTF keeps the CSRF token on `g`)."""
    with app.app_context():
        return SimpleNamespace(id=services.add_category(ADMIN, "Stadsbyggnadsförvaltningen", "Bygglov").id)


def _log(category, key=None, now=None, actor=AGENT, **extra):
    data = services.EnquiryInput(extra.pop("channel", "telefon"), category.id, extra.pop("outcome", "direct"),
                                 submission_key=key, **extra)
    return services.log_enquiry(actor, data, now=now)


def _count():
    return db.session.scalar(db.select(db.func.count()).select_from(Enquiry))


def _count_in(app):
    with app.app_context():
        return _count()


def test_an_enquiry_is_stored_with_its_local_day_and_month_and_audited_without_the_note(app_context, category):
    # 23.30 on 31 March in Sweden is 21.30 UTC (summer time): March, not April.
    at = datetime(2025, 3, 31, 21, 30, tzinfo=timezone.utc)
    enquiry, created = _log(category, "k1", now=at, note="Frågade om handläggningstid")
    assert created and (enquiry.month, enquiry.local_date.isoformat()) == ("2025-03", "2025-03-31")
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.logged")).one()
    assert event.actor == "bertil" and event.details["has_note"] is True
    assert "handläggningstid" not in str(event.details)  # notes are purged; the audit log is kept for good


def test_the_same_form_posted_twice_records_one_enquiry(app_context, category):
    first, created = _log(category, "same-key")
    again, created_again = _log(category, "same-key")
    assert created and not created_again and again.id == first.id and _count() == 1


def test_a_duplicate_is_caught_by_the_unique_key_itself(app_context, category):
    """No look-up before the insert: the UNIQUE key decides, as it must when two requests race."""
    first, _ = _log(category, "raced")
    db.session.expire_all()
    again, created = _log(category, "raced")
    assert not created and again.id == first.id and _count() == 1
    assert db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "enquiry.category_added", "enquiry.logged"]


@pytest.mark.parametrize("extra, message", [
    ({"channel": "fax"}, "kanal"),
    ({"outcome": "forwarded"}, "vidarebefordrades"),
    ({"note": "Ring 19850101-1234 om saken"}, "personuppgifter"),
    ({"note": "svara till anna@example.com"}, "personuppgifter"),
    ({"note": "x" * 301}, "högst 300"),
    ({"wait_seconds": -1}, "Väntetiden"),
    ({"crisis_id": 999}, "Krisen"),
    ({"target_id": 10**20, "outcome": "forwarded"}, "vidarebefordrades"),
    ({"category_id": 10**20}, "kategori ur listan"),
])
def test_invalid_enquiries_are_refused(app_context, category, extra, message):
    if "category_id" in extra:
        category = SimpleNamespace(id=extra.pop("category_id"))
    with pytest.raises(services.EnquiryError, match=message):
        _log(category, **extra)
    assert _count() == 0


def test_forwarded_enquiries_name_their_target(app_context, category):
    target = services.add_target(ADMIN, "company", "Luleå Energi AB")
    enquiry, _ = _log(category, outcome="forwarded", target_id=target.id)
    assert enquiry.target.name == "Luleå Energi AB"


def test_an_active_crisis_can_tag_enquiries(app_context, category):
    communicator = Actor("cecilia", frozenset({"communicator"}))
    message = crisis.create_message(communicator, crisis.MessageInput("Storm", "Stanna inne.", "warning"))
    crisis.publish_now(communicator, message.id)
    active = [m.id for m in crisis.active_messages()]
    enquiry, _ = services.log_enquiry(AGENT, services.EnquiryInput("telefon", category.id, "direct",
                                                                   crisis_id=message.id), active)
    assert enquiry.crisis_id == message.id


def test_only_the_latest_own_enquiry_can_be_undone_and_only_for_a_while(app_context, category):
    t0 = datetime.now(timezone.utc) - timedelta(seconds=30)
    first, _ = _log(category, "a", now=t0)
    second, _ = _log(category, "b", now=t0 + timedelta(seconds=5))
    with pytest.raises(services.EnquiryError, match="senaste"):
        services.undo_last(AGENT, first.id, 120)
    with pytest.raises(services.EnquiryError, match="senaste"):
        services.undo_last(Actor("agnes", frozenset({"agent"})), second.id, 120)
    with pytest.raises(services.EnquiryError, match="för sent"):
        services.undo_last(AGENT, second.id, 120, now=t0 + timedelta(minutes=10))
    services.undo_last(AGENT, second.id, 120)
    assert _count() == 1
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.undone")).one()
    assert event.actor == "bertil" and event.object_id == str(second.id)


def test_counts_today_are_the_agents_own_and_the_teams(app_context, category):
    now = datetime(2025, 6, 2, 10, 0, tzinfo=timezone.utc)
    _log(category, now=now)
    _log(category, now=now)
    _log(category, now=now, actor=Actor("agnes", frozenset({"agent"})))
    _log(category, now=now - timedelta(days=1))
    assert services.counts_today("bertil", now) == services.Counts(2, 3)


def test_old_notes_are_purged_and_the_counts_stay(app_context, category):
    now = datetime(2025, 6, 30, 12, 0, tzinfo=timezone.utc)
    old, _ = _log(category, note="Gammal anteckning", now=now - timedelta(days=31))
    new, _ = _log(category, note="Ny anteckning", now=now - timedelta(days=2))
    assert services.purge_notes(30, now=now) == 1
    db.session.expire_all()
    assert db.session.get(Enquiry, old.id).note is None and db.session.get(Enquiry, new.id).note == "Ny anteckning"
    assert _count() == 2
    assert db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.notes_purged")).one().details["count"] == 1


def test_scheduler_has_the_note_purge_job():
    from kundweb.scheduler import JOBS

    assert "enquiry_note_purge" in [job[0] for job in JOBS]


def test_retired_categories_cannot_be_chosen_but_stay_in_history(app_context, category):
    enquiry, _ = _log(category)
    services.set_category_active(ADMIN, category.id, False)
    assert category.id not in [c.id for c in services.categories()]
    assert category.id in [c.id for c in services.categories(include_retired=True)]
    with pytest.raises(services.EnquiryError, match="kategori"):
        _log(category)
    services.rename_category(ADMIN, category.id, "Stadsbyggnadsförvaltningen", "Bygglov och anmälan")
    assert db.session.get(Enquiry, enquiry.id).category.name == "Bygglov och anmälan"


def test_category_names_are_unique_within_a_group(app_context, category):
    with pytest.raises(services.EnquiryError, match="redan"):
        services.add_category(ADMIN, "stadsbyggnadsförvaltningen", "bygglov")
    services.add_category(ADMIN, "Lulebo AB", "Bygglov")  # another group may use the name


def test_targets_from_another_register_are_added_linked_and_renamed(app_context):
    manual = services.add_target(ADMIN, "company", "Lulebo AB")
    assert services.sync_targets(ADMIN, [("company", "company:2", "Lulebo AB"),
                                         ("function", "function:7", "Badhuset")]).changed == 2
    assert manual.ref == "company:2"
    assert services.sync_targets(ADMIN, [("function", "function:7", "Pontusbadet")]).changed == 1
    assert {t.name for t in services.targets()} == {"Lulebo AB", "Pontusbadet"}
    again = services.sync_targets(ADMIN, [("company", "company:2", "Lulebo AB"), ("function", "function:7", "Pontusbadet")])
    assert again == services.SyncReport(0, ())


def test_a_name_clash_is_skipped_and_reported_and_the_rest_still_synced(app_context):
    services.add_target(ADMIN, "function", "Simhallen")  # a hand-made target another register later renames into
    services.sync_targets(ADMIN, [("function", "function:1", "Badhuset")])
    report = services.sync_targets(ADMIN, [("function", "function:1", "Simhallen"),
                                           ("unit", "unit:3", "Kultur- och fritidsförvaltningen")])
    assert report.changed == 1 and [c[0] for c in report.conflicts] == ["function:1"]
    assert "redan" in report.conflicts[0][2]
    assert {t.name for t in services.targets()} == {"Simhallen", "Badhuset", "Kultur- och fritidsförvaltningen"}


def test_refresh_takes_units_functions_and_companies_from_their_registers(app_context):
    from kundweb.companies import services as companies
    from kundweb.database import utcnow
    from kundweb.directory import services as directory

    unit = directory.unit_named("Kultur- och fritidsförvaltningen", utcnow())
    bath = directory.save_function(ADMIN, None, directory.FunctionInput(name="Pontusbadet", unit_id=unit.id), utcnow())
    closed = directory.save_function(ADMIN, None, directory.FunctionInput(name="Gamla simhallen", active=False),
                                     utcnow())
    lulebo = companies.create_company(ADMIN, companies.CompanyInput("Lulebo AB", "556012-3456", "0920-23 50 00"))
    services.add_target(ADMIN, "company", "Lulebo AB")  # made by hand before: linked, not doubled
    report = services.refresh_targets(Actor(None))
    assert report.changed == 3 and report.conflicts == ()
    refs = {t.ref: t.name for t in services.targets()}
    assert refs == {f"unit:{unit.id}": "Kultur- och fritidsförvaltningen", f"function:{bath.id}": "Pontusbadet",
                    f"company:{lulebo.id}": "Lulebo AB"}
    assert f"function:{closed.id}" not in refs  # an inactive entry is no place to forward to
    assert services.refresh_targets(Actor(None)).changed == 0  # idempotent


def test_the_admin_refreshes_targets_with_a_button_and_others_may_not(app, login_as):
    client = login_as("agent")
    assert client.post("/admin/mottagare/hamta",
                       data={"csrf_token": csrf_token(client, "/arenden")}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    client = login_as("admin")
    response = client.post("/admin/mottagare/hamta", data={"csrf_token": csrf_token(client, "/admin/kategorier")},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Mottagarlistan är uppdaterad från katalogen och bolagsregistret" in response.get_data(as_text=True)


# --- pages -----------------------------------------------------------------------------------

HTMX = {"HX-Request": "true", "HX-Target": "enquiry-logger"}


def _form(client, category_id, **extra):
    """What the page's form posts: its hidden fields as the page rendered them, and the choices."""
    html = client.get("/arenden").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', html)
    state = re.search(r'name="form_state" value="([^"]*)"', html)
    data = {"csrf_token": csrf_token(client, "/arenden"), "channel": "telefon", "category": str(category_id),
            "outcome": "direct", "submission_key": key.group(1), "form_state": state.group(1)}
    data.update(extra)
    return data


def _oob_parts(html):
    return set(re.findall(r'id="([\w-]+)"[^>]*hx-swap-oob', html))


def test_htmx_save_answers_only_what_changes_out_of_band(app, login_as, category):
    """The form stays on the page with its channel and category; the answer brings a new undo
    line, a new submission key, the counts, Spara with the focus and the filled-in note reset."""
    client = login_as("agent")
    data = _form(client, category.id, note="Om bygglov")
    response = client.post("/arenden", data=data, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert response.headers["HX-Retarget"] == "#enquiry-undo"
    assert html.lstrip().startswith('<form method="post" action="/arenden/') and "Ångra" in html
    assert _oob_parts(html) == {"submission-key", "enquiry-details", "enquiry-crisis", "enquiry-actions",
                                "enquiry-today"}
    new_key = re.search(r'id="submission-key" name="submission_key" value="([^"]+)" hx-swap-oob="true"', html)
    assert new_key and new_key.group(1) != data["submission_key"]
    assert 'id="note" name="note" value=""' in html and "Om bygglov" not in html  # the note is cleared ...
    assert 'name="channel"' not in html and 'id="category"' not in html  # ... channel and category untouched
    assert re.search(r'<button type="submit" class="button button--primary" autofocus>', html)
    assert "Sparat:</strong> Telefon · Bygglov · besvarad direkt" in html
    assert re.search(r"<dt>Du</dt><dd>1</dd>", html) and re.search(r"<dt>Teamet</dt><dd>1</dd>", html)
    # The same form again (a double click): still one enquiry.
    client.post("/arenden", data=data, headers=HTMX)
    assert _count_in(app) == 1
    # The next enquiry, with the new key: the counts follow.
    html = client.post("/arenden", data={**data, "submission_key": new_key.group(1)}, headers=HTMX).get_data(
        as_text=True)
    assert re.search(r"<dt>Du</dt><dd>2</dd>", html) and _count_in(app) == 2


@pytest.mark.parametrize("extra, reset", [
    ({}, set()),
    ({"wait": "2:30"}, {"enquiry-details"}),
    ({"wait": " "}, {"enquiry-details"}),
    ({"outcome": "registry"}, {"enquiry-outcome"}),
    ({"outcome": "forwarded", "target": "TARGET"}, {"enquiry-outcome"}),
    ({"outcome": "direct", "target": "TARGET"}, {"enquiry-outcome"}),  # chosen, then back to direct
    ({"q": "bygg"}, {"category-field"}),  # a search filtered the list: the whole list comes back
])
def test_the_answer_resets_the_parts_the_agent_filled_in(app, login_as, category, extra, reset):
    with app.app_context():
        target_id = services.add_target(ADMIN, "company", "Luleå Energi AB").id
    client = login_as("agent")
    extra = {name: str(target_id) if value == "TARGET" else value for name, value in extra.items()}
    html = client.post("/arenden", data=_form(client, category.id, **extra), headers=HTMX).get_data(as_text=True)
    always = {"submission-key", "enquiry-crisis", "enquiry-actions", "enquiry-today"}
    assert _oob_parts(html) == always | reset and _count_in(app) == 1
    if reset == {"enquiry-outcome"}:
        assert re.search(r'value="direct" checked', html) and "Luleå Energi AB</option>" in html
        assert " selected" not in html
    if reset == {"category-field"}:
        assert f'<option value="{category.id}" selected>Bygglov</option>' in html
        search = re.search(r'<input type="search" id="category-search" name="q"[^>]*>', html).group(0)
        assert "value=" not in search  # the search box emptied


def _active_crisis(app, title="Storm"):
    with app.app_context():
        communicator = Actor("cecilia", frozenset({"communicator"}))
        message = crisis.create_message(communicator, crisis.MessageInput(title, "Stanna inne.", "warning"))
        crisis.publish_now(communicator, message.id)
        return message.id


def _crisis_part(html):
    return html.split('id="enquiry-crisis"')[1].split("</fieldset>")[0]


def test_the_answer_brings_an_active_crisis_question_with_the_tag_kept(app, login_as, category):
    """The crisis tag stays chosen after a save, the way channel and category do."""
    message_id = _active_crisis(app)
    client = login_as("agent")
    html = client.post("/arenden", data=_form(client, category.id, crisis=str(message_id)),
                       headers=HTMX).get_data(as_text=True)
    crisis_part = _crisis_part(html)
    assert "Ja: Storm" in crisis_part
    assert f'id="crisis-{message_id}" name="crisis" value="{message_id}" checked' in crisis_part
    assert 'value="" checked' not in crisis_part
    with app.app_context():
        assert db.session.scalar(db.select(Enquiry.crisis_id)) == message_id


def test_the_crisis_tag_stays_until_the_agent_changes_it(app, login_as, category):
    message_id = _active_crisis(app)
    client = login_as("agent")
    client.post("/arenden", data=_form(client, category.id, crisis=str(message_id)), headers=HTMX)
    # A fresh page (a reload, or the redirect without JavaScript) keeps it too.
    assert f'value="{message_id}" checked' in _crisis_part(client.get("/arenden").get_data(as_text=True))
    html = client.post("/arenden", data=_form(client, category.id, crisis=""), headers=HTMX).get_data(as_text=True)
    assert 'id="crisis-none" name="crisis" value="" checked' in _crisis_part(html)
    page = client.get("/arenden").get_data(as_text=True)
    assert 'id="crisis-none" name="crisis" value="" checked' in _crisis_part(page)
    with app.app_context():
        assert [e.crisis_id for e in db.session.scalars(db.select(Enquiry).order_by(Enquiry.id))] == [message_id, None]


def test_without_javascript_the_crisis_tag_is_kept_after_the_redirect(app, login_as, category):
    message_id = _active_crisis(app)
    client = login_as("agent")
    response = client.post("/arenden", data=_form(client, category.id, crisis=str(message_id)))
    assert response.status_code == 302
    assert f'value="{message_id}" checked' in _crisis_part(client.get("/arenden").get_data(as_text=True))


def test_a_kept_crisis_tag_is_dropped_once_the_crisis_has_ended(app, login_as, category):
    message_id = _active_crisis(app)
    client = login_as("agent")
    client.post("/arenden", data=_form(client, category.id, crisis=str(message_id)), headers=HTMX)
    with app.app_context():
        crisis.end_now(Actor("cecilia", frozenset({"communicator"})), message_id)
    other_id = _active_crisis(app, "Strömavbrott")
    part = _crisis_part(client.get("/arenden").get_data(as_text=True))
    assert "Ja: Strömavbrott" in part and 'id="crisis-none" name="crisis" value="" checked' in part
    assert f'value="{other_id}" checked' not in part


@pytest.mark.parametrize("state", ["errors", "a-version-from-before"])
def test_a_form_showing_errors_or_old_lists_gets_the_whole_form_back(app, login_as, category, state):
    client = login_as("agent")
    response = client.post("/arenden", data=_form(client, category.id, note="Om bygglov", form_state=state),
                           headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Retarget" not in response.headers
    assert 'id="enquiry-today" hx-swap-oob="innerHTML"' in html and "Sparat:" in html
    assert re.search(r'value="telefon"[^>]*checked|checked[^>]*value="telefon"', html)  # the channel kept
    assert f'<option value="{category.id}" selected>Bygglov</option>' in html
    assert "Om bygglov" not in html and 'name="form_state" value="errors"' not in html
    assert re.search(r'<button type="submit" class="button button--primary" autofocus>', html)
    assert _count_in(app) == 1


def test_a_category_added_since_the_page_was_shown_comes_with_the_next_save(app, login_as, category):
    client = login_as("agent")
    data = _form(client, category.id)
    with app.app_context():
        services.add_category(ADMIN, "Lulebo AB", "Bostadskö")
    html = client.post("/arenden", data=data, headers=HTMX).get_data(as_text=True)
    assert "Bostadskö</option>" in html and 'name="channel"' in html


def test_without_javascript_the_form_posts_and_redirects(app, login_as, category):
    client = login_as("agent")
    response = client.post("/arenden", data=_form(client, category.id))
    assert response.status_code == 302 and response.headers["Location"].endswith("/arenden")
    page = client.get("/arenden").get_data(as_text=True)
    assert "Ärendet är sparat" in page and "Ångra" in page
    assert _count_in(app) == 1


@pytest.mark.parametrize("channel, kind", [("telefon", "call"), ("epost", "email"), ("besok", None)])
def test_an_enquiry_handed_over_for_registration_leads_to_the_registration_form(app, login_as, category,
                                                                                channel, kind):
    client = login_as("agent")
    html = client.post("/arenden", data=_form(client, category.id, channel=channel, outcome="registry"),
                       headers=HTMX).get_data(as_text=True)
    link = re.search(r'href="(/handlingar/ny\?[^"]*)">Registrera handlingen nu', html).group(1)
    assert (f"slag={kind}" in link) if kind else ("slag" not in link)
    assert "mottagen_av=unit" in link
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(r'value="unit"[^>]*checked|checked[^>]*value="unit"', form)
    direct = client.post("/arenden", data=_form(client, category.id, channel=channel, outcome="direct"),
                         headers=HTMX).get_data(as_text=True)
    assert "Registrera handlingen nu" not in direct
    # Without JavaScript the save goes straight on to the registration form.
    response = client.post("/arenden", data=_form(client, category.id, channel=channel, outcome="registry"))
    assert response.status_code == 302 and "/handlingar/ny?" in response.headers["Location"]


def test_errors_come_back_in_the_fragment_for_htmx_and_as_a_page_without(app, login_as, category):
    client = login_as("agent")
    data = _form(client, category.id, outcome="forwarded")
    fragment = client.post("/arenden", data=data, headers=HTMX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "vidarebefordrades" in html
    assert 'name="form_state" value="errors"' in html  # so the next save brings the whole form back
    page = client.post("/arenden", data=data)
    assert page.status_code == 400 and "<html" in page.get_data(as_text=True)
    assert _count_in(app) == 0


def test_undo_from_the_page(app, login_as, category):
    client = login_as("agent")
    client.post("/arenden", data=_form(client, category.id))
    with app.app_context():
        enquiry_id = db.session.scalar(db.select(Enquiry.id))
    response = client.post(f"/arenden/{enquiry_id}/angra", data={"csrf_token": csrf_token(client, "/arenden")},
                           headers={"HX-Request": "true", "HX-Target": "enquiry-logger"})
    assert "Ångrat" in response.get_data(as_text=True) and _count_in(app) == 0


def test_category_search_filters_the_list(app, login_as, category):
    with app.app_context():
        services.add_category(ADMIN, "Lulebo AB", "Bostadskö")
    client = login_as("agent")
    html = client.get("/arenden/kategorier?q=bostad", headers={"HX-Request": "true",
                                                                "HX-Target": "category-select-wrap"}).get_data(as_text=True)
    assert "Bostadskö" in html and "Bygglov" not in html and "selected" in html


def test_employees_cannot_log_and_agents_cannot_manage_categories(login_as, client):
    login_as("employee")
    assert client.get("/arenden").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/start/employee")})
    login_as("agent")
    assert client.get("/admin/kategorier").status_code == 403


def test_admin_adds_renames_and_retires_categories(app, login_as):
    client = login_as("admin")
    token = csrf_token(client, "/admin/kategorier")
    response = client.post("/admin/kategorier", data={"csrf_token": token, "category-group_name": "Lulebo AB",
                                                      "category-name": "Bostadskö"})
    assert response.status_code == 302
    with app.app_context():
        category = services.categories()[0]
    client.post(f"/admin/kategorier/{category.id}", data={"csrf_token": token, "group_name": "Lulebo AB",
                                                          "name": "Bostadskö och uthyrning"})
    client.post(f"/admin/kategorier/{category.id}/avveckla", data={"csrf_token": token})
    page = client.get("/admin/kategorier").get_data(as_text=True)
    assert "Bostadskö och uthyrning" in page and "Avvecklad" in page
    with app.app_context():
        assert services.categories() == []
        actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.like("enquiry.%"))
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["enquiry.category_added", "enquiry.category_renamed", "enquiry.category_retired"]


def test_the_counts_after_a_save_are_todays_own_and_teams_and_follow_an_undo(app, login_as, category):
    """Read fresh after every save: other agents' enquiries count for the team, yesterday's for nobody."""
    with app.app_context():
        now = datetime.now(timezone.utc)
        _log(category, now=now, actor=Actor("agnes", frozenset({"agent"})))
        _log(category, now=now - timedelta(days=1))
    client = login_as("agent")
    html = client.post("/arenden", data=_form(client, category.id), headers=HTMX).get_data(as_text=True)
    assert re.search(r"<dt>Du</dt><dd>1</dd>", html) and re.search(r"<dt>Teamet</dt><dd>2</dd>", html)
    undo_url = re.search(r'hx-post="(/arenden/\d+/angra)"', html).group(1)
    html = client.post(undo_url, data={"csrf_token": csrf_token(client, "/arenden")},
                       headers=HTMX).get_data(as_text=True)
    assert re.search(r"<dt>Du</dt><dd>0</dd>", html) and re.search(r"<dt>Teamet</dt><dd>1</dd>", html)


def test_a_save_is_one_transaction_with_its_audit_event(app_context, category, monkeypatch):
    """The enquiry, the audit event and the chain head commit together, or not at all."""
    def failing_commit():
        raise RuntimeError("the database went away at the commit")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        _log(category, "lost")
    db.session.rollback()
    monkeypatch.undo()
    assert _count() == 0 and not db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.logged")).all()
    _log(category, "kept")
    assert _count() == 1 and db.session.scalars(db.select(AuditEvent).filter_by(action="enquiry.logged")).one()
    from kundweb.audit.services import verify_chain
    assert verify_chain().ok
