"""Public answers (R-KB-5): /api/v1/answers and the /svar pages show published public answers only."""
import json
import re
from datetime import datetime, timezone

import pytest

from kundweb.answers import public
from kundweb.extensions import db
from tests.answers_public_helpers import VISIBILITY_STATUS, answer, category, company, unit

ITEM_KEYS = {"id", "question", "answer_text", "answer_html", "links", "department", "category", "url", "updated_at"}
SECRET_WORD = "hemligtord"  # in every answer's text, so a query for it would find a leaked one


def _all_combinations():
    """One answer per visibility x status, all sharing SECRET_WORD and a category; returns {(vis, status): id}."""
    bygglov = category()
    return {(visibility, status): answer(question=f"Fråga {visibility} {status} {SECRET_WORD}",
                                         body=f"Svar {visibility} {status}. {SECRET_WORD}",
                                         keywords=f"nyckel-{visibility}-{status}", visibility=visibility,
                                         status=status, category_row=bygglov).id
            for visibility, status in VISIBILITY_STATUS}


@pytest.fixture
def combinations(app):
    with app.app_context():
        ids = _all_combinations()
        db.session.commit()
        return ids


def test_the_api_lists_published_public_answers_with_the_documented_fields(app, client):
    with app.app_context():
        bygglov = category()
        owned_by_unit = answer(category_row=bygglov, updated_at=datetime(2026, 7, 1, 10, 30, tzinfo=timezone.utc))
        owned_by_company = answer(question="Hur byter jag elavtal?", body="Ring oss.", owner=company(), links=[])
        db.session.commit()
        unit_id, company_id, category_id = owned_by_unit.id, owned_by_company.id, bygglov.id
    response = client.get("/api/v1/answers")
    assert response.status_code == 200 and response.mimetype == "application/json"
    items = {item["id"]: item for item in response.json["answers"]}
    assert set(response.json) == {"answers"}
    assert set(items) == {unit_id, company_id}
    assert all(set(item) == ITEM_KEYS for item in items.values())
    first = items[unit_id]
    assert first["question"] == "Behöver jag bygglov för en altan?"
    assert first["answer_text"] == "Oftast inte.\n\nLäs mer på https://www.lulea.se/bygglov"
    assert first["answer_html"] == ('<p>Oftast inte.</p><p>Läs mer på <a href="https://www.lulea.se/bygglov">'
                                    'https://www.lulea.se/bygglov</a></p>')
    assert first["links"] == [{"label": "Bygglov", "url": "https://www.lulea.se/bygglov"}]
    assert first["department"] == "Stadsbyggnadsförvaltningen"
    assert first["category"] == {"id": category_id, "name": "Bygglov", "group": "Stadsbyggnadsförvaltningen"}
    assert first["updated_at"] == "2026-07-01T12:30:00+02:00"  # Europe/Stockholm, with its offset
    assert first["url"] == f"http://localhost/svar/{unit_id}"
    assert items[company_id]["department"] == "Luleå Energi AB" and items[company_id]["category"] is None
    assert items[company_id]["links"] == []


def test_the_list_is_ordered_by_question(app, client):
    with app.app_context():
        for question in ("Öppettider för återvinningscentralen?", "Avgift för förskola?", "När töms soptunnan?"):
            answer(question=question)
        db.session.commit()
    questions = [item["question"] for item in client.get("/api/v1/answers").json["answers"]]
    assert questions == sorted(questions) and len(questions) == 3


QUERIES = ["", f"?q={SECRET_WORD}", "?q=Fråga", "?q=intern", "?q=draft", "?q=archived", "?q=nyckel-intern-published",
           "?q=nyckel-publik-draft", "?q=nyckel-publik-archived", "?q=svar", "?category={category_id}",
           f"?category={{category_id}}&q={SECRET_WORD}", "?q=%20", "?q=*", "?q=%25", "?category=&q="]


@pytest.mark.parametrize("query", QUERIES)
def test_no_internal_draft_or_archived_answer_leaves_through_the_api_under_any_query(app, client, combinations, query):
    with app.app_context():
        category_id = category().id
    response = client.get("/api/v1/answers" + query.format(category_id=category_id))
    assert response.status_code == 200
    ids = {item["id"] for item in response.json["answers"]}
    assert ids <= {combinations[("publik", "published")]}
    raw = response.get_data(as_text=True)
    for (visibility, status), _ in combinations.items():
        if (visibility, status) != ("publik", "published"):
            assert f"{visibility} {status}" not in raw


