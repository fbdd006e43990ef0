"""Shared setup for the company tests: an admin, a company, and a case brought to any state."""
import io
from datetime import datetime, time, timedelta

from kundweb.audit.services import Actor
from kundweb.companies import services
from kundweb.database import utcnow
from kundweb.hours.calendar import STOCKHOLM

ADMIN = Actor("david", frozenset({"admin"}))
ENERGY = services.CompanyInput("Luleå Energi AB", "556134-2105", "0920-29 35 00", "kundservice@luleaenergi.demo",
                               "www.luleaenergi.demo", ("Elnät", "Fjärrvärme"))


def local(day, clock=time(10, 0)):
    return datetime.combine(day, clock, tzinfo=STOCKHOLM)


def today():
    return services.local_today(utcnow())


def company(data=ENERGY):
    return services.create_company(ADMIN, data)


def pdf(name="skrivelse.pdf", content=b"%PDF-1.4\nbolagets skrivelse\n"):
    return services.Upload(name, io.BytesIO(content))


def submit(company_id, requested_from=None, uploads=()):
    return services.submit_case(ADMIN, company_id, services.CaseInput(
        "Egen kundtjänst med kvällsöppet.", requested_from or today() + timedelta(days=30)), uploads)


def approve(case_id, effective_from=None):
    return services.decide_case(ADMIN, case_id, services.DecisionInput(
        "approved", today(), "KLF 2026/318", "Karin Berglund", effective_from or today() + timedelta(days=30)))


def reject(case_id):
    return services.decide_case(ADMIN, case_id, services.DecisionInput(
        "rejected", today(), "KLF 2026/319", "Karin Berglund"))


def case_in(state, company_id=None):
    """A case brought to `state` through the services, the way people would."""
    company_id = company_id or company().id
    case = submit(company_id)
    if state == "withdrawn":
        return services.withdraw_case(ADMIN, case.id, "Bolaget drog tillbaka begäran.")
    if state == "submitted":
        return case
    services.prepare_case(ADMIN, case.id, "Föreslås bifall.")
    if state == "prepared":
        return case
    if state == "rejected":
        return reject(case.id)
    approve(case.id, effective_from=today())
    if state == "effective":
        services.apply_due_cases()
    return services.get_case(case.id)
