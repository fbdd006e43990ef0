"""The gap and usage report of Kunskapsbanken: known numbers, the CSV, who may see it, the dashboard summary."""
import csv
import io
from datetime import date, datetime, timezone

import pytest

from kundweb.answers import report
from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from tests.answers_public_helpers import answer, category, company, enquiry, proposal
from tests.conftest import DEMO_PASSWORDS, post_login

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=timezone.utc)
SUMMARY_REQUEST = {"HX-Request": "true", "HX-Target": "kb-summary"}  # what htmx sends from the dashboard


def at(month, day=10):
    return datetime(int(month[:4]), int(month[5:7]), day, 11, 0, tzinfo=timezone.utc)


def _known_data():
    """Three categories over October and November 2026 (the report's period), and usage before it."""
    a, b = category("Bygglov"), category("Strandskydd")
    c = category("Soptömning", group="Tekniska förvaltningen")
    category("Oanvänd kategori")  # no enquiries: not in the report
    x = answer(question="Behöver jag bygglov för en altan?", category_row=a, published_at=at("2025-01"))
    y = answer(question="Hur lång är handläggningstiden?", category_row=a, visibility="intern",
               published_at=at("2025-01"))
    answer(question="Utkast om strandskydd", category_row=b, status="draft", review_by=date(2026, 1, 1))
    answer(question="Arkiverat om strandskydd", category_row=b, status="archived", review_by=date(2026, 1, 1))
    z = answer(question="Aldrig använt svar", owner=company(), published_at=at("2025-03"), review_by=date(2026, 11, 1))
    answer(question="Nytt svar", published_at=at("2026-10", 1))  # too new to call unused
    v = answer(question="Använt i våras", published_at=at("2025-02"))
    for _ in range(3):
        enquiry(a, "direct", x, at("2026-10"))
    enquiry(a, "direct", None, at("2026-10"))
    enquiry(a, "forwarded", None, at("2026-10"))
    enquiry(a, "direct", x, at("2026-11"))
    enquiry(a, "direct", x, at("2026-11"))
    enquiry(a, "direct", y, at("2026-11"))
    enquiry(a, "callback", None, at("2026-11"))
    enquiry(b, "forwarded", None, at("2026-10"))
    enquiry(b, "forwarded", None, at("2026-10"))
    enquiry(b, "direct", None, at("2026-10"))
    for _ in range(4):
        enquiry(b, "forwarded", None, at("2026-11"))
    enquiry(c, "direct", None, at("2026-11"))
    enquiry(c, "direct", None, at("2026-11"))
    for _ in range(5):
        enquiry(a, "direct", x, at("2026-09"))  # before the period
    enquiry(a, "direct", v, at("2026-04"))  # before the unused window (May on)
    proposal("Svar saknas om kompostering")
    proposal("Fel telefonnummer", kind="error", answer_row=x)
    proposal("Redan gjort", state="accepted")
    db.session.commit()
    return {"a": a.id, "b": b.id, "c": c.id, "x": x.id, "y": y.id, "z": z.id, "v": v.id}


@pytest.fixture
def known(app):
    with app.app_context():
        return _known_data()


def test_the_report_counts_direct_answers_with_and_without_an_answer_per_month_and_category(app, known):
    with app.app_context():
        r = report.gap_report("2026-10", "2026-11", NOW)
    months = {month: c for month, _, c in r.months}
    assert list(months) == ["2026-10", "2026-11"]
    october, november = months["2026-10"], months["2026-11"]
    assert (october.direct_with_answer, october.direct_without_answer, october.forwarded, october.other) == (3, 2, 3, 0)
    assert (november.direct_with_answer, november.direct_without_answer, november.forwarded, november.other) == (3, 2, 4, 1)
    assert october.share_with_answer == 60.0 and november.share_with_answer == 60.0
    assert (r.totals.direct_with_answer, r.totals.direct_without_answer, r.totals.forwarded, r.totals.total) == (6, 4, 7, 18)
    by_id = {c.category_id: c for c in r.categories}
    assert list(by_id) == [known["a"], known["b"], known["c"]]  # most enquiries first; the unused category is left out
    bygglov = by_id[known["a"]]
    assert (bygglov.counts.direct_with_answer, bygglov.counts.direct_without_answer, bygglov.counts.forwarded,
            bygglov.counts.other, bygglov.published_answers) == (6, 1, 1, 1, 2)
    assert bygglov.counts.share_with_answer == 85.7
    assert r.cells[("2026-10", known["b"])].forwarded == 2 and r.cells[("2026-11", known["b"])].forwarded == 4


