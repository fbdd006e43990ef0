"""Answers in the agents' one search box (R-KB-3): folding, prefixes, ranking, drafts, stale answers, views."""
import pytest

from kundweb.answers import search
from kundweb.answers.models import Answer
from kundweb.extensions import db
from tests.answers_search_helpers import make_answer, past, today
from tests.directory_helpers import add_person


def _questions(raw, **kwargs):
    return [hit.question for hit in search.search(raw, today(), **kwargs).hits]


# --------------------------------------------------------------------------- service: what is found, in what order

@pytest.mark.parametrize("typed", ["overklag", "Överklag", "ÖVERKLAGA", "overklaga bygg", "bygglov overk"])
def test_accents_and_case_are_folded_and_every_word_is_a_prefix(app_context, typed):
    make_answer("Hur överklagar jag ett beslut om bygglov?")
    assert _questions(typed) == ["Hur överklagar jag ett beslut om bygglov?"]


def test_all_typed_words_must_match(app_context):
    make_answer("Hur överklagar jag ett beslut om bygglov?")
    assert _questions("overklag snöröjning") == []


def test_answers_are_found_by_their_phrasings_and_keywords(app_context):
    make_answer("När töms mitt kärl?", phrasings="Sophämtning vecka\nVilken dag hämtas soporna", keywords="avfall renhållning")
    assert _questions("sophamt") == ["När töms mitt kärl?"]
    assert _questions("hamtas sopor") == ["När töms mitt kärl?"]
    assert _questions("renhall") == ["När töms mitt kärl?"]


def test_a_question_starting_with_the_words_ranks_first_then_a_phrasing_then_the_rest(app_context):
    make_answer("Ansök om parkeringstillstånd för rörelsehindrade", keywords="bil")  # rank 3: a later word
    make_answer("Var får jag parkera?", phrasings="Parkering på gatan vintertid")  # rank 2: a phrasing starts
    make_answer("Parkeringsavgift i centrum", keywords="avgift")  # rank 1: the question starts
    make_answer("Åka färdtjänst", keywords="parkering vid sjukhuset")  # rank 3: a keyword only
    # A phrasing's start ranks with a later word of the question, both above a keyword alone.
    assert _questions("parkering") == ["Parkeringsavgift i centrum", "Ansök om parkeringstillstånd för rörelsehindrade",
                                       "Var får jag parkera?", "Åka färdtjänst"]


def test_within_a_rank_swedish_alphabetical_order_puts_a_a_o_after_z(app_context):
    for question in ("Öppettider för bygglovsenheten", "Avgift för bygglov", "Ändra ett bygglov",
                     "Åtgärder utan bygglov", "Zonplan och bygglov"):
        make_answer(question, keywords="bygglov")
    assert _questions("bygglov", limit=10) == ["Avgift för bygglov", "Zonplan och bygglov", "Åtgärder utan bygglov",
                                               "Ändra ett bygglov", "Öppettider för bygglovsenheten"]


def test_drafts_and_archived_answers_are_never_found(app_context):
    make_answer("Skolskjuts till friskola", status="draft")
    make_answer("Skolskjuts vid växelvis boende", status="archived")
    make_answer("Skolskjuts: vem har rätt?", visibility="publik")
    make_answer("Skolskjuts internt underlag", visibility="intern")
    assert _questions("skolskjuts") == ["Skolskjuts internt underlag", "Skolskjuts: vem har rätt?"]


def test_an_answer_is_reindexed_when_it_changes_and_unfound_when_archived(app_context):
    answer = make_answer("Förskoleplats: hur ansöker jag?")
    answer.question = "Barnomsorg: hur ansöker jag?"
    answer.keywords = "förskola dagis"
    db.session.commit()
    assert _questions("barnoms") == ["Barnomsorg: hur ansöker jag?"]
    assert _questions("dagis") == ["Barnomsorg: hur ansöker jag?"]
    assert _questions("forskolepl") == []
    answer.status = "archived"
    db.session.commit()
    assert _questions("barnoms") == []


