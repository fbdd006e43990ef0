"""XSS: text people type, stored through each form's real POST, is shown escaped everywhere.

Every place it is shown is checked: the page, the htmx fragment, JSON, Atom and CSV (CSV
also for the formula guard). A page passes when the payload's escaped form is there and
none of its markup is.
"""
import csv
import io
import re

from tests.conftest import csrf_token
from tests.directory_helpers import add_demo_users

XSS = "<script>alert(1)</script>\"'><img src=x onerror=1>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&gt;&lt;img src=x onerror=1&gt;"
RAW_MARKUP = ("<script>alert", "<img src=x", "onerror=1>")
FORMULA = "=HYPERLINK(\"http://example.invalid\")"


def assert_escaped_html(response, where, escaped=ESCAPED):
    html = response.get_data(as_text=True)
    assert response.status_code == 200, (where, response.status_code)
    for raw in RAW_MARKUP:
        assert raw not in html, f"{where}: raw {raw!r}"
    assert escaped in html, f"{where}: the escaped text is missing"


def assert_safe_json(response, where):
    raw = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "application/json", where
    assert not set("<>'&") & set(raw), f"{where}: raw HTML characters in JSON"
    assert XSS in _strings(response.json), f"{where}: the text is not there"


def assert_safe_csv(response, where, delimiter=";", formula_cell=True):
    assert response.status_code == 200 and response.mimetype == "text/csv", where
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=delimiter))
    cells = [cell for row in rows for cell in row]
    assert any("<script>alert(1)</script>" in cell for cell in cells), f"{where}: the text is not there"
    # A cell a spreadsheet would run; phone numbers in international form (+4692...) are numbers.
    formulas = [cell for cell in cells if cell.startswith(("=", "+", "-", "@")) and not re.fullmatch(r"\+\d+", cell)]
    assert not formulas, f"{where}: formula cells {formulas}"
    if formula_cell:
        assert any(cell.startswith("'" + FORMULA) for cell in cells), f"{where}: the formula text is not guarded"


def _strings(value):
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _post(client, path, data, token_page):
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, token_page)})
    assert response.status_code == 302, (path, response.status_code, _errors(response))
    return response.headers["Location"]


def _errors(response):
    return re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', response.get_data(as_text=True))[:5]


def _id_in(location):
    return int(re.search(r"/(\d+)(?:$|[/?])", location).group(1))


def test_crisis_title_body_and_scripts(client, login_as):
    login_as("communicator")
    location = _post(client, "/kris/ny", {"title": XSS, "body": XSS, "severity": "warning"}, "/kris/ny")
    message_id = _id_in(location)
    _post(client, f"/kris/{message_id}/manus", {"question": XSS, "answer": XSS}, f"/kris/{message_id}")
    token = csrf_token(client, f"/kris/{message_id}")
    confirm_page = client.post(f"/kris/{message_id}/publicera", data={"csrf_token": token}).get_data(as_text=True)
    assert "&lt;script&gt;" in confirm_page and "<script>alert" not in confirm_page  # the banner as it will look
    confirmation = re.search(r'name="token"[^>]*value="([^"]+)"', confirm_page).group(1)
    _post(client, f"/kris/{message_id}/bekrafta", {"token": confirmation}, f"/kris/{message_id}")
    assert_escaped_html(client.get(f"/kris/{message_id}"), "crisis page")
    assert_escaped_html(client.get("/kris"), "crisis list")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/kris")})
    login_as("agent")
    assert_escaped_html(client.get("/start/agent"), "start page banner")
    assert_escaped_html(client.get("/kris/banner", headers={"HX-Request": "true"}), "banner fragment")
    assert_safe_json(client.get("/api/v1/crisis"), "crisis API")
    feed = client.get("/feeds/crisis.atom")
    xml = feed.get_data(as_text=True)
    assert feed.status_code == 200 and not any(raw in xml for raw in RAW_MARKUP)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml


