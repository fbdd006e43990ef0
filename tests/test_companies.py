"""Municipal companies: organisation numbers, the register, the case state machine, the effective-date job."""
import io
import hashlib
import os
from datetime import time, timedelta
from types import SimpleNamespace

import pytest

from kundweb.audit.models import AuditEvent
from kundweb.audit.services import Actor
from kundweb.companies import services
from kundweb.companies.models import CaseEvent, Company, OptOutCase
from kundweb.extensions import db
from tests.companies_helpers import ADMIN, ENERGY, case_in, company, local, pdf, submit, today

AGENT = Actor("bertil", frozenset({"agent"}))


@pytest.fixture(autouse=True)
def attachment_dir(request, tmp_path, monkeypatch):
    """Every test here keeps its files in its own folder (some attach files without asking for it)."""
    if "app" not in request.fixturenames:
        return None
    app = request.getfixturevalue("app")
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    return tmp_path / "bilagor"


@pytest.mark.parametrize("typed, stored", [
    ("556134-2105", "556134-2105"),
    ("5561342105", "556134-2105"),
    (" 556134 - 2105 ", "556134-2105"),
    ("556012-5790", "556012-5790"),
])
def test_good_organisation_numbers_are_stored_with_hyphen(typed, stored):
    assert services.normalise_org_number(typed) == stored


@pytest.mark.parametrize("typed, message", [
    ("556134-2106", "Kontrollsiffran stämmer inte"),
    ("5561342100", "Kontrollsiffran stämmer inte"),
    ("556134-210", "tio siffror"),
    ("55613421055", "tio siffror"),
    ("16556134-2105", "tio siffror"),
    ("5561-342105", "tio siffror"),
    ("556134-21O5", "tio siffror"),
    ("", "Ange organisationsnumret"),
    ("212000-2411", "börjar med 5"),  # a municipality's own number: valid, but not a company's
])
def test_bad_organisation_numbers_are_refused_with_a_reason(typed, message):
    with pytest.raises(services.CompanyError, match=message):
        services.normalise_org_number(typed)


def test_luhn_check_digit():
    assert services.luhn_check_digit("556134210") == 5
    assert services.luhn_check_digit("212000241") == 1


def test_register_normalises_and_audits(app, app_context):
    registered = company()
    assert (registered.org_number, registered.phone, registered.web) == (
        "556134-2105", "+46920293500", "https://www.luleaenergi.demo")
    assert registered.routing == "kundcenter" and registered.topic_names == ["Elnät", "Fjärrvärme"]
    event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.action, event.actor, event.details["after"]["org_number"]) == ("company.created", "david",
                                                                                  "556134-2105")


def test_register_reports_every_bad_field_at_once(app, app_context):
    company()
    bad = services.CompanyInput("luleå energi ab", "5561342105", "12", "inte-en-adress", "bara ord")
    with pytest.raises(services.InvalidInput) as refused:
        services.create_company(ADMIN, bad)
    assert set(refused.value.field_errors) == {"name", "org_number", "phone", "email", "web"}
    assert "redan" in refused.value.field_errors["org_number"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Company)) == 1


def test_editing_keeps_routing_and_audits_before_and_after(app, app_context):
    registered = company()
    changed = services.CompanyInput(ENERGY.name, ENERGY.org_number, "0920-29 36 00", "", "", ("Elnät", "Elavtal"))
    services.update_company(ADMIN, registered.id, changed)
    assert registered.topic_names == ["Elavtal", "Elnät"] and registered.email == ""
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "company.edited")).one()
    assert event.details["before"]["phone"] == "+46920293500" and event.details["after"]["phone"] == "+46920293600"


def test_only_admins_may_change_anything(app, app_context):
    registered = company()
    with pytest.raises(services.NotAllowed):
        services.create_company(AGENT, ENERGY)
    with pytest.raises(services.NotAllowed):
        services.submit_case(AGENT, registered.id, services.CaseInput("Skäl", today()))


# --- The state machine -----------------------------------------------------------------------

