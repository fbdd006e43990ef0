"""The enquiry form on a live call: a fresh load starts on the channel and says what Spara would
save, and a note with a phone number is refused without losing what was typed."""
import re

import pytest

from kundweb.enquiries.models import Enquiry
from kundweb.extensions import db
from tests.test_enquiries import AGENT, HTMX, _form, _log, category  # noqa: F401 (fixture)


def _summary(html):
    match = re.search(r'<p class="enquiry-summary" id="enquiry-summary" role="status">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


def test_a_fresh_load_keeps_the_category_but_not_the_channel_and_starts_on_the_channel(app, login_as, category):
    with app.app_context():
        _log(category, "earlier", channel="etjanst")
    client = login_as("agent")
    html = client.get("/arenden").get_data(as_text=True)
    assert not re.search(r'name="channel" value="\w+" checked', html)  # E-tjänst is not chosen for this call
    assert '<input type="radio" id="channel-0" name="channel" value="telefon" autofocus>' in html
    assert f'<option value="{category.id}" selected>Bygglov</option>' in html  # the category is carried over
    assert not re.search(r'<button type="submit" class="button button--primary" autofocus>', html)
    assert _summary(html) == "Sparas som: Välj kanal · Bygglov · Besvarad direkt i Kundcenter"
    assert 'data-fresh-after-ms="300000"' in html  # five idle minutes, then the form starts afresh


def test_after_a_save_the_channel_stays_and_the_summary_says_what_the_next_enter_saves(app, login_as, category):
    client = login_as("agent")
    data = _form(client, category.id, channel="epost", outcome="forwarded")
    data["outcome"] = "direct"
    html = client.post("/arenden", data=data, headers=HTMX).get_data(as_text=True)
    assert _summary(html) == "Sparas som: E-post · Bygglov · Besvarad direkt i Kundcenter"
    assert re.search(r'<button type="submit" class="button button--primary" autofocus>', html)


@pytest.mark.parametrize("note", ["Ring tillbaka på 070-123 45 67", "nr 0920453510", "+46 70 123 45 67",
                                  "ring 0920 - 45 35 10 efter 14", "mobil: ＋４６ ７０ １２３ ４５ ６７"])
def test_a_note_with_a_phone_number_is_refused(app_context, category, note):
    from kundweb.enquiries import services

    with pytest.raises(services.EnquiryError, match="telefonnummer") as refused:
        _log(category, note=note)
    assert refused.value.field == "note"
    assert db.session.scalar(db.select(db.func.count()).select_from(Enquiry)) == 0


@pytest.mark.parametrize("note", ["Frågade om datum 2026-12-04 kl 14.30", "kopplad till ankn 3112",
                                  "ärende KC 2026/000123", "avgiften 1 500 kr", "faktura 12345678"])
def test_a_note_with_ordinary_numbers_is_kept(app_context, category, note):
    enquiry, created = _log(category, note=note)
    assert created and enquiry.note == note


def test_the_server_refuses_a_phone_number_in_the_note_and_keeps_what_the_agent_typed(app, login_as, category):
    client = login_as("agent")
    note = "Vill bli uppringd på 070-123 45 67 om bygglovet"
    data = _form(client, category.id, channel="besok", note=note, wait="2:30")
    html = client.post("/arenden", data=data, headers=HTMX).get_data(as_text=True)
    assert 'role="alert"' in html and "Kort anteckning: Anteckningen ser ut att innehålla ett telefonnummer" in html
    assert f'id="note" name="note" value="{note}"' in html and re.search(r'id="note"[^>]*aria-invalid="true"', html)
    assert 'id="wait" name="wait" value="2:30"' in html
    assert re.search(r'value="besok"[^>]*checked', html)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Enquiry)) == 0
    # Without htmx too: 400 with the same form, nothing lost.
    response = client.post("/arenden", data=data)
    assert response.status_code == 400 and f'value="{note}"' in response.get_data(as_text=True)


# --------------------------------------------------------------------------- "logga som vidarekopplat hit"

@pytest.fixture
def directory_with_targets(app):
    """The demo users, a hidden person in Anna's unit, a functional entry, and the forwarding
    targets brought in step with the directory (as the hourly job does)."""
    from types import SimpleNamespace

    from kundweb.audit.services import Actor
    from kundweb.database import utcnow
    from kundweb.directory import services as directory
    from kundweb.enquiries import services
    from tests.directory_helpers import add_demo_users, add_person

    admin = Actor("david", frozenset({"admin"}))
    with app.app_context():
        people = add_demo_users()
        hidden = add_person("skyddad", "Skyddad Person", hidden=True, department="Kulturförvaltningen")
        bath = directory.save_function(admin, None, directory.FunctionInput(name="Pontusbadet", phone="0920-45 40 00"),
                                       utcnow())
        services.refresh_targets(admin)
        return SimpleNamespace(anna=people["anna"].id, hidden=hidden.id, bath=bath.id)


def _selected_target(html):
    match = re.search(r'<option value="(\d+)" selected>([^<]+)</option>', html.split('id="target"')[1].split("</select>")[0])
    return match.group(2) if match else None


def test_a_directory_hit_opens_the_form_as_forwarded_to_the_persons_unit(app, login_as, category,
                                                                         directory_with_targets):
    client = login_as("agent")
    html = client.get(f"/arenden/vidarekopplat/person/{directory_with_targets.anna}").get_data(as_text=True)
    assert re.search(r'name="outcome" value="forwarded" checked', html)
    assert _selected_target(html) == "Socialförvaltningen"
    assert "Vidarekopplat till Socialförvaltningen" in html
    assert _summary(html) == "Sparas som: Välj kanal · Välj kategori · Vidarebefordrad till Socialförvaltningen"
    assert '<input type="radio" id="channel-0" name="channel" value="telefon" autofocus>' in html  # a new call


def test_a_functional_entry_hit_opens_the_form_forwarded_to_that_entry(app, login_as, category,
                                                                       directory_with_targets):
    client = login_as("agent")
    html = client.get(f"/arenden/vidarekopplat/function/{directory_with_targets.bath}").get_data(as_text=True)
    assert _selected_target(html) == "Pontusbadet"


def test_a_hidden_person_opens_the_form_exactly_as_an_unknown_one(app, login_as, category, directory_with_targets):
    """A protected identity's unit must not be learnt by trying ids."""
    client = login_as("agent")
    hidden = client.get(f"/arenden/vidarekopplat/person/{directory_with_targets.hidden}").get_data(as_text=True)
    unknown = client.get("/arenden/vidarekopplat/person/999999").get_data(as_text=True)
    assert _selected_target(hidden) is None and "Kulturförvaltningen\" selected" not in hidden
    strip = lambda html: re.sub(r'value="[\w-]{20,}"', "", html)  # noqa: E731 (the form's own keys differ)
    assert strip(hidden) == strip(unknown)
    assert "finns inte i listan över mottagare" in unknown


def test_directory_hits_offer_the_link(app, login_as, directory_with_targets):
    client = login_as("agent")
    html = client.get("/katalog?q=anna", headers={"HX-Request": "true", "HX-Target": "directory-results"}).get_data(
        as_text=True)
    assert f'href="/arenden/vidarekopplat/person/{directory_with_targets.anna}"' in html
    assert "Logga som vidarekopplat hit" in html
    html = client.get("/katalog?q=pontus", headers={"HX-Request": "true", "HX-Target": "directory-results"}).get_data(
        as_text=True)
    assert f'href="/arenden/vidarekopplat/function/{directory_with_targets.bath}"' in html