def test_a_stale_answer_is_marked_with_its_review_date(app_context):
    make_answer("Snöröjning på min gata", review_by=past(1))
    make_answer("Snöröjning: när plogas det?", review_by=today())
    hits = {hit.question: hit for hit in search.search("snoroj", today()).hits}
    assert hits["Snöröjning på min gata"].stale and hits["Snöröjning på min gata"].review_by == past(1)
    assert not hits["Snöröjning: när plogas det?"].stale  # the review date itself is not past


def test_a_typed_number_or_too_short_a_query_finds_no_answer(app_context):
    make_answer("Felanmälan 0920 45 30 00", keywords="5191")
    assert _questions("5191") == [] and _questions("f") == []


def test_more_answers_than_shown_says_so(app_context):
    for n in range(search.RESULT_LIMIT + 1):
        make_answer(f"Vatten och avlopp fråga {n}")
    results = search.search("vatten", today())
    assert len(results.hits) == search.RESULT_LIMIT and results.more


def test_the_owner_is_the_department_or_the_company(app_context):
    make_answer("Avfallshämtning i villa", unit="Tekniska förvaltningen")
    assert search.search("avfallsh", today()).hits[0].owner == "Tekniska förvaltningen"


# --------------------------------------------------------------------------- views

def test_the_directory_search_shows_answers_as_a_group_with_the_people(app, client, login_as):
    with app.app_context():
        make_answer("Bygglov för altan", visibility="publik")
        make_answer("Bygglov för garage", review_by=past(3))
        make_answer("Bygglov utkast", status="draft")
        stale_date = past(3).isoformat()
    login_as("agent")
    html = client.get("/katalog?q=bygglov", headers={"HX-Request": "true", "HX-Target": "directory-results"}
                      ).get_data(as_text=True)
    assert "Svar i Kunskapsbanken" in html and 'id="answer-hits"' in html
    assert "Bygglov för altan" in html and "Bygglov för garage" in html and "utkast" not in html
    assert f"Inaktuellt – granskas senast {stale_date} passerat" in html
    assert "Ingen träff" not in html and "2 träffar." in html and html.count('class="hit hit--answer"') == 2
    assert "/arenden?svar=" in html


def test_the_directory_search_shows_a_few_answers_so_the_people_stay_on_screen(app, client, login_as):
    # A name like "Berg" also begins a place in many answers (Bergnäset): the people the agent
    # looked for must not be pushed below a screenful of questions.
    with app.app_context():
        for n in range(search.RESULT_LIMIT + 3):
            make_answer(f"När plogas gatorna i Bergnäset, del {n}?")
        add_person("berg1", "Eva Berg", extension="4100")
    login_as("agent")
    html = client.get("/katalog?q=berg", headers={"HX-Request": "true", "HX-Target": "directory-results"}
                      ).get_data(as_text=True)
    assert html.count('class="hit hit--answer"') == search.RESULT_LIMIT
    assert "Fler svar matchar" in html and "Eva Berg" in html


def test_the_whole_search_page_shows_answers_too(app, client, login_as):
    with app.app_context():
        make_answer("Färdtjänst: hur ansöker jag?")
    login_as("agent")
    html = client.get("/katalog?q=fardtj").get_data(as_text=True)
    assert "Färdtjänst: hur ansöker jag?" in html and "answers.css" in html


