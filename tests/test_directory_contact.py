"""Mina kontaktuppgifter: each employee keeps their own entry; nobody else but admins may change it."""
import re
from datetime import timedelta

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.directory import services
from kundweb.directory.models import EntryChange, Person
from kundweb.extensions import db
from tests.conftest import csrf_token
from tests.directory_helpers import add_demo_users, add_person

EDITOR = {"HX-Request": "true", "HX-Target": "entry-editor"}
ANNA = Actor("anna", frozenset({"employee"}))
DAVID = Actor("david", frozenset({"employee", "admin"}))
BERTIL = Actor("bertil", frozenset({"employee", "agent"}))


@pytest.fixture
def users(app):
    """Entries of the demo users, as ids: made in an app context of their own, because a context
    held open across test-client requests would share `g` (and its cached CSRF token)."""
    with app.app_context():
        return {name: person.id for name, person in add_demo_users().items()}


def person(person_id):
    db.session.expire_all()
    return db.session.get(Person, person_id)


def stored(app, person_id):
    """The person as stored now, read in a context of its own (for tests that use the client)."""
    with app.app_context():
        return db.session.get(Person, person_id)


def contact(**fields):
    data = {"extension": "3112", "direct_number": "0920-45 31 12", "mobile": "", "location": "", "reach_note": ""}
    data.update(fields)
    return data