def test_the_questions_to_write_next_are_categories_without_a_published_answer(app, known):
    with app.app_context():
        r = report.gap_report("2026-10", "2026-11", NOW)
    # Strandskydd has only a draft and an archived answer: 6 forwarded; Soptömning none: 2 direct without.
    assert [(c.name, c.counts.forwarded, c.counts.direct_without_answer) for c in r.gaps] == [
        ("Strandskydd", 6, 1), ("Soptömning", 0, 2)]


def test_most_used_unused_overdue_and_open_proposals(app, known):
    with app.app_context():
        r = report.gap_report("2026-10", "2026-11", NOW)
    assert [(a.id, a.uses) for a in r.most_used] == [(known["x"], 5), (known["y"], 1)]
    assert r.most_used[0].owner == "Stadsbyggnadsförvaltningen"
    assert r.unused_since == "2026-05"
    assert [a.question for a in r.unused] == ["Använt i våras", "Aldrig använt svar"]  # oldest publication first
    assert r.unused[1].owner == "Luleå Energi AB"
    assert [a.question for a in r.overdue] == ["Aldrig använt svar"]  # drafts and archived answers are not due
    assert [(p.kind_label, p.question, p.text) for p in r.proposals] == [
        ("Saknas svar", None, "Svar saknas om kompostering"),
        ("Fel i svaret", "Behöver jag bygglov för en altan?", "Fel telefonnummer")]


def test_a_use_in_the_window_keeps_an_answer_off_the_unused_list(app, known):
    from kundweb.answers.models import Answer

    with app.app_context():
        enquiry(category("Bygglov"), "direct", db.session.get(Answer, known["z"]), at("2026-05", 1))
        db.session.commit()
        r = report.gap_report("2026-10", "2026-11", NOW)
    assert [a.question for a in r.unused] == ["Använt i våras"]


def test_the_dashboard_summary_has_the_same_numbers(app, known):
    with app.app_context():
        s = report.summary("2026-10", "2026-11", NOW)
    assert (s.direct, s.direct_with_answer, s.share_with_answer, s.gaps, s.overdue, s.open_proposals) == (
        10, 6, 60.0, 1, 1, 2)  # gaps: categories with forwarded enquiries and no published answer (Strandskydd)


def test_the_csv_is_for_swedish_excel_and_guards_formulas(app, known):
    with app.app_context():
        answer(question="=HYPERLINK(\"http://x\")", category_row=category("Bygglov"))
        db.session.flush()
        from kundweb.answers.models import Answer

        formula = db.session.scalar(db.select(Answer).filter_by(question="=HYPERLINK(\"http://x\")"))
        for _ in range(7):
            enquiry(category("Bygglov"), "direct", formula, at("2026-11"))
        db.session.commit()
        text = report.export_csv(report.gap_report("2026-10", "2026-11", NOW))
    assert text.startswith("\ufeff") and "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["Användning per kategori och månad, oktober–november 2026"]
    assert rows[1] == report.USAGE_HEADER
    assert rows[2] == ["2026-10", "Stadsbyggnadsförvaltningen", "Bygglov", "3", "1", "75,0", "1", "0", "5", "3"]
    titles = [row[0] for row in rows if len(row) == 1]
    assert titles == ["Användning per kategori och månad, oktober–november 2026",
                      "Frågor att skriva svar på (kategorier utan publicerat svar)", "Mest använda svar",
                      "Publicerade svar som inte använts sedan 2026-05", "Publicerade svar som passerat Granska senast",
                      "Öppna förslag"]
    most_used = rows[rows.index(["Mest använda svar"]) + 2]
    assert most_used == ["'=HYPERLINK(\"http://x\")", "Stadsbyggnadsförvaltningen", "Publicerad", "7"]
    assert not any(cell.startswith("=") for row in rows for cell in row)