def test_the_panel_shows_the_answer_with_links_owner_and_responsible(app, client, login_as):
    login_as("agent")
    with app.app_context():
        bertil = add_person("bertil", "Bertil Öberg", extension="3021")
        answer = make_answer("Hur söker jag bostadsanpassning?", body="Ansök i e-tjänsten.",
                             links=[{"label": "E-tjänsten", "url": "https://e.lulea.se/bostadsanpassning"},
                                    {"label": "Skript", "url": "javascript:alert(1)"}],
                             responsible_id=bertil.id, review_by=past(10), unit="Socialförvaltningen")
        answer_id, stale_date = answer.id, past(10).isoformat()
    response = client.get(f"/kunskapsbanken/panel?answer={answer_id}",
                          headers={"HX-Request": "true", "HX-Target": "answer-panel", "HX-Trigger": "answer"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Hur söker jag bostadsanpassning?" in html
    assert 'href="https://e.lulea.se/bostadsanpassning"' in html and 'href="javascript:' not in html
    assert "Socialförvaltningen" in html and "Bertil" in html
    assert f"Inaktuellt – granskas senast {stale_date} passerat" in html
    assert 'id="answer-field"' not in html  # opened from the form's own list: nothing to choose out of band


def test_the_panel_opened_from_elsewhere_chooses_the_answer_in_the_form(app, client, login_as):
    with app.app_context():
        answer_id = make_answer("Ekonomiskt bistånd: hur ansöker jag?").id
    login_as("agent")
    html = client.get(f"/kunskapsbanken/panel?svar={answer_id}",
                      headers={"HX-Request": "true", "HX-Target": "answer-panel"}).get_data(as_text=True)
    assert 'id="answer-field" hx-swap-oob="true"' in html and f'value="{answer_id}" selected' in html


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_the_panel_never_shows_an_unpublished_answer(app, client, login_as, status):
    with app.app_context():
        answer_id = make_answer("Hemligt utkast om vatten", status=status, body="Inte klart").id
    login_as("agent")
    html = client.get(f"/kunskapsbanken/panel?answer={answer_id}",
                      headers={"HX-Request": "true", "HX-Target": "answer-panel", "HX-Trigger": "answer"}
                      ).get_data(as_text=True)
    assert "Hemligt" not in html and "Inte klart" not in html


def test_the_panel_without_htmx_is_the_enquiry_page_with_the_answer(app, client, login_as):
    with app.app_context():
        answer_id = make_answer("Vatten och avlopp: läcka", body="Ring felanmälan.").id
    login_as("agent")
    response = client.get(f"/kunskapsbanken/panel?answer={answer_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/arenden?svar={answer_id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ring felanmälan." in html and f'value="{answer_id}" selected' in html


def test_the_form_list_offers_the_matching_published_answers_first_chosen(app, client, login_as):
    with app.app_context():
        first = make_answer("Parkeringstillstånd för rörelsehindrade").id
        make_answer("Parkeringstillstånd utkast", status="draft")
    login_as("agent")
    html = client.get("/kunskapsbanken/svarsval?answer_q=parkeringst",
                      headers={"HX-Request": "true", "HX-Target": "answer-select-wrap"}).get_data(as_text=True)
    assert f'value="{first}" selected' in html and "utkast" not in html and "Inget svar" in html
    html = client.get("/kunskapsbanken/svarsval?answer_q=zzzz",
                      headers={"HX-Request": "true", "HX-Target": "answer-select-wrap"}).get_data(as_text=True)
    assert "Inget publicerat svar matchar ”zzzz”." in html
    assert client.get("/kunskapsbanken/svarsval?answer_q=park").status_code == 302  # not htmx: the form's page


def test_only_agents_use_the_answer_panel_and_list(app, client, login_as):
    login_as("employee")
    assert client.get("/kunskapsbanken/panel?answer=1").status_code == 403
    assert client.get("/kunskapsbanken/svarsval?answer_q=x").status_code == 403


def test_answer_rows_need_no_search_columns_from_their_writers(app_context):
    """The mapper event indexes every insert: a writer that never heard of the search still makes a findable answer."""
    answer = make_answer("Vem plogar cykelvägen?")
    stored = db.session.execute(db.select(Answer.search_text, Answer.name_folded, Answer.sort_key)
                                .where(Answer.id == answer.id)).one()
    assert stored.name_folded == "vem plogar cykelvagen" and "cykelvagen" in stored.search_text


def test_answer_text_is_escaped_in_the_hits_the_list_and_the_panel(app, client, login_as):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    with app.app_context():
        answer_id = make_answer(f"Vattenläcka {payload}", body=f"Ring oss {payload}", keywords="vattenlacka").id
    login_as("agent")
    pages = [
        client.get("/katalog?q=vattenlacka", headers={"HX-Request": "true", "HX-Target": "directory-results"}),
        client.get("/kunskapsbanken/svarsval?answer_q=vattenlacka",
                   headers={"HX-Request": "true", "HX-Target": "answer-select-wrap"}),
        client.get(f"/kunskapsbanken/panel?svar={answer_id}",
                   headers={"HX-Request": "true", "HX-Target": "answer-panel"}),
        client.get(f"/arenden?svar={answer_id}"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert "Vattenläcka" in html and "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_the_search_box_asks_the_database_nothing_while_the_kept_index_is_fresh(app, app_context, monkeypatch):
    """Every keystroke of every agent searches the answers: from the index kept in the process."""
    from sqlalchemy import event

    monkeypatch.setitem(app.config, "ANSWER_SEARCH_CACHE_SECONDS", 3600)
    app.extensions.pop("kundweb.answers.search_index", None)
    make_answer("Hur söker jag bygglov?")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert _questions("bygglov") == ["Hur söker jag bygglov?"] and len(statements) == 2  # checked and built once
        statements.clear()
        for typed in ("lindqvist", "bygglov", "bygg", "hur soker"):
            search.search(typed, today())
        assert statements == []
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        app.extensions.pop("kundweb.answers.search_index", None)


def test_with_the_index_kept_in_the_process_a_save_here_is_searched_at_once(app, app_context, monkeypatch):
    monkeypatch.setitem(app.config, "ANSWER_SEARCH_CACHE_SECONDS", 3600)
    app.extensions.pop("kundweb.answers.search_index", None)
    try:
        make_answer("Hur söker jag bygglov?")
        assert _questions("bygglov") == ["Hur söker jag bygglov?"]
        assert _questions("fardtjanst") == []  # the index is now kept for an hour ...
        answer = make_answer("Hur ansöker jag om färdtjänst?")
        assert _questions("fardtjanst") == ["Hur ansöker jag om färdtjänst?"]  # ... but a save here rebuilds it
        answer.keywords = "riksfardtjanst"
        db.session.commit()
        assert _questions("riksfard") == ["Hur ansöker jag om färdtjänst?"]
        answer.status = "archived"
        db.session.commit()
        assert _questions("riksfard") == []
    finally:
        app.extensions.pop("kundweb.answers.search_index", None)


def test_another_process_s_change_is_searched_once_the_kept_index_is_checked_again(app, app_context, monkeypatch):
    """A change made elsewhere (another web process, here: plain SQL) shows when the index is next checked."""
    from sqlalchemy import text

    monkeypatch.setitem(app.config, "ANSWER_SEARCH_CACHE_SECONDS", 3600)
    app.extensions.pop("kundweb.answers.search_index", None)
    try:
        answer_id = make_answer("Var lämnar jag grovsopor?").id
        assert _questions("grovsop") == ["Var lämnar jag grovsopor?"]
        with db.engine.begin() as connection:  # no mapper event: as another process's save looks from here
            connection.execute(text("UPDATE answer SET status = 'archived', version = version + 1 WHERE id = :id"),
                               {"id": answer_id})
        assert _questions("grovsop") == ["Var lämnar jag grovsopor?"]  # kept for the hour asked for
        app.extensions["kundweb.answers.search_index"].seconds = 0  # the check is due
        assert _questions("grovsop") == []
    finally:
        app.extensions.pop("kundweb.answers.search_index", None)
