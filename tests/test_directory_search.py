"""Sök i katalogen: accent- and case-insensitive, numbers in any format, exact matches first,
hidden and inactive people never shown; the same results as a fragment and as a full page."""
import re

import pytest

from kundweb.database import utcnow
from kundweb.directory import services, sync
from kundweb.directory.models import FunctionalEntry
from kundweb.directory.search import fold, parse_query, search, sort_key
from kundweb.extensions import db
from tests.directory_helpers import account, add_demo_users, add_person

FRAGMENT = {"HX-Request": "true", "HX-Target": "directory-results"}


@pytest.fixture
def people(app):
    """A small directory: Swedish letters, numbers in several formats, a hidden and a departed person.

    Made in an app context of its own: a context held open across test-client requests
    would share `g` (and its cached CSRF token) between them.
    """
    with app.app_context():
        return _make_people()


def _make_people():
    now = utcnow()
    accounts = {
        "ostlund": account("ostlund", "Åsa Östlund", title="Bibliotekarie", department="Kultur- och fritidsförvaltningen",
                           extension="4711", phone="0920-45 47 11", mobile="070-123 45 67"),
        "lindqvist": account("lindqvist", "Märta Lindqvist", title="Socialsekreterare", extension="4712",
                             phone="+46 920 454712"),
        "lulea": account("lulea", "Örjan Luleåbo", department="Luleå hamn", extension="53112"),
        "anders": account("anders", "Anders Berg", title="Brandman", department="Räddningstjänsten", extension="4713"),
        "bergman": account("bergman", "Karin Bergman", title="Lärare", department="Barn- och utbildningsförvaltningen",
                           extension="4714"),
        "hidden": account("hidden", "Sara Skyddad", extension="4715", phone="0920-45 47 15"),
        "gone": account("gone", "Olle Slutat", extension="4716", phone="0920-45 47 16"),
        "brita": account("brita", "Brita Berg", title="Undersköterska", extension="4717"),
    }
    found = {key: sync.sync_account(acc, now) for key, acc in accounts.items()}
    found["ostlund"].reach_note = "Nås bäst på mobilen."
    found["hidden"].hidden = True
    db.session.commit()
    # Olle leaves: the next sync no longer finds him.
    sync.apply_accounts([acc for key, acc in accounts.items() if key != "gone"], now, force=True)
    services.save_function(services.audit.Actor("admin", frozenset({"admin"})), None, services.FunctionInput(
        name="Stadsbiblioteket", phone="0920-45 35 10", keywords="bibliotek böcker lånekort", public=True,
        opening_hours="Mån–fre 10–19"), now)
    return {key: person.id for key, person in found.items()}


def names(results):
    return [hit.name for hit in results.hits]


@pytest.mark.parametrize("typed, expected", [
    ("ostlund", "Åsa Östlund"),
    ("ÖSTLUND", "Åsa Östlund"),
    ("Östl", "Åsa Östlund"),
    ("asa", "Åsa Östlund"),
    ("åsa östlund", "Åsa Östlund"),
    ("martha", "Märta Lindqvist"),  # a spelling variant ("th" is "t"), after any exact match
    ("marta", "Märta Lindqvist"),
    ("lulea", "Örjan Luleåbo"),  # `lulea` finds `Luleå`
    ("LULEÅ", "Örjan Luleåbo"),
    ("orjan", "Örjan Luleåbo"),
    ("biblio", "Åsa Östlund"),  # title
    ("socialf", "Märta Lindqvist"),  # unit
    ("lånekort", "Stadsbiblioteket"),  # a functional entry's keyword
])
def test_accents_and_case_do_not_matter(people, app_context, typed, expected):
    found = names(search(typed))
    if expected is None:
        assert found == []
    else:
        assert expected in found, found


@pytest.mark.parametrize("typed", ["0920-45 47 11", "+46 920 454711", "0046 920 45 47 11", "0920454711",
                                   "(0920) 45 47 11", "45 47 11", "4711", "070-123 45 67", "+46701234567"])
def test_a_callers_number_in_any_format_finds_the_person(people, app_context, typed):
    results = search(typed)
    assert results.hits[0].name == "Åsa Östlund", names(results)
    assert results.hits[0].exact


def test_a_number_typed_in_another_format_than_it_was_saved_in(people, app_context):
    """Märta's number was saved as +46 920 454712; agents type it as they hear it."""
    assert names(search("0920-45 47 12")) == ["Märta Lindqvist"]


def test_five_digit_extensions_and_their_prefixes(people, app_context):
    assert names(search("53112")) == ["Örjan Luleåbo"]
    assert "Örjan Luleåbo" in names(search("531"))


def test_exact_extension_first_then_prefixes(people, app_context):
    results = search("471")  # 4711-4717, less the hidden 4715 and the departed 4716
    assert sorted(hit.extension for hit in results.hits) == ["4711", "4712", "4713", "4714", "4717"]
    assert not any(hit.exact for hit in results.hits)
    results = search("4714")
    assert results.hits[0].name == "Karin Bergman" and results.hits[0].exact