def test_functional_entry_name_hours_and_keywords(app, client, login_as):
    login_as("admin")
    location = _post(client, "/admin/katalog/funktioner/ny",
                     {"name": XSS, "phone": "0920-45 35 10", "opening_hours": XSS, "keywords": XSS,
                      "public": "y", "active": "y"}, "/admin/katalog/funktioner/ny")
    function_id = _id_in(location)
    _post(client, "/admin/katalog/funktioner/ny", {"name": FORMULA, "phone": "0920-45 35 11", "active": "y"},
          "/admin/katalog/funktioner/ny")
    assert_escaped_html(client.get(f"/katalog/funktion/{function_id}"), "function page")
    assert_escaped_html(client.get("/admin/katalog/funktioner"), "functions list")
    assert_escaped_html(client.get("/katalog?q=alert"), "search page")
    assert_escaped_html(client.get("/katalog?q=alert", headers={"HX-Request": "true", "HX-Target": "results"}),
                        "search fragment")
    assert_safe_json(client.get("/api/v1/directory/public"), "public directory API")
    switchboard = client.open("/admin/katalog/vaxel.csv",
                              method="POST" if "POST" in _methods(app, "directory.switchboard_download") else "GET",
                              data={"csrf_token": csrf_token(client, "/admin/katalog")})
    assert_safe_csv(switchboard, "switchboard CSV", delimiter=",")


def _methods(app, endpoint):
    return next(rule.methods for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def test_own_contact_location_and_reach_note(app, client, login_as):
    with app.app_context():
        people = {name: person.id for name, person in add_demo_users().items()}
    login_as("agent")
    _post(client, f"/katalog/person/{people['bertil']}/kontakt", {"location": XSS, "reach_note": XSS,
                                                                  "extension": "3021"}, "/katalog/mina-uppgifter")
    assert_escaped_html(client.get("/katalog/mina-uppgifter"), "own entry")
    assert_escaped_html(client.get(f"/katalog/person/{people['bertil']}"), "person page")
    assert_escaped_html(client.get(f"/katalog/person/{people['bertil']}",
                                   headers={"HX-Request": "true", "HX-Target": "entry-editor"}), "entry fragment")


def test_opening_hours_notes(client, login_as):
    login_as("admin")
    _post(client, "/admin/oppettider/undantag", {"exception-day": "2026-12-22", "exception-kind": "closed",
                                                 "exception-note": XSS}, "/admin/oppettider")
    _post(client, "/admin/oppettider/perioder", {"period-starts_on": "2026-06-22", "period-ends_on": "2026-06-26",
                                                 "period-closes": "18:00", "period-weekdays_only": "y",
                                                 "period-note": XSS}, "/admin/oppettider")
    _post(client, "/admin/oppettider/driftfonster", {"maintenance-starts_at": "2026-12-10T18:00",
                                                     "maintenance-ends_at": "2026-12-10T20:00",
                                                     "maintenance-note": XSS}, "/admin/oppettider")
    assert_escaped_html(client.get("/admin/oppettider"), "hours admin")
    assert_safe_json(client.get("/api/v1/opening-hours?from=2026-12-21&to=2026-12-27"), "calendar API (exception)")
    assert_safe_json(client.get("/api/v1/opening-hours?from=2026-06-22&to=2026-06-26"), "calendar API (period)")


def test_enquiry_category_and_target_names(client, login_as):
    login_as("admin")
    _post(client, "/admin/kategorier", {"category-group_name": XSS, "category-name": XSS}, "/admin/kategorier")
    _post(client, "/admin/mottagare", {"target-kind": "unit", "target-name": "Bygglov"}, "/admin/kategorier")
    target_id = re.search(r'action="/admin/mottagare/(\d+)"', client.get("/admin/kategorier").get_data(as_text=True))[1]
    _post(client, f"/admin/mottagare/{target_id}", {"name": XSS}, "/admin/kategorier")
    assert_escaped_html(client.get("/admin/kategorier"), "categories admin")
    assert_escaped_html(client.get("/arenden"), "enquiry logger")


def test_company_name_topics_and_case_texts(client, login_as):
    login_as("admin")
    location = _post(client, "/admin/bolag/nytt", {"name": XSS, "org_number": "556134-2105",
                                                   "phone": "0920-29 35 00", "topics": XSS}, "/admin/bolag/nytt")
    company_id = _id_in(location)
    location = _post(client, f"/admin/bolag/{company_id}/arenden/nytt",
                     {"reasons": XSS, "requested_from": "2027-01-01"}, f"/admin/bolag/{company_id}/arenden/nytt")
    case_id = _id_in(location)
    assert_escaped_html(client.get(f"/admin/bolag/{company_id}"), "company page")
    assert_escaped_html(client.get(f"/admin/bolag/arenden/{case_id}"), "case page")
    assert_escaped_html(client.get("/bolag"), "companies overview")


def test_record_sender_description_and_the_register_export(client, login_as):
    login_as("agent")
    page = client.get("/handlingar/ny").get_data(as_text=True)
    form_key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page).group(1)
    location = _post(client, "/handlingar/ny", {
        "kind": "call", "arrived_at": "2026-12-01T09:00", "sender": FORMULA, "description": XSS,
        "concerns_matter": "yes", "received_by": "me", "form_key": form_key}, "/handlingar/ny")
    item_id = _id_in(location)
    assert_escaped_html(client.get(f"/handlingar/{item_id}"), "record page")
    assert_escaped_html(client.get("/handlingar/register"), "register")
    assert_escaped_html(client.get("/handlingar/register?text=alert",
                                   headers={"HX-Request": "true", "HX-Target": "record-results"}), "register fragment")
    exported = client.post("/handlingar/export.csv", data={"csrf_token": csrf_token(client, "/handlingar/register")})
    assert_safe_csv(exported, "register CSV")