def _take(action, case):
    """Take one step on a case, as the page (or the job, for "apply") would."""
    if action == "edit":
        return services.edit_case(ADMIN, case.id, services.CaseInput("Nya skäl.", case.requested_from))
    if action == "attach":
        return services.add_attachments(ADMIN, case.id, [pdf()], "other")
    if action == "prepare":
        return services.prepare_case(ADMIN, case.id, "Bedömning.")
    if action == "approve":
        return services.decide_case(ADMIN, case.id, services.DecisionInput(
            "approved", today(), "KLF 1/26", "Karin Berglund", today()))
    if action == "reject":
        return services.decide_case(ADMIN, case.id, services.DecisionInput("rejected", today(), "KLF 2/26", "K B"))
    if action == "withdraw":
        return services.withdraw_case(ADMIN, case.id, "Bolaget ångrade sig.")
    if action == "apply":
        return services.apply_case(case.id, local(today(), time(12)))
    raise AssertionError(action)


ACTIONS = ("edit", "attach", "prepare", "approve", "reject", "withdraw", "apply")
STATES = tuple(services.TRANSITIONS)
LEGAL = [(state, action, target) for state, moves in services.TRANSITIONS.items() for action, target in moves.items()]
ILLEGAL = [(state, action) for state in STATES for action in ACTIONS if action not in services.TRANSITIONS[state]]


def test_the_machine_is_what_the_guideline_describes():
    assert services.TRANSITIONS["submitted"]["prepare"] == "prepared"
    assert {services.TRANSITIONS["prepared"][a] for a in ("approve", "reject")} == {"approved", "rejected"}
    assert services.TRANSITIONS["approved"] == {"attach": "approved", "apply": "effective", "withdraw": "withdrawn"}
    # An ended case only takes more files (the signed decision, a letter): nothing else happens to it.
    assert all(services.TRANSITIONS[end] == {"attach": end} for end in ("rejected", "effective", "withdrawn"))
    assert all(services.TRANSITIONS[state]["attach"] == state for state in STATES)
    assert len(LEGAL) == 16 and len(ILLEGAL) == len(STATES) * len(ACTIONS) - 16


@pytest.mark.parametrize("state, action, target", LEGAL)
def test_every_legal_transition(app, app_context, state, action, target):
    case = case_in(state)
    events_before = len(case.events)
    _take(action, case)
    case = services.get_case(case.id)
    assert case.state == target
    assert len(case.events) == events_before + 1
    assert (case.events[-1].from_state, case.events[-1].to_state) == (state, target)


@pytest.mark.parametrize("state, action", ILLEGAL)
def test_every_illegal_transition_is_refused_and_changes_nothing(app, app_context, state, action):
    case = case_in(state)
    events_before, audit_before = len(case.events), db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    with pytest.raises(services.IllegalTransition) as refused:
        _take(action, case)
    assert str(refused.value)  # a sentence a person can read
    db.session.expire_all()
    case = services.get_case(case.id)
    assert case.state == state and len(case.events) == events_before
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == audit_before


@pytest.mark.parametrize("state, action, message", [
    ("submitted", "approve", "måste beredas innan"),
    ("rejected", "apply", "avslaget och kan inte genomföras"),
    ("approved", "edit", "beslutat och kan inte längre ändras"),
    ("rejected", "edit", "beslutat och kan inte längre ändras"),
    ("effective", "withdraw", "redan genomfört"),
    ("withdrawn", "prepare", "Det går inte att bereda ett ärende som är återkallat."),
])
def test_refusals_say_why(app, app_context, state, action, message):
    with pytest.raises(services.IllegalTransition, match=message):
        _take(action, case_in(state))


def test_an_approved_case_cannot_be_applied_before_its_date(app, app_context):
    case = case_in("prepared")
    services.decide_case(ADMIN, case.id, services.DecisionInput(
        "approved", today(), "KLF 3/26", "Karin Berglund", today() + timedelta(days=3)))
    with pytest.raises(services.IllegalTransition, match="gäller först från"):
        services.apply_case(case.id, local(today(), time(23, 59)))