def test_name_prefix_matches_come_before_other_matches(people, app_context):
    """'berg' starts the names Berg and Bergman; no other field decides the order."""
    found = names(search("berg"))
    assert found[:3] == ["Anders Berg", "Brita Berg", "Karin Bergman"], found


def test_two_words_must_both_match(people, app_context):
    assert names(search("anders berg")) == ["Anders Berg"]
    assert names(search("berg brandman")) == ["Anders Berg"]
    assert names(search("berg lärare")) == ["Karin Bergman"]


def test_swedish_alphabetical_order_puts_a_ring_a_umlaut_o_umlaut_last():
    assert sorted(["Östlund", "Andersson", "Åberg", "Zakrisson", "Ärlig"], key=sort_key) == \
        ["Andersson", "Zakrisson", "Åberg", "Ärlig", "Östlund"]


@pytest.mark.parametrize("typed", ["skyddad", "sara", "4715", "0920-45 47 15", "slutat", "olle", "4716"])
def test_hidden_and_departed_people_never_appear(people, app_context, typed):
    assert search(typed).hits == []


def test_admins_see_hidden_people_marked_but_never_departed_ones(people, app_context):
    hits = search("skyddad", include_hidden=True).hits
    assert [(hit.name, hit.hidden) for hit in hits] == [("Sara Skyddad", True)]
    assert search("slutat", include_hidden=True).hits == []


@pytest.mark.parametrize("typed", ["", " ", "a", "-", "+", "1", "%", "*", '"', "'", "()"])
def test_too_short_or_empty_input_searches_nothing(people, app_context, typed):
    assert parse_query(typed) is None
    assert search(typed).hits == []


@pytest.mark.parametrize("typed", ['"ostlund', "ost*", "ost OR lind", "NEAR(ost lind)", "ost:*", "a' OR 1=1 --",
                                   "östlund\u0000", "ostlund)", "{ostlund}", "^ostlund"])
def test_search_syntax_in_the_input_is_just_text(people, app_context, typed):
    """FTS5 and tsquery operators are never passed through: only folded words reach the index."""
    results = search(typed)  # must not raise
    assert all(hit.name for hit in results.hits)


def test_fold():
    assert fold("Åsa-Britt Östlund Ærø Ŋ") == "asa britt ostlund aero n"


def test_more_hits_than_shown_says_so(app_context):
    now = utcnow()
    for n in range(20):
        add_person(f"svensson{n}", f"Person{n:02d} Svensson", now)
    results = search("svensson", limit=15)
    assert len(results.hits) == 15 and results.more
    assert names(results)[0] == "Person00 Svensson"


def test_names_beyond_the_other_matches_still_rank_first(app_context, monkeypatch):
    """Many early matches in titles do not push later names beginning with the words out of the list."""
    from kundweb.directory import search as directory_search

    monkeypatch.setattr(directory_search, "CANDIDATES", 5)
    now = utcnow()
    for n in range(12):
        add_person(f"ekonom{n}", f"Person{n:02d} Nilsson", now, title="Ekonomiassistent")
    add_person("ekman", "Eva Ekman", now, title="Rektor")
    add_person("ekstrom", "Erik Ekström", now, title="Vaktmästare")
    found = names(search("ek", limit=4))
    assert found[:2] == ["Eva Ekman", "Erik Ekström"], found


def test_when_names_fill_the_list_the_answer_is_the_full_ranking(app_context):
    now = utcnow()
    for n in range(8):
        add_person(f"holm{n}", f"Holger{n} Holmberg", now)
        add_person(f"ingen{n}", f"Ingen{n} Annan", now, title="Holmförvaltare")
    only_names = search("holm", limit=5)
    every_match = search("holm", limit=50)
    assert only_names.more and names(only_names) == names(every_match)[:5]
    assert all(name.endswith("Holmberg") for name in names(only_names))
    assert names(every_match)[8:] and all(name.endswith("Annan") for name in names(every_match)[8:])


def test_a_new_name_is_found_by_it_and_the_old_one_no_longer(app_context):
    now = utcnow()
    add_person("namnbyte", "Karin Gammalnamn", now)
    sync.apply_accounts([account("namnbyte", "Karin Nyttnamn")], now, force=True)
    assert names(search("nyttnamn")) == ["Karin Nyttnamn"]
    assert names(search("gammalnamn")) == []
    assert names(search("karin")) == ["Karin Nyttnamn"]


# --------------------------------------------------------------------------- the pages