def test_the_audit_log_shows_what_was_typed_escaped_and_exports_it_guarded(client, login_as):
    login_as("admin")
    _post(client, "/admin/kategorier", {"category-group_name": XSS, "category-name": FORMULA}, "/admin/kategorier")
    # The details are shown as JSON, where the quote is written \"; the markup must still be escaped.
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;\\&#34;&#39;&gt;&lt;img src=x onerror=1&gt;"
    assert_escaped_html(client.get("/admin/granskningslogg"), "audit log", escaped)
    assert_escaped_html(client.get("/admin/granskningslogg", headers={"HX-Request": "true",
                                                                      "HX-Target": "audit-results"}),
                        "audit log fragment", escaped)
    exported = client.post("/admin/granskningslogg/export.csv",
                           data={"csrf_token": csrf_token(client, "/admin/granskningslogg")})
    assert_safe_csv(exported, "audit CSV", formula_cell=False)  # typed text is inside the details' JSON there


def test_record_correction_legal_ground_documentation_and_closing_reasons(client, login_as):
    login_as("admin")
    _post(client, "/admin/verksamhetssystem", {"name": XSS, "description": XSS}, "/admin/verksamhetssystem")
    assert_escaped_html(client.get("/admin/verksamhetssystem"), "business systems")
    page = client.get("/handlingar/ny").get_data(as_text=True)
    form_key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page).group(1)
    item_id = _id_in(_post(client, "/handlingar/ny", {
        "kind": "call", "arrived_at": "2026-12-01T09:00", "sender": "Kalle", "description": "Sophämtning",
        "concerns_matter": "yes", "received_by": "me", "form_key": form_key}, "/handlingar/ny"))
    _post(client, f"/handlingar/{item_id}/rattelse", {
        "kind": "call", "arrived_at": "2026-12-01T09:00", "sender": XSS, "description": XSS, "concerns_matter": "no",
        "confidential": "y", "legal_ground": XSS, "reason": XSS, "revision": "1"}, f"/handlingar/{item_id}/rattelse")
    _post(client, f"/handlingar/{item_id}/avsluta", {"close-reason": XSS, "close-revision": _revision(client, item_id)},
          f"/handlingar/{item_id}")
    _post(client, f"/handlingar/{item_id}/oppna", {"reopen-reason": XSS, "reopen-revision": _revision(client, item_id)},
          f"/handlingar/{item_id}")
    page = client.get(f"/handlingar/{item_id}")
    assert_escaped_html(page, "record page with its history")
    system = re.search(r'<option value="(\d+)"[^>]*>', page.get_data(as_text=True)).group(1)
    _post(client, f"/handlingar/{item_id}/dokumentera", {"doc-system": system, "doc-reference": XSS,
                                                         "doc-revision": _revision(client, item_id)},
          f"/handlingar/{item_id}")
    assert_escaped_html(client.get(f"/handlingar/{item_id}"), "documented record")
    assert_escaped_html(client.get(f"/handlingar/{item_id}/rattelse"), "correction form")


