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
