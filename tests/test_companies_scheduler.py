"""The effective-date job in real `flask kundweb scheduler` processes: caught up at start, run on its
interval, killed and restarted, and started twice: each decision applied exactly once."""
import signal
import time

from kundweb.audit.models import AuditEvent
from kundweb.companies import services
from kundweb.companies.models import CaseEvent
from kundweb.extensions import db
from tests.companies_helpers import ADMIN, case_in
from tests.test_scheduler_processes import SchedulerProcess


def _approved_case_due_today(app, name, org_number):
    with app.app_context():
        company = services.create_company(ADMIN, services.CompanyInput(name, org_number, "0920-45 30 00"))
        return case_in("approved", company.id).id


def _wait_until_effective(app, case_id, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            if services.get_case(case_id).state == "effective":
                return True
        time.sleep(0.2)
    return False


def _applied(app, case_id):
    with app.app_context():
        case = services.get_case(case_id)
        events = db.session.scalar(db.select(db.func.count(CaseEvent.id)).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "applied"))
        routing_changes = db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "company.routing_changed", AuditEvent.object_id == str(case.company_id)))
        return case.state, case.applied_at, case.company.routing, events, routing_changes


def test_effective_date_job_applies_exactly_once_across_restarts(app, tmp_path, monkeypatch):
    monkeypatch.setenv("KUNDWEB_COMPANY_ROUTING_SECONDS", "1")
    # Decided, effective today, and no scheduler running: the date passes while it is down.
    while_down = _approved_case_due_today(app, "Luleå Energi AB", "556134-2105")
    first = SchedulerProcess(app, 1, tmp_path / "first.log")
    try:
        assert first.wait_for("scheduler lock acquired"), first.output()
        assert _wait_until_effective(app, while_down), first.output()  # the start-up catch-up
        # Decided while the scheduler runs: the interval job picks it up.
        while_running = _approved_case_due_today(app, "Lulebo AB", "556012-3456")
        assert _wait_until_effective(app, while_running), first.output()
    finally:
        first.kill()  # killed outright, mid-interval
    before_restart = {case_id: _applied(app, case_id) for case_id in (while_down, while_running)}

    # A restart, and by mistake a second scheduler next to it: one holds the lock, both are harmless.
    restarted = [SchedulerProcess(app, 1, tmp_path / f"restart{n}.log") for n in (1, 2)]
    try:
        assert any(p.wait_for("scheduler lock acquired") for p in restarted), [p.output() for p in restarted]
        time.sleep(3)  # the start-up catch-up and several interval runs
    finally:
        for process in restarted:
            process.kill(signal.SIGTERM)

    for case_id, (state, applied_at, routing, events, routing_changes) in before_restart.items():
        assert (state, routing, events, routing_changes) == ("effective", "own", 1, 1)
        assert _applied(app, case_id) == (state, applied_at, routing, events, routing_changes)
