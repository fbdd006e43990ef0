"""A save that fails in the browser (database really locked, server error, no network) says so at the form,
keeps what was typed, and its retry saves the enquiry exactly once."""
import re
import sqlite3
import time
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select, text

from tests.browser.conftest import SCREENSHOT_DIR, log_in

NOTE = "Frågade om bygglov för altan"


@pytest.fixture
def htmx_timeout(app):
    """Sets the browser's htmx timeout (seconds) for pages loaded afterwards; restores it after the test."""
    old = app.config.get("HTMX_TIMEOUT_SECONDS")

    def set_timeout(seconds):
        app.config["HTMX_TIMEOUT_SECONDS"] = seconds

    yield set_timeout
    app.config["HTMX_TIMEOUT_SECONDS"] = old


def _seed(app):
    from kundweb.audit.services import Actor
    from kundweb.enquiries import services

    with app.app_context():
        services.add_category(Actor("david", frozenset({"admin"})), "Stadsbyggnadsförvaltningen", "Bygglov")


def _enquiry_count(app):
    from kundweb.enquiries.models import Enquiry
    from kundweb.extensions import db

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Enquiry))
        db.session.remove()
        return count


def _wait_for_count(app, expected, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _enquiry_count(app) == expected:
            return
        time.sleep(0.2)
    assert _enquiry_count(app) == expected


@contextmanager
def _database_locked(app):
    """Holds a real write lock on the enquiry table from a separate connection, as another process would.

    SQLite: a second sqlite3 connection to the test server's file holding BEGIN EXCLUSIVE (in WAL
    mode readers go on, every writer waits). PostgreSQL: LOCK TABLE ... IN EXCLUSIVE MODE in another
    session (reads go on as well, writes wait).
    """
    from kundweb.extensions import db

    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, isolation_level=None, timeout=5)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            yield
        finally:
            connection.rollback()
            connection.close()
        return
    engine = create_engine(url, poolclass=None)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("LOCK TABLE enquiry IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


def _screenshot(page, name):
    """Like conftest's screenshot(), but leaves the caret alone: Playwright hides it with an injected
    style that the page's CSP reports once htmx next swaps, which is not the page's own doing."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True, caret="initial")


def _fill_enquiry(agent):
    agent.goto("/arenden")
    agent.get_by_label("Telefon").check()
    agent.get_by_label("Kategori", exact=True).select_option(label="Bygglov")
    agent.locator("#wait").fill("2:30")
    agent.locator("#note").fill(NOTE)


def _expect_typed_text_kept(agent):
    expect(agent.get_by_label("Telefon")).to_be_checked()
    expect(agent.locator("#wait")).to_have_value("2:30")
    expect(agent.locator("#note")).to_have_value(NOTE)


def test_save_that_times_out_on_a_locked_database_says_so_and_its_retry_saves_once(app, page, axe_check,
                                                                                     htmx_timeout):
    """The lock outlasts the browser's patience but not the server's: the first save does go through
    after the message, and the retry (same submission key) must not make it twice."""
    _seed(app)
    htmx_timeout(3)
    agent = log_in(page, "agent")
    _fill_enquiry(agent)
    today = agent.locator("#enquiry-today")
    with _database_locked(app):
        started = time.monotonic()
        agent.get_by_role("button", name="Spara ärendet").click()
        failure = agent.get_by_role("alert")
        expect(failure).to_contain_text("inte sparat", timeout=6000)
        assert time.monotonic() - started < 3 + 2.5, "the message came long after the configured 3 s"
        expect(failure).to_contain_text("svarade inte inom 3 sekunder")
        _expect_typed_text_kept(agent)
        retry = agent.get_by_role("button", name="Försök igen")
        expect(retry).to_be_focused()
        expect(today).to_contain_text("Du0")
        axe_check(agent, "the enquiry form after a save timed out")
        _screenshot(agent, "enquiry_save_timed_out")
        assert _enquiry_count(app) == 0
    # The server was still waiting for the lock: now its save goes through.
    _wait_for_count(app, 1)
    retry.click()
    expect(today).to_contain_text("Sparat: Telefon · Bygglov")
    expect(today).to_contain_text("Du1")
    expect(agent.get_by_role("alert")).to_have_count(0)
    expect(agent.locator("#note")).to_have_value("")
    agent.wait_for_timeout(500)
    assert _enquiry_count(app) == 1


def test_save_refused_by_a_locked_database_says_not_saved_and_its_retry_saves_once(app, page, axe_check,
                                                                                     htmx_timeout):
    """The lock outlasts SQLite's busy timeout (PostgreSQL: lock_timeout, the same 10 s): the server
    answers 503 and nothing is saved."""
    _seed(app)
    htmx_timeout(30)
    agent = log_in(page, "agent")
    _fill_enquiry(agent)
    with _database_locked(app):
        agent.get_by_role("button", name="Spara ärendet").click()
        failure = agent.get_by_role("alert")
        # SQLite's busy timeout is 10 s: the 503 comes then.
        expect(failure).to_contain_text("inte sparat", timeout=15000)
        expect(failure).to_contain_text("når inte databasen")
        _expect_typed_text_kept(agent)
        axe_check(agent, "the enquiry form after a 503")
        _screenshot(agent, "enquiry_save_503")
    assert _enquiry_count(app) == 0
    agent.get_by_role("button", name="Försök igen").click()
    expect(agent.locator("#enquiry-today")).to_contain_text("Du1")
    agent.wait_for_timeout(500)
    assert _enquiry_count(app) == 1


def test_save_without_network_says_not_saved_and_its_retry_saves_once(app, page, context):
    _seed(app)
    agent = log_in(page, "agent")
    _fill_enquiry(agent)
    context.set_offline(True)
    try:
        agent.get_by_role("button", name="Spara ärendet").click()
        failure = agent.get_by_role("alert")
        expect(failure).to_contain_text("inte sparat")
        expect(failure).to_contain_text(re.compile("nå Kundweb"))
        _expect_typed_text_kept(agent)
    finally:
        context.set_offline(False)
    assert _enquiry_count(app) == 0
    agent.get_by_role("button", name="Försök igen").click()
    expect(agent.locator("#enquiry-today")).to_contain_text("Du1")
    agent.wait_for_timeout(500)
    assert _enquiry_count(app) == 1


def test_search_that_fails_says_so_near_the_search_without_taking_the_focus(app, page, context):
    """A failed GET (here: no network) is named as not fetched, not as not saved."""
    _seed(app)
    agent = log_in(page, "agent")
    agent.goto("/arenden")
    search = agent.get_by_label("Sök kategori")
    context.set_offline(True)
    try:
        search.fill("bygg")
        failure = agent.get_by_role("alert")
        expect(failure).to_contain_text("kunde inte hämtas")
        expect(failure).not_to_contain_text("sparat")
        expect(search).to_be_focused()
    finally:
        context.set_offline(False)
    agent.get_by_role("button", name="Försök igen").click()
    expect(agent.locator("#category-matches")).to_contain_text("1 kategori matchar")
    expect(agent.get_by_role("alert")).to_have_count(0)