@pytest.mark.parametrize("query", QUERIES)
def test_no_internal_draft_or_archived_answer_shows_on_the_public_index_under_any_query(app, client, combinations,
                                                                                          query):
    with app.app_context():
        category_id = category().id
    html = client.get("/svar" + query.format(category_id=category_id)).get_data(as_text=True)
    for (visibility, status), answer_id in combinations.items():
        shown = f"Fråga {visibility} {status}" in html or f'href="/svar/{answer_id}"' in html
        assert shown is False or (visibility, status) == ("publik", "published")


def test_every_answer_that_is_not_published_and_public_is_404_on_its_page(client, combinations):
    for (visibility, status), answer_id in combinations.items():
        response = client.get(f"/svar/{answer_id}")
        if (visibility, status) == ("publik", "published"):
            assert response.status_code == 200
        else:
            assert response.status_code == 404, (visibility, status)
            assert f"{visibility} {status}" not in response.get_data(as_text=True)
    assert client.get("/svar/999999").status_code == 404


def test_an_answer_leaves_the_api_and_its_page_as_soon_as_it_is_archived_or_made_internal(app, client):
    with app.app_context():
        first, second = answer(question="Första"), answer(question="Andra")
        db.session.commit()
        first_id, second_id = first.id, second.id
    assert {item["id"] for item in client.get("/api/v1/answers").json["answers"]} == {first_id, second_id}
    with app.app_context():
        db.session.get(type(first), first_id).status = "archived"
        db.session.get(type(first), second_id).visibility = "intern"
        db.session.commit()
    assert client.get("/api/v1/answers").json["answers"] == []
    assert client.get(f"/svar/{first_id}").status_code == 404
    assert client.get(f"/svar/{second_id}").status_code == 404