def test_agents_search_page_and_fragment_show_the_same_hits(people, login_as):
    client = login_as("agent")
    page = client.get("/katalog?q=ostlund")
    fragment = client.get("/katalog?q=ostlund", headers=FRAGMENT)
    assert page.status_code == fragment.status_code == 200
    page_html, fragment_html = page.get_data(as_text=True), fragment.get_data(as_text=True)
    assert "<html" in page_html and "<html" not in fragment_html
    for html in (page_html, fragment_html):
        assert "Åsa Östlund" in html and "4711" in html and "0920-45 47 11" in html and "070-123 45 67" in html
        assert "Nås bäst på mobilen." in html and "Bibliotekarie" in html
    # The fragment updates the live status line out of band; the page has it in place.
    assert 'hx-swap-oob="innerHTML"' in fragment_html and "1 träff." in fragment_html
    assert 'hx-swap-oob' not in page_html and "1 träff." in page_html
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_search_page_works_without_javascript(people, login_as):
    """A plain GET form: the full page, the typed text kept in the field."""
    html = login_as("agent").get("/katalog?q=Märta").get_data(as_text=True)
    assert re.search(r'<form[^>]*method="get"[^>]*action="/katalog"', html)
    assert 'value="Märta"' in html and "Märta Lindqvist" in html


def test_a_history_restore_gets_the_whole_page(people, login_as):
    response = login_as("agent").get("/katalog?q=ostlund", headers={**FRAGMENT, "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_no_hit_says_so(people, login_as):
    html = login_as("agent").get("/katalog?q=zzzz", headers=FRAGMENT).get_data(as_text=True)
    assert "Ingen träff" in html


def test_each_hit_links_to_its_entry(people, login_as):
    client = login_as("agent")
    html = client.get("/katalog?q=4711", headers=FRAGMENT).get_data(as_text=True)
    link = re.search(r'href="(/katalog/person/\d+)"', html).group(1)
    entry = client.get(link).get_data(as_text=True)
    assert "Åsa Östlund" in entry and "4711" in entry and "Nås bäst på mobilen." in entry


def test_hit_links_are_what_url_for_builds_under_a_path_prefix_too(app, people, login_as):
    client = login_as("agent")
    html = client.get("/katalog?q=ostlund", headers=FRAGMENT, base_url="http://localhost/intranet/").get_data(as_text=True)
    html += client.get("/katalog?q=lanekort", headers=FRAGMENT,
                       base_url="http://localhost/intranet/").get_data(as_text=True)
    links = re.findall(r'class="hit__link" href="([^"]+)"', html)
    with app.test_request_context("/katalog", base_url="http://localhost/intranet/"):
        from flask import url_for

        expected = {url_for("directory.person", person_id=people[name]) for name in people}
        expected |= {url_for("directory.function", function_id=function.id) for function in FunctionalEntry.query}
    assert links and set(links) <= expected
    assert any("/intranet/katalog/funktion/" in link for link in links)
    assert any("/intranet/katalog/person/" in link for link in links)


def test_a_remembered_hit_link_follows_the_mount_point_of_each_request(people, login_as):
    client = login_as("agent")
    plain = client.get("/katalog?q=ostlund", headers=FRAGMENT).get_data(as_text=True)
    prefixed = client.get("/katalog?q=ostlund", headers=FRAGMENT,
                          base_url="http://localhost/intranet/").get_data(as_text=True)
    link = re.search(r'class="hit__link" href="([^"]+)"', plain).group(1)
    assert link.startswith("/katalog/person/")
    assert re.search(r'class="hit__link" href="([^"]+)"', prefixed).group(1) == "/intranet" + link


def test_employees_may_not_search_the_directory(people, login_as):
    assert login_as("employee").get("/katalog?q=ostlund").status_code == 403


def test_agents_get_no_entry_page_of_hidden_or_departed_people(people, login_as):
    client = login_as("agent")
    assert client.get(f"/katalog/person/{people['hidden']}").status_code == 404
    assert client.get(f"/katalog/person/{people['gone']}").status_code == 404
    assert client.get(f"/katalog/person/{people['ostlund']}").status_code == 200


def test_admins_search_shows_hidden_people_marked(people, login_as):
    html = login_as("admin").get("/katalog?q=skyddad", headers=FRAGMENT).get_data(as_text=True)
    assert "Sara Skyddad" in html and "Dold" in html


def test_an_employee_sees_only_their_own_entry_page(app, login_as):
    with app.app_context():
        users = {name: person.id for name, person in add_demo_users().items()}
    client = login_as("employee")
    assert client.get(f"/katalog/person/{users['anna']}").status_code == 200
    assert client.get(f"/katalog/person/{users['bertil']}").status_code == 404


def test_tidying_the_index_changes_no_result(people, app_context):
    """The nightly sync merges the index's segments (SQLite; a no-op on PostgreSQL)."""
    from kundweb.directory.search import optimize_index

    queries = ["ostlund", "4711", "berg", "lånekort", "0920-45 47 12"]
    before = [search(query).hits for query in queries]
    optimize_index()
    assert [search(query).hits for query in queries] == before
