"""The admin's switchboard download in a real browser: a button that posts, a file that arrives, an audit entry."""
import csv
import io

from playwright.sync_api import expect

from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.browser.conftest import log_in, screenshot
from tests.directory_helpers import add_demo_users


def test_admin_downloads_the_switchboard_file_and_the_download_is_audited(page, app, axe_check):
    with app.app_context():
        add_demo_users(utcnow())
    log_in(page, "admin")
    page.get_by_role("link", name="Katalogen", exact=True).click()
    button = page.get_by_role("button", name="Ladda ner växelns abonnentfil (CSV)")
    expect(button).to_be_visible()
    axe_check(page, "the directory admin page with the download button")
    screenshot(page, "directory_admin_switchboard_download")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "vaxel-abonnenter.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert {row["name"] for row in rows} == {"Anna Andersson", "Bertil Öberg", "Cecilia Lindström", "David Nilsson"}
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == "directory.switchboard_exported")).one()
        assert (event.actor, event.details) == ("david", {"rows": len(rows), "via": "admin"})