def _revision(client, item_id):
    page = client.get(f"/handlingar/{item_id}").get_data(as_text=True)
    return re.search(r'name="(?:close-|reopen-|doc-)?revision"[^>]*value="(\d+)"', page).group(1)


def test_company_case_assessment_decision_and_withdrawal(client, login_as):
    from tests.companies_helpers import today

    login_as("admin")
    company_id = _id_in(_post(client, "/admin/bolag/nytt", {"name": "Luleå Energi AB", "org_number": "556134-2105",
                                                           "phone": "0920-29 35 00", "topics": "Elnät"},
                              "/admin/bolag/nytt"))
    case_id = _id_in(_post(client, f"/admin/bolag/{company_id}/arenden/nytt",
                           {"reasons": "Kvällsöppet", "requested_from": "2027-01-01"},
                           f"/admin/bolag/{company_id}/arenden/nytt"))
    case_page = f"/admin/bolag/arenden/{case_id}"
    _post(client, f"{case_page}/bered", {"prepare-assessment": XSS}, case_page)
    _post(client, f"/admin/bolag/arenden/{case_id}/beslut", {
        "decision-outcome": "rejected", "decision-decision_date": today().isoformat(), "decision-reference": XSS,
        "decision-director_name": XSS}, f"/admin/bolag/arenden/{case_id}")
    assert_escaped_html(client.get(f"/admin/bolag/arenden/{case_id}"), "decided case")
    second = _id_in(_post(client, f"/admin/bolag/{company_id}/arenden/nytt",
                          {"reasons": "Igen", "requested_from": "2027-02-01"},
                          f"/admin/bolag/{company_id}/arenden/nytt"))
    _post(client, f"/admin/bolag/arenden/{second}/aterkalla", {"withdraw-reason": XSS},
          f"/admin/bolag/arenden/{second}")
    assert_escaped_html(client.get(f"/admin/bolag/arenden/{second}"), "withdrawn case")


def test_what_a_refused_form_echoes_back_is_escaped(client, login_as):
    """Text that fails validation comes back in the form: escaped there too."""
    login_as("admin")
    token = csrf_token(client, "/admin/bolag/nytt")
    for path, data in [("/admin/bolag/nytt", {"name": XSS, "org_number": XSS, "phone": XSS, "web": XSS}),
                       ("/admin/katalog/funktioner/ny", {"name": XSS, "phone": XSS, "email": XSS}),
                       ("/kris/ny", {"title": XSS, "body": "", "severity": XSS})]:
        response = client.post(path, data={**data, "csrf_token": token})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, path
        assert not any(raw in html for raw in RAW_MARKUP), path
        assert ESCAPED in html, path


def test_a_telephony_import_shows_the_column_names_it_was_given_escaped(client, login_as):
    login_as("admin")
    response = client.post("/servicemal/underlag/telefoni", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/servicemal/underlag"), "tel-kind": "telephony_day",
        "tel-map_date": XSS, "tel-file": (io.BytesIO(("Datum;Erbjudna\n" + XSS + ";3\n").encode()), "telefoni.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert not any(raw in html for raw in RAW_MARKUP)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_web_assessment_comment(client, login_as):
    login_as("admin")
    _post(client, "/servicemal/underlag/webb", {"web-year": "2025", "web-top_percent": "8", "web-note": XSS},
          "/servicemal/underlag")
    assert_escaped_html(client.get("/servicemal/underlag"), "goals inputs")


def test_an_admin_editing_another_persons_contact_details(app, client, login_as):
    with app.app_context():
        people = {name: person.id for name, person in add_demo_users().items()}
    login_as("admin")
    _post(client, f"/katalog/person/{people['anna']}/kontakt", {"location": XSS, "reach_note": XSS,
                                                                "extension": "3112"},
          f"/katalog/person/{people['anna']}/redigera")
    assert_escaped_html(client.get(f"/katalog/person/{people['anna']}/redigera"), "admin's edit page")
    assert_escaped_html(client.get(f"/katalog/person/{people['anna']}"), "person page")


def test_a_refused_enquiry_shows_its_note_escaped(client, login_as):
    login_as("agent")
    response = client.post("/arenden", data={"csrf_token": csrf_token(client, "/arenden"), "channel": "fax",
                                             "outcome": "direct", "note": XSS})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert not any(raw in html for raw in RAW_MARKUP) and ESCAPED in html