def test_etag_and_if_none_match_answer_304_until_an_answer_changes(app, client):
    with app.app_context():
        row = answer()
        db.session.commit()
        answer_id = row.id
    first = client.get("/api/v1/answers")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = client.get("/api/v1/answers", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    weak = client.get("/api/v1/answers", headers={"If-None-Match": "W/" + etag})
    assert weak.status_code == 304
    with app.app_context():
        changed = db.session.get(type(row), answer_id)
        changed.body, changed.version = "Nytt svar.", 2
        changed.updated_at = utcnow_later()
        db.session.commit()
    after = client.get("/api/v1/answers", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert after.json["answers"][0]["answer_text"] == "Nytt svar."


def test_a_renamed_department_changes_the_etag(app, client):
    with app.app_context():
        answer()
        db.session.commit()
    etag = client.get("/api/v1/answers").headers["ETag"]
    with app.app_context():
        unit().name = "Samhällsbyggnadsförvaltningen"
        db.session.commit()
    response = client.get("/api/v1/answers", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.json["answers"][0]["department"] == "Samhällsbyggnadsförvaltningen"


def test_a_filtered_list_has_its_own_etag(app, client):
    with app.app_context():
        answer(question="Hur söker jag förskoleplats?")
        answer(question="När töms soptunnan?")
        db.session.commit()
    whole = client.get("/api/v1/answers")
    found = client.get("/api/v1/answers?q=nar+tomS")  # accents and case ignored, every word must match
    assert [item["question"] for item in found.json["answers"]] == ["När töms soptunnan?"]
    assert found.headers["ETag"] != whole.headers["ETag"]
    assert client.get("/api/v1/answers?q=nar", headers={"If-None-Match": whole.headers["ETag"]}).status_code == 200


def test_cors_lets_any_site_read_the_answers_without_credentials(app, client):
    with app.app_context():
        answer()
        db.session.commit()
    response = client.get("/api/v1/answers", headers={"Origin": "https://www.lulea.se"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    not_modified = client.get("/api/v1/answers", headers={"If-None-Match": response.headers["ETag"]})
    assert not_modified.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("query, message", [
    ("?q=" + "a" * 201, "högst 200 tecken"),
    ("?category=bygglov", "Kategorin anges med sitt nummer"),
    ("?category=-1", "Kategorin anges med sitt nummer"),
    ("?category=99999999999999999999", "Kategorin anges med sitt nummer"),
])
def test_bad_filters_answer_400_with_a_swedish_message(client, query, message):
    response = client.get("/api/v1/answers" + query)
    assert response.status_code == 400 and message in response.json["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


PAYLOAD = "</script><script>alert('x')</script><img src=x onerror=alert(1)> & \"citat\""


def test_answer_html_is_sanitised_and_the_json_is_html_safe(app, client):
    with app.app_context():
        answer(question=f"Fråga {PAYLOAD}",
               body=f"Text {PAYLOAD}\n\n[klicka](javascript:alert(1)) och [Bygglov](https://www.lulea.se/bygglov)",
               links=[{"label": "Farlig", "url": "javascript:alert(1)"}, {"label": "Data", "url": "data:text/html,x"},
                      {"label": PAYLOAD, "url": "https://www.lulea.se/"}, {"label": "Ingen värd", "url": "https:///x"}])
        db.session.commit()
    response = client.get("/api/v1/answers")
    raw = response.get_data(as_text=True)
    for character in "<>&'":
        assert character not in raw, f"the API sends a raw {character!r}"
    [item] = response.json["answers"]
    assert item["question"] == f"Fråga {PAYLOAD}"  # the same text, only written safely
    html = item["answer_html"]
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace("(javascript:", "")
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert re.findall(r'href="([^"]*)"', html) == ["https://www.lulea.se/bygglov"]
    assert item["links"] == [{"label": PAYLOAD, "url": "https://www.lulea.se/"}]


def test_the_public_page_carries_faqpage_json_ld_that_no_answer_text_can_break_out_of(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://kundweb.lulea.se")
    with app.app_context():
        row = answer(question=f"Fråga {PAYLOAD}", body=f"Svar {PAYLOAD}\n\nMer på https://www.lulea.se/x")
        db.session.commit()
        answer_id = row.id
    response = client.get(f"/svar/{answer_id}", headers={"Host": "evil.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    assert html.count("</script>") == html.count("<script")  # nothing in the answer closed or opened one
    assert "<script>alert" not in html and "<img src=x" not in html
    assert '<p>Mer på <a href="https://www.lulea.se/x">https://www.lulea.se/x</a></p>' in html  # rendered, not escaped
    data = json.loads(blocks[0])
    assert data["@context"] == "https://schema.org" and data["@type"] == "FAQPage"
    [question] = data["mainEntity"]
    assert question["@type"] == "Question" and question["name"] == f"Fråga {PAYLOAD}"
    assert question["acceptedAnswer"]["@type"] == "Answer"
    assert "&lt;/script&gt;" in question["acceptedAnswer"]["text"]
    assert question["acceptedAnswer"]["text"].startswith("<p>Svar ")
    canonical = f"https://kundweb.lulea.se/svar/{answer_id}"
    assert f'<link rel="canonical" href="{canonical}">' in html and question["url"] == canonical
    assert "evil.example" not in html


def test_the_public_pages_need_no_login_and_the_index_finds_by_words(app, client):
    with app.app_context():
        answer(question="När töms soptunnan?", keywords="avfall sophämtning", owner=unit("Tekniska förvaltningen"))
        answer(question="Hur söker jag förskoleplats?", phrasings="Barnomsorg plats")
        db.session.commit()
    index = client.get("/svar").get_data(as_text=True)
    assert "När töms soptunnan?" in index and "Hur söker jag förskoleplats?" in index and "2 av 2 svar" in index
    found = client.get("/svar?q=SOPHAMTNING").get_data(as_text=True)
    assert "När töms soptunnan?" in found and "förskoleplats" not in found and "1 av 2 svar" in found
    assert "förskoleplats" in client.get("/svar?q=barnomsorg").get_data(as_text=True)
    too_long = client.get("/svar?q=" + "x" * 201)
    assert too_long.status_code == 400 and "högst 200 tecken" in too_long.get_data(as_text=True)


def utcnow_later():
    from datetime import timedelta

    from kundweb.database import utcnow

    return utcnow() + timedelta(seconds=5)


def test_the_etag_is_the_same_in_every_process(app):
    """Computed from the rows, not from anything a process remembers: every gunicorn worker agrees."""
    with app.app_context():
        answer()
        db.session.commit()
        first = public.list_etag()
        app.extensions.pop("kundweb_public_answers", None)
        assert public.list_etag() == first == public.public_answers().etag


def test_numbered_steps_reach_the_web_site_as_a_list(app, client):
    with app.app_context():
        answer(body="Så ansöker du:\n\n1. Logga in i e-tjänsten\n2. Fyll i ansökan\n3. Skicka in")
        db.session.commit()
    html = client.get("/api/v1/answers").json["answers"][0]["answer_html"]
    assert "<ol>" in html and "<li>Fyll i ansökan</li>" in html
