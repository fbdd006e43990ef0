"""Case numbers and duplicate attachments under real concurrency: processes at once, on SQLite or PostgreSQL."""
import os

from kundweb.companies import services
from tests.companies_helpers import ADMIN, company, today
from tests.process_helpers import run_at_once

PROCESSES = 4

WORKER = """
import io, json, os, sys, time
from datetime import timedelta
from kundweb import create_app
from kundweb.audit.services import Actor
from kundweb.companies import services
from kundweb.database import utcnow

database_url, files_dir, worker, rendezvous, job, target = sys.argv[1:]
app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "COMPANY_ATTACHMENT_DIR": files_dir})
admin = Actor("david", frozenset({"admin"}))
results = []
with app.app_context():
    open(os.path.join(rendezvous, f"ready-{worker}"), "w").close()
    while not os.path.exists(os.path.join(rendezvous, "go")):
        time.sleep(0.002)
    if job == "number":
        # submit, withdraw, and once a submission whose file is refused after its number was taken
        today = services.local_today(utcnow())
        for i in range(3):
            data = services.CaseInput(f"Skäl {worker}-{i}", today + timedelta(days=30))
            if i == 1:
                try:
                    services.submit_case(admin, int(target), data, [services.Upload("x.pdf", io.BytesIO(b"<html>"))])
                except services.InvalidInput:
                    results.append(None)
            case = services.submit_case(admin, int(target), data)
            results.append(case.number)
            services.withdraw_case(admin, case.id, "Prov.")
    else:
        upload = services.Upload(f"Beslut {worker}.pdf", io.BytesIO(b"%PDF-1.4\\nsamma beslut\\n"))
        try:
            services.add_attachments(admin, int(target), [upload], "decision")
            results.append("kept")
        except services.InvalidInput as exc:
            results.append(str(exc))
print(json.dumps(results))
"""


def _run_at_once(app, tmp_path, job, targets):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    return run_at_once(WORKER, [(url, app.config["COMPANY_ATTACHMENT_DIR"], n, rendezvous, job, target)
                                for n, target in enumerate(targets)], rendezvous)


def _companies(count):
    return [company(services.CompanyInput(f"Bolag {n} AB", org, "0920-45 30 00")).id
            for n, org in zip(range(count), ("556134-2105", "556012-3456", "556528-0129", "556189-8700"))]


def test_processes_submitting_at_once_get_unique_gap_free_case_numbers(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        companies = _companies(PROCESSES)
    results = _run_at_once(app, tmp_path, "number", companies)
    assert all(numbers.count(None) == 1 for numbers in results)  # each refused submission happened
    taken = sorted(n for numbers in results for n in numbers if n is not None)
    assert taken == list(range(1, PROCESSES * 3 + 1))  # unique, and the refused ones left no gap
    with app.app_context():
        numbers = [case.case_number for case in services.case_list()]
    assert numbers[0] == f"UT-{today().year}-{PROCESSES * 3:04d}" and len(set(numbers)) == PROCESSES * 3


def test_the_same_file_uploaded_by_several_people_at_once_is_kept_once(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_ATTACHMENT_DIR", str(tmp_path / "bilagor"))
    with app.app_context():
        case = services.submit_case(ADMIN, _companies(1)[0], services.CaseInput("Skäl.", today()))
        case_id = case.id
    results = [outcome for [outcome] in _run_at_once(app, tmp_path, "attach", [case_id] * PROCESSES)]
    assert results.count("kept") == 1
    assert all("finns redan i ärendet: samma innehåll som bilagan Beslut" in r for r in results if r != "kept")
    with app.app_context():
        assert len(services.get_case(case_id).attachments) == 1
    assert len(os.listdir(tmp_path / "bilagor")) == 1  # the refused copies left nothing on disk