def audit_actions():
    return [event.action for event in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


# --------------------------------------------------------------------------- services

def test_own_details_are_normalised_kept_in_history_and_audited(users, app_context):
    anna = person(users["anna"])
    now = utcnow()
    changed = services.update_contact(ANNA, anna, services.ContactInput(
        extension="31 13", direct_number="+46 920 453113", mobile="070-123 45 67", location="  Stadshuset,  rum 214 ",
        reach_note="Telefontid 9–10."), now)
    anna = person(anna.id)
    assert changed == ["extension", "direct_number", "mobile", "location", "reach_note"]
    assert (anna.extension, anna.direct_number, anna.mobile) == ("3113", "+46920453113", "+46701234567")
    assert anna.location == "Stadshuset, rum 214"
    assert anna.confirmed_at == now  # saving your own details confirms them
    history = {change.field: change for change in services.history(anna)}
    assert (history["extension"].old_value, history["extension"].new_value) == ("3112", "3113")
    assert history["direct_number"].old_value == "+46920453112"
    assert history["extension"].changed_by == "anna" and history["extension"].source == "self"
    assert "confirmed_at" in history
    assert audit_actions()[-1] == "directory.contact_updated"


def test_an_admin_may_change_anyones_entry_and_hide_them(users, app_context):
    anna = person(users["anna"])
    services.update_contact(DAVID, anna, services.ContactInput(extension="3112", direct_number="0920-45 31 12",
                                                               hidden=True), utcnow())
    anna = person(anna.id)
    assert anna.hidden and anna.confirmed_at is None  # an admin's edit confirms nothing for Anna
    change = services.history(anna)[0]
    assert (change.field, change.changed_by, change.source) == ("hidden", "david", "admin")


@pytest.mark.parametrize("actor", [BERTIL, Actor("cecilia", frozenset({"employee", "communicator"})),
                                   Actor(None, frozenset())])
def test_nobody_else_may_change_an_entry(users, app_context, actor):
    anna = person(users["anna"])
    with pytest.raises(services.NotAllowed):
        services.update_contact(actor, anna, services.ContactInput(extension="9999"), utcnow())
    with pytest.raises(services.NotAllowed):
        services.confirm_current(actor, anna, utcnow())
    anna = person(anna.id)
    assert anna.extension == "3112" and anna.confirmed_at is None
    assert audit_actions()[-2:] == ["directory.edit_denied", "directory.edit_denied"]


def test_only_admins_may_hide_someone(users, app_context):
    with pytest.raises(services.NotAllowed):
        services.update_contact(ANNA, person(users["anna"]), services.ContactInput(extension="3112", hidden=True), utcnow())
    assert not person(users["anna"]).hidden


def test_an_extension_belongs_to_one_active_person(users, app_context):
    with pytest.raises(services.InvalidEntry) as caught:
        services.update_contact(ANNA, person(users["anna"]), services.ContactInput(extension="3021"), utcnow())
    assert caught.value.errors == {"extension": "Anknytningen 3021 används redan av Bertil Öberg."}
    assert person(users["anna"]).extension == "3112"


def test_a_hidden_holder_of_an_extension_is_not_named(users, app_context):
    add_person("skyddad", "Sara Skyddad", extension="4715", hidden=True)
    with pytest.raises(services.InvalidEntry) as caught:
        services.update_contact(ANNA, person(users["anna"]), services.ContactInput(extension="4715"), utcnow())
    assert caught.value.errors["extension"] == "Anknytningen 4715 används redan."


def test_a_leavers_extension_can_be_taken(users, app_context):
    bertil = person(users["bertil"])
    bertil.active = False
    db.session.commit()
    services.update_contact(ANNA, person(users["anna"]), services.ContactInput(extension="3021"), utcnow())
    assert person(users["anna"]).extension == "3021"


def test_all_field_errors_are_reported_together(users, app_context):
    with pytest.raises(services.InvalidEntry) as caught:
        services.update_contact(ANNA, person(users["anna"]), services.ContactInput(
            extension="12", direct_number="0920-45", mobile="0920-45 30 00", reach_note="x" * 201), utcnow())
    assert set(caught.value.errors) == {"extension", "direct_number", "mobile", "reach_note"}


def test_confirming_sets_the_date_and_clears_staleness(users, app_context, app):
    anna = person(users["anna"])
    anna.created_at = utcnow() - timedelta(days=800)
    db.session.commit()
    assert services.is_stale(anna, utcnow())
    services.confirm_current(ANNA, anna, utcnow())
    assert not services.is_stale(person(anna.id), utcnow())
    assert audit_actions()[-1] == "directory.contact_confirmed"


# --------------------------------------------------------------------------- the pages

def test_my_details_page_shows_my_entry_in_swedish_format(users, login_as):
    html = login_as("employee").get("/katalog/mina-uppgifter").get_data(as_text=True)
    assert "Mina kontaktuppgifter" in html and 'value="3112"' in html and 'value="0920-45 31 12"' in html
    assert "Anna Andersson" in html and "Socialförvaltningen" in html


@pytest.mark.parametrize("role, led_back", [("employee", False), ("agent", True)])
def test_only_those_who_may_search_are_led_back_to_the_search(users, login_as, role, led_back):
    # An employee who opens her own entry cannot search the directory: a link there would end in 403.
    page = login_as(role).get(f"/katalog/person/{users['anna']}")
    assert page.status_code == 200 and ("Tillbaka till sökningen" in page.get_data(as_text=True)) == led_back


def test_saving_through_htmx_swaps_the_editor_with_the_saved_values(users, login_as):
    client = login_as("employee")
    anna_id = users["anna"]
    response = client.post(f"/katalog/person/{anna_id}/kontakt", headers=EDITOR,
                           data=contact(extension="3113", direct_number="+46920453113",
                                        csrf_token=csrf_token(client, "/katalog/mina-uppgifter")))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Sparat." in html and 'value="3113"' in html and 'value="0920-45 31 13"' in html
    assert "Anknytning" in html and "3112" in html  # the history shows the old value too


def test_saving_without_javascript_redirects_back_with_a_message(users, login_as):
    client = login_as("employee")
    response = client.post(f"/katalog/person/{users['anna']}/kontakt",
                           data=contact(extension="3113", csrf_token=csrf_token(client, "/katalog/mina-uppgifter")))
    assert response.status_code == 302 and response.headers["Location"].endswith("/katalog/mina-uppgifter")
    assert "Kontaktuppgifterna är sparade." in client.get("/katalog/mina-uppgifter").get_data(as_text=True)


def test_an_invalid_number_is_shown_at_its_field_and_nothing_is_saved(app, users, login_as):
    client = login_as("employee")
    token = csrf_token(client, "/katalog/mina-uppgifter")
    response = client.post(f"/katalog/person/{users['anna']}/kontakt", headers=EDITOR,
                           data=contact(extension="3113", direct_number="0920-45", csrf_token=token))
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert re.search(r'id="direct_number"[^>]*aria-invalid="true"', html) or \
        re.search(r'aria-invalid="true"[^>]*id="direct_number"', html)
    assert "Numret finns inte" in html
    assert stored(app, users["anna"]).extension == "3112"
    # Without JavaScript the same answer is a full page with status 400.
    page = client.post(f"/katalog/person/{users['anna']}/kontakt", data=contact(direct_number="0920-45",
                                                                                    csrf_token=token))
    assert page.status_code == 400 and "<html" in page.get_data(as_text=True)


@pytest.mark.parametrize("name, typed, shown", [
    ("extension", "12", "4 eller 5 siffror"),
    ("extension", "3021", "används redan av Bertil Öberg"),
    ("extension", "3113", ""),
    ("direct_number", "0920-45", "Numret finns inte"),
    ("direct_number", "+46 920 453113", "Sparas som 0920-45 31 13"),
    ("mobile", "0701234567", "Sparas som 070-123 45 67"),
    ("mobile", "0920-45 30 00", "inte ett mobilnummer"),
    ("reach_note", "x" * 201, "Högst 200 tecken"),
])
def test_fields_are_checked_as_you_type(app, users, login_as, name, typed, shown):
    client = login_as("employee")
    response = client.post(f"/katalog/person/{users['anna']}/kontakt/kontrollera/{name}",
                           headers={"HX-Request": "true", "HX-Target": f"{name}-feedback"},
                           data={name: typed, "csrf_token": csrf_token(client, "/katalog/mina-uppgifter")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown in html
    assert ('data-invalid="true"' in html) == (shown != "" and not shown.startswith("Sparas"))
    assert stored(app, users["anna"]).extension == "3112"  # checking saves nothing


def test_the_my_details_button_confirms(app, users, login_as):
    client = login_as("employee")
    response = client.post(f"/katalog/person/{users['anna']}/bekrafta", headers=EDITOR,
                           data={"csrf_token": csrf_token(client, "/katalog/mina-uppgifter")})
    assert response.status_code == 200 and "Tack! Uppgifterna är bekräftade" in response.get_data(as_text=True)
    assert stored(app, users["anna"]).confirmed_at is not None


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
@pytest.mark.parametrize("path, data", [
    ("kontakt", contact(extension="9999")),
    ("kontakt/kontrollera/extension", {"extension": "9999"}),
    ("bekrafta", {}),
])
def test_idor_changing_someone_elses_entry_is_refused_and_audited(app, users, login_as, role, path, data):
    """Everyone gets an id in their own form's URL; putting another person's id there gives 404
    (as for an id that does not exist: ids cannot be probed), and the attempt is audited."""
    client = login_as(role)
    victim = stored(app, users["david"])  # the admin's own entry
    before = (victim.extension, victim.direct_number, victim.confirmed_at)
    data = {**data, "csrf_token": csrf_token(client, "/katalog/mina-uppgifter")}
    for headers in ({}, EDITOR):
        response = client.post(f"/katalog/person/{victim.id}/{path}", data=data, headers=headers)
        assert response.status_code == 404
    after = stored(app, victim.id)
    assert (after.extension, after.direct_number, after.confirmed_at) == before
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(EntryChange)
                                 .where(EntryChange.person_id == victim.id, EntryChange.field != "entry")) == 0
        denied = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "directory.edit_denied")).all()
        assert len(denied) == 2 and all(event.object_id == str(victim.id) for event in denied)