# --- the pages ---------------------------------------------------------------------------------

@pytest.fixture
def login_as_editor(app, client, monkeypatch):
    """Cecilia's AD group read as the editors' group: she logs in as an editor (and employee) only."""
    roles = dict(app.config["LDAP_GROUP_ROLES"])
    group = next(dn for dn, role in roles.items() if role == "communicator")
    monkeypatch.setitem(app.config, "LDAP_GROUP_ROLES", {**roles, group: "editor"})

    def login():
        assert post_login(client, *DEMO_PASSWORDS["communicator"]).status_code == 302
        return client

    return login


def test_an_editor_sees_the_report_of_every_department_and_downloads_it(app, client, known, login_as_editor):
    login_as_editor()
    html = client.get("/kunskapsbanken/rapport?from=2026-10&to=2026-11").get_data(as_text=True)
    assert "Luckor och användning: oktober–november 2026" in html
    assert "Strandskydd" in html and "Soptömning" in html and "Tekniska förvaltningen" in html
    assert "Behöver jag bygglov för en altan?" in html and "Svar saknas om kompostering" in html
    response = client.get("/kunskapsbanken/rapport.csv?from=2026-10&to=2026-11")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="kunskapsbanken-2026-10-2026-11.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True).startswith("\ufeffAnvändning per kategori och månad")


@pytest.mark.parametrize("role", ["employee", "agent", "communicator"])
def test_others_than_editors_and_admins_get_403_and_the_attempt_is_audited(app, client, login_as, role):
    login_as(role)
    for path in ("/kunskapsbanken/rapport", "/kunskapsbanken/rapport.csv"):
        assert client.get(path).status_code == 403
    with app.app_context():
        denied = db.session.scalars(db.select(AuditEvent).filter_by(action="access.denied")).all()
    assert len(denied) == 2 and {e.object_id for e in denied} == {"answers.report_page", "answers.report_csv"}


def test_a_bad_period_says_so_in_swedish_and_shows_the_last_twelve_months(client, login_as):
    login_as("admin")
    response = client.get("/kunskapsbanken/rapport?from=2026-13&to=2026-11")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ange månader som ÅÅÅÅ-MM." in html and "Traceback" not in html
    csv_response = client.get("/kunskapsbanken/rapport.csv?from=2026-11&to=2026-01")
    assert csv_response.status_code == 400 and "före den sista" in csv_response.get_data(as_text=True)


def test_the_goals_dashboard_loads_the_summary_and_links_editors_to_the_report(app, client, login_as, known):
    login_as("admin")
    dashboard = client.get("/servicemal?from=2026-10&to=2026-11").get_data(as_text=True)
    assert 'hx-get="/servicemal/kunskapsbanken?from=2026-10&amp;to=2026-11"' in dashboard
    assert 'href="/kunskapsbanken/rapport?from=2026-10&amp;to=2026-11"' in dashboard
    fragment = client.get("/servicemal/kunskapsbanken?from=2026-10&to=2026-11",
                          headers=SUMMARY_REQUEST).get_data(as_text=True)
    assert "<strong>6</strong> av 10 (60,0 %)" in fragment
    assert "Luckor och användning i Kunskapsbanken" in fragment


def test_the_summary_asked_for_as_a_page_is_the_dashboard(client, login_as):
    login_as("agent")
    response = client.get("/servicemal/kunskapsbanken?from=2026-10&to=2026-11", headers={"HX-Request": "true"})
    assert response.status_code == 302 and response.headers["Location"] == "/servicemal?from=2026-10&to=2026-11"


def test_agents_see_the_summary_but_no_link_to_the_report(client, login_as, known):
    login_as("agent")
    fragment = client.get("/servicemal/kunskapsbanken?from=2026-10&to=2026-11",
                          headers=SUMMARY_REQUEST).get_data(as_text=True)
    assert "<strong>6</strong> av 10" in fragment and "/kunskapsbanken/rapport" not in fragment
    assert "/kunskapsbanken/rapport" not in client.get("/servicemal?from=2026-10&to=2026-11").get_data(as_text=True)
