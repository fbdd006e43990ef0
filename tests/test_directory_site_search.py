"""The directory search on every agent page: in the header, leading the agent start page, its hits as a fragment."""
import re

import pytest

from kundweb.database import utcnow
from tests.directory_helpers import add_demo_users, add_person

PANEL = {"HX-Request": "true", "HX-Target": "site-search-results"}
HEADER_BOX = re.compile(r'<header class="site-header">.*?<form class="site-search"[^>]*role="search"'
                        r'[^>]*aria-label="Sök i katalogen".*?</header>', re.S)
SHORTCUT_FIELD = re.compile(r'<input[^>]*data-search-shortcut[^>]*aria-keyshortcuts="/ Alt\+S"', re.S)
SCRIPT = "/static/site-search.js"


@pytest.fixture
def people(app):
    with app.app_context():
        now = utcnow()
        add_demo_users(now)
        add_person("linlin", "Linnéa Lindqvist", now, title="Bibliotekarie", department="Kultur- och fritidsförvaltningen",
                   extension="4711", phone="0920-45 47 11", reach_note="Nås bäst på mobilen.")


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/arenden", "/servicemal", "/bolag", "/handlingar", "/katalog/mina-uppgifter"])
@pytest.mark.parametrize("role", ["agent", "admin"])
def test_every_agent_page_has_the_search_in_its_header(people, login_as, role, path):
    html = _page(login_as(role), path)
    assert HEADER_BOX.search(html), f"no search box in the header of {path}"
    assert len(SHORTCUT_FIELD.findall(html)) == 1
    assert SCRIPT in html
    assert re.search(r'<kbd>/</kbd> eller <kbd>Alt</kbd>\+<kbd>S</kbd>', html)  # the visible hint


@pytest.mark.parametrize("role, path", [("employee", "/start/employee"), ("employee", "/katalog/mina-uppgifter"),
                                        ("employee", "/handlingar"), ("communicator", "/start/communicator")])
def test_employees_without_the_agent_role_have_no_search_box(people, login_as, role, path):
    html = _page(login_as(role), path)
    assert 'class="site-search' not in html and "data-search-shortcut" not in html
    assert SCRIPT not in html


def test_the_login_page_has_no_search_box(client):
    html = _page(client, "/login")
    assert "site-search" not in html


def test_the_agent_start_page_leads_with_the_search_and_the_header_leaves_it_out(people, login_as):
    html = _page(login_as("agent"), "/start/agent")
    main = html[html.index('<main'):]
    assert not HEADER_BOX.search(html)
    # Right after the page's heading, before the crisis scripts and the cards; the focus starts in it.
    assert re.match(r'<main[^>]*>\s*<div class="page-heading[^"]*">.*?</div>\s*<form class="site-search site-search--lead"',
                    main, re.S)
    assert len(SHORTCUT_FIELD.findall(html)) == 1
    assert re.search(r'<input[^>]*id="site-search-q"[^>]*autofocus', html, re.S)


def test_the_directory_search_page_gives_the_shortcut_to_its_own_field(people, login_as):
    html = _page(login_as("agent"), "/katalog?q=lind")
    assert not HEADER_BOX.search(html) and 'id="site-search-q"' not in html
    fields = SHORTCUT_FIELD.findall(html)
    assert len(fields) == 1 and 'id="directory-q"' in fields[0]
    assert SCRIPT in html


def test_the_header_search_gets_the_hits_as_a_fragment(people, login_as):
    client = login_as("agent")
    response = client.get("/katalog?q=lindq", headers=PANEL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "site-header" not in html
    assert "Linnéa Lindqvist" in html and "4711" in html and "0920-45 47 11" in html and "Nås bäst på mobilen." in html
    # The count for screen readers, out of band into the box's own status line; a link to the full results.
    # (Linnéa first; a similar name from the spelling-tolerant fallback may follow, and is counted too.)
    count = re.search(r'<p id="site-search-status" hx-swap-oob="innerHTML">\s*(\d+) träff(?:ar)?\.', html)
    assert count and int(count.group(1)) == html.count('<li class="hit') >= 1
    assert html.index("Linnéa Lindqvist") < html.index("</li>")
    assert 'href="/katalog?q=lindq"' in html
    assert "directory-status" not in html  # that status line is on the directory page only
    assert "HX-Request" in response.headers["Vary"]


def test_the_header_search_says_when_nothing_or_too_little_was_typed(people, login_as):
    client = login_as("agent")
    nothing = client.get("/katalog?q=zzzz", headers=PANEL).get_data(as_text=True)
    assert "Ingen träff" in nothing
    short = client.get("/katalog?q=l", headers=PANEL).get_data(as_text=True)
    assert "Skriv minst två tecken." in short and 'class="hit' not in short


def test_a_history_restore_of_the_header_search_gets_the_whole_page(people, login_as):
    html = login_as("agent").get("/katalog?q=lindq", headers={**PANEL, "HX-History-Restore-Request": "true"})
    assert "<html" in html.get_data(as_text=True)


def test_employees_get_no_hits_from_the_header_search_either(people, login_as):
    assert login_as("employee").get("/katalog?q=lindq", headers=PANEL).status_code == 403