@pytest.mark.parametrize("decision, field", [
    (services.DecisionInput("approved", None, "KLF 1", "K B", None), "decision_date"),
    (services.DecisionInput("approved", "tomorrow", "KLF 1", "K B", None), "decision_date"),
    (services.DecisionInput("approved", "today", "", "K B", "today"), "reference"),
    (services.DecisionInput("approved", "today", "KLF 1", " ", "today"), "director_name"),
    (services.DecisionInput("approved", "today", "KLF 1", "K B", None), "effective_from"),
    (services.DecisionInput("approved", "today", "KLF 1", "K B", "yesterday"), "effective_from"),
    (services.DecisionInput("maybe", "today", "KLF 1", "K B", "today"), "outcome"),
])
def test_a_decision_needs_date_reference_director_and_for_approval_a_date(app, app_context, decision, field):
    days = {"today": today(), "tomorrow": today() + timedelta(days=1), "yesterday": today() - timedelta(days=1)}
    decision = services.DecisionInput(decision.outcome, days.get(decision.decision_date, decision.decision_date),
                                      decision.reference, decision.director_name,
                                      days.get(decision.effective_from, decision.effective_from))
    case = case_in("prepared")
    with pytest.raises(services.InvalidInput) as refused:
        services.decide_case(ADMIN, case.id, decision)
    assert field in refused.value.field_errors
    assert services.get_case(case.id).state == "prepared"


def test_one_open_case_at_a_time_then_re_entry_after_an_effective_opt_out(app, app_context):
    registered = company()
    first = submit(registered.id)
    assert first.kind == "opt_out"
    with pytest.raises(services.CompanyError, match="redan ett öppet ärende"):
        submit(registered.id)
    services.prepare_case(ADMIN, first.id, "Bifall.")
    services.decide_case(ADMIN, first.id, services.DecisionInput("approved", today(), "KLF 5/26", "K B", today()))
    with pytest.raises(services.CompanyError, match="redan ett öppet ärende"):
        submit(registered.id)  # approved is still open until it takes effect
    services.apply_due_cases()
    assert registered.routing == "own" and registered.routing_since == today()
    back = submit(registered.id)
    assert back.kind == "re_entry"
    services.prepare_case(ADMIN, back.id, "Bolaget lägger ned sin kundtjänst.")
    services.decide_case(ADMIN, back.id, services.DecisionInput("approved", today(), "KLF 9/26", "K B", today()))
    services.apply_due_cases()
    db.session.refresh(registered)
    assert registered.routing == "kundcenter" and registered.routing_since == today()


def test_the_database_also_refuses_a_second_open_case(app, app_context):
    registered = company()
    submit(registered.id)
    db.session.add(OptOutCase(company_id=registered.id, kind="opt_out", state="submitted", reasons="x",
                              number_year=today().year, number=99, received_on=today(),
                              requested_from=today(), submitted_at=services.utcnow(), submitted_by="x",
                              updated_at=services.utcnow()))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_a_requested_date_in_the_past_is_refused(app, app_context):
    with pytest.raises(services.InvalidInput) as refused:
        submit(company().id, requested_from=today() - timedelta(days=1))
    assert "requested_from" in refused.value.field_errors


def test_every_step_is_audited_with_who_and_when_and_kept_in_the_history(app, app_context):
    case = case_in("effective")
    events = case.events
    assert [e.action for e in events] == ["submitted", "prepared", "approved", "applied"]
    assert [e.actor for e in events] == ["david", "david", "david", None]
    assert events[2].details["decision_reference"] == "KLF 2026/318"
    assert events[3].details["routing"] == {"before": "kundcenter", "after": "own", "since": today().isoformat()}
    audited = db.session.scalars(db.select(AuditEvent).where(AuditEvent.object_type == "company_optout_case")
                                 .order_by(AuditEvent.id)).all()
    assert [a.action for a in audited] == ["company.case_submitted", "company.case_prepared",
                                           "company.case_approved", "company.case_applied"]
    assert all(a.occurred_at is not None for a in audited)
    routing = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "company.routing_changed")).one()
    assert routing.details["after"] == "own" and routing.actor is None