def test_an_employee_cannot_open_the_admin_edit_page_of_another(users, login_as):
    client = login_as("employee")
    assert client.get(f"/katalog/person/{users['bertil']}/redigera").status_code == 404
    assert client.get(f"/katalog/person/{users['anna']}/redigera").headers["Location"].endswith(
        "/katalog/mina-uppgifter")


def test_an_admin_edits_another_persons_entry_and_may_hide_them(app, users, login_as):
    client = login_as("admin")
    anna_id = users["anna"]
    page = client.get(f"/katalog/person/{anna_id}/redigera").get_data(as_text=True)
    assert "Dold i katalogen" in page
    response = client.post(f"/katalog/person/{anna_id}/kontakt", data={**contact(extension="3119"), "hidden": "y",
                                                                       "csrf_token": csrf_token(client, "/katalog/mina-uppgifter")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/katalog/person/{anna_id}")
    anna = stored(app, users["anna"])
    assert anna.extension == "3119" and anna.hidden


def test_someone_not_yet_in_the_directory_fetches_their_entry_from_ad(login_as):
    client = login_as("employee")
    html = client.get("/katalog/mina-uppgifter").get_data(as_text=True)
    assert "Du finns inte i katalogen ännu" in html
    response = client.post("/katalog/mina-uppgifter/hamta", data={"csrf_token": csrf_token(client, "/katalog/mina-uppgifter")})
    assert response.status_code == 302
    html = client.get("/katalog/mina-uppgifter").get_data(as_text=True)
    assert "hämtade från Active Directory" in html and 'value="3112"' in html  # the demo directory's ipPhone