# --- The effective-date job with a controlled clock ----------------------------------------------

def test_effective_date_job_applies_at_local_midnight_exactly_once(app, app_context):
    day = today() + timedelta(days=10)
    case = case_in("prepared")
    services.decide_case(ADMIN, case.id, services.DecisionInput("approved", today(), "KLF 7/26", "K B", day))
    assert services.apply_due_cases(local(day - timedelta(days=1), time(23, 59, 59))) == []
    assert services.get_case(case.id).state == "approved"
    assert services.apply_due_cases(local(day, time(0, 0))) == [case.id]
    assert services.apply_due_cases(local(day, time(0, 5))) == []
    assert services.apply_due_cases(local(day + timedelta(days=3))) == []
    case = services.get_case(case.id)
    assert case.state == "effective" and case.applied_at == local(day, time(0, 0))
    assert case.company.routing == "own" and case.company.routing_since == day
    assert db.session.scalar(db.select(db.func.count(CaseEvent.id)).where(CaseEvent.action == "applied")) == 1
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == "company.routing_changed")) == 1


def test_a_date_passed_while_the_scheduler_was_down_is_applied_at_the_next_run(app, app_context):
    case = case_in("prepared")
    day = today()
    services.decide_case(ADMIN, case.id, services.DecisionInput("approved", day, "KLF 8/26", "K B", day))
    assert services.apply_due_cases(local(day + timedelta(days=20))) == [case.id]
    assert services.get_case(case.id).company.routing_since == day  # from the decided date, not the late run


def test_a_withdrawn_approval_is_never_applied(app, app_context):
    case = case_in("approved")
    services.withdraw_case(ADMIN, case.id, "Bolaget stannar i Kundcenter.")
    assert services.apply_due_cases(local(today() + timedelta(days=60))) == []
    assert services.get_case(case.id).company.routing == "kundcenter"


def test_a_stale_copy_of_the_case_cannot_apply_it_again(app, app_context):
    """The guarded UPDATE: a process that read the case as approved before another applied it."""
    case = case_in("approved")
    stale = SimpleNamespace(id=case.id, state="approved")  # what a second process read a moment ago
    services.apply_due_cases()
    with pytest.raises(services.CaseConflict):
        services._move(stale, "apply", services.utcnow())
    assert db.session.scalar(db.select(db.func.count(CaseEvent.id)).where(CaseEvent.action == "applied")) == 1


# --- What agents see -----------------------------------------------------------------------------

def test_routing_notes_say_where_customers_turn(app, app_context):
    case = case_in("effective")
    note = services.routing_note(case.company)
    assert note.text == (f"Luleå Energi AB: egen kundtjänst sedan {today().isoformat()}, 0920-29 35 00, "
                         "kundservice@luleaenergi.demo, https://www.luleaenergi.demo")
    services.create_company(ADMIN, services.CompanyInput("Lulebo AB", "556012-3456", "0920-23 50 00",
                                                         topics=("Hyresrätter", "Bostadskö")))
    assert [n.name for n in services.routing_notes()] == ["Lulebo AB", "Luleå Energi AB"]  # å after b
    assert [n.text for n in services.search_notes("bostad").companies] == ["Lulebo AB: via Kundcenter"]
    assert [n.name for n in services.search_notes("lulea energi").companies] == ["Luleå Energi AB"]
    assert services.search_notes("   ") == services.search_notes("ekonomi") == services.NO_SEARCH_NOTES
    by_unit = services.search_notes("", ["Fjärrvärme", "Socialförvaltningen", "LULEÅ ENERGI AB"]).by_unit
    assert {unit: note.name for unit, note in by_unit.items()} == {"Fjärrvärme": "Luleå Energi AB",
                                                                   "LULEÅ ENERGI AB": "Luleå Energi AB"}
    assert services.forwarding_target(case.company_id).through_kundcenter is False
    energy_ref = f"company:{case.company_id}"
    assert ("company", energy_ref, "Luleå Energi AB") in services.forwarding_candidates()
    assert services.routing_note_for_ref(energy_ref).name == "Luleå Energi AB"
    assert services.routing_note_for_ref("unit:3") is None and services.routing_note_for_ref("company:999") is None


def test_an_approved_change_ahead_is_part_of_the_note(app, app_context):
    case = case_in("prepared")
    day = today() + timedelta(days=5)
    services.decide_case(ADMIN, case.id, services.DecisionInput("approved", today(), "KLF 6/26", "K B", day))
    assert services.routing_note(case.company).text == f"Luleå Energi AB: via Kundcenter (egen kundtjänst från {day})"


# --- Attachments ---------------------------------------------------------------------------------

def test_attachments_are_stored_under_a_generated_name_with_their_hash(app, app_context, attachment_dir):
    content = b"%PDF-1.4\n" + os.urandom(3000)
    case = submit(company().id, uploads=[pdf("../../etc/Bolagets skrivelse.pdf", content)])
    [attachment] = case.attachments
    assert attachment.filename == "Bolagets skrivelse.pdf"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert os.listdir(attachment_dir) == [attachment.stored_name]
    assert (attachment_dir / attachment.stored_name).read_bytes() == content
    assert [e.action for e in case.events] == ["submitted", "attachment_added"]


@pytest.mark.parametrize("upload, message", [
    (services.Upload("stor.pdf", io.BytesIO(b"%PDF-" + b"x" * 2044)), "större än"),
    (services.Upload("tom.pdf", io.BytesIO(b"")), "tom"),
    (services.Upload("skript.html", io.BytesIO(b"<script>")), "bara PDF"),
    (services.Upload("utan-typ", io.BytesIO(b"data")), "bara PDF"),
    # The name says one thing, the bytes another: refused by what the file is.
    (services.Upload("skrivelse.pdf", io.BytesIO(b"<html><script>alert(1)</script>")), "inte en PDF"),
    (services.Upload("bild.png", io.BytesIO(b"%PDF-1.4")), "inte en PNG-bild"),
    (services.Upload("beslut.docx", io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")), "inte ett Word-dokument"),
    (services.Upload("lista.txt", io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00")), "inte en textfil"),
])
def test_bad_attachments_are_refused_and_leave_nothing_behind(app, app_context, attachment_dir, monkeypatch,
                                                              upload, message):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_MAX_BYTES", 2048)
    registered = company()
    with pytest.raises(services.InvalidInput, match=message):
        submit(registered.id, uploads=[pdf("bra.pdf"), upload])
    assert not attachment_dir.exists() or os.listdir(attachment_dir) == []
    assert db.session.scalar(db.select(db.func.count(OptOutCase.id))) == 0  # all or nothing


@pytest.mark.parametrize("name, content", [
    ("skrivelse.pdf", b"%PDF-1.7\n"), ("foto.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    ("karta.png", b"\x89PNG\r\n\x1a\n\x00"), ("yttrande.docx", b"PK\x03\x04\x14\x00"),
    ("gammalt.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"), ("budget.ods", b"PK\x03\x04mimetype"),
    ("notering.txt", "Räksmörgås och önskemål".encode("utf-8")),
    ("windows.txt", "Räksmörgås".encode("cp1252")),
])
def test_files_that_are_what_their_names_say_are_kept(app, app_context, attachment_dir, name, content):
    case = submit(company().id, uploads=[services.Upload(name, io.BytesIO(content))])
    assert [a.filename for a in case.attachments] == [name]


def test_demo_seed_is_idempotent_and_tells_each_story(app, app_context, attachment_dir):
    from kundweb.demo.companies_seed import seed_companies

    assert len(seed_companies()) == 5
    assert seed_companies() == []
    states = {c.name: (c.routing, [case.state for case in c.cases]) for c in services.all_companies()}
    assert states == {
        "Luleå Energi AB": ("own", ["effective"]),
        "Lulebo AB": ("kundcenter", ["prepared"]),
        "Luleå Hamn AB": ("kundcenter", ["submitted"]),
        "Luleå Lokaltrafik AB": ("kundcenter", ["approved"]),
        "Luleå Miljöresurs AB": ("kundcenter", ["rejected"]),
    }
