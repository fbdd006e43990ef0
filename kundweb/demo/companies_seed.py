"""Demo municipal companies and their opt-out cases, told through the same services the pages use.

Dates are relative to today, so the demo always shows one company that has left
Kundcenter, one whose approved opt-out is coming up, and cases at each step.
"""
from datetime import date, datetime, time, timedelta

from kundweb.audit.services import Actor
from kundweb.companies import services
from kundweb.companies.models import Company
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM

ADMIN = Actor("david", frozenset({"admin"}))
DIRECTOR = "Karin Berglund"  # a made-up municipal director, like everyone in the demo

COMPANIES = [
    services.CompanyInput("Luleå Energi AB", "556134-2105", "0920-29 35 00", "kundservice@luleaenergi.demo",
                          "www.luleaenergi.demo", ("Elavtal", "Elnät", "Fjärrvärme", "Stadsnät och bredband")),
    services.CompanyInput("Lulebo AB", "556012-3456", "0920-23 50 00", "kundcenter@lulebo.demo", "www.lulebo.demo",
                          ("Bostadskö", "Felanmälan i lägenhet", "Hyresrätter")),
    services.CompanyInput("Luleå Hamn AB", "556528-0129", "0920-29 39 00", "info@luleahamn.demo",
                          "www.luleahamn.demo", ("Godshamn", "Kryssningsanlöp")),
    services.CompanyInput("Luleå Lokaltrafik AB", "556189-8700", "0920-20 03 00", "kundtjanst@llt.demo",
                          "www.llt.demo", ("Busskort och biljetter", "Busstrafik", "Hittegods i bussar")),
    services.CompanyInput("Luleå Miljöresurs AB", "556417-3333", "0920-45 36 00", "kundservice@lmab.demo",
                          "www.lmab.demo", ("Återvinningscentraler", "Slam och latrin", "Sophämtning")),
]


def seed_companies():
    """Add the demo companies that are missing, each with its story of cases."""
    added = []
    today = utcnow().astimezone(STOCKHOLM).date()
    for data in COMPANIES:
        if db.session.scalar(db.select(Company.id).where(Company.org_number == data.org_number)):
            continue
        created = _at(today - timedelta(days=400))
        company = services.create_company(ADMIN, data, now=created)
        STORIES.get(data.name, lambda company, today: None)(company, today)
        added.append(f"Bolag: {company.name} – {company.routing_label}")
    return added


def _energy_left_kundcenter(company, today):
    """Approved, and in effect since the first of a month some weeks ago."""
    effective = _next_first_of_month(today - timedelta(days=45))
    case = _submit(company, effective - timedelta(days=120), effective,
                   "Luleå Energi har byggt upp en egen kundtjänst med kvällsöppet och felanmälan dygnet runt. "
                   "Frågor om elavtal, elnät och fjärrvärme kräver åtkomst till bolagets kundsystem.")
    _prepare(case, effective - timedelta(days=100),
             "Bolagets frågor är till största delen avtals- och faktureringsfrågor som Kundcenter inte kan "
             "besvara direkt. Kundcenter hänvisar i dag nästan alla samtal vidare. Föreslås bifall, med "
             "samordning kring krisinformation vid elavbrott.")
    _decide(case, effective - timedelta(days=90), "approved", "KLF 2025/318", effective)
    services.apply_due_cases(now=_at(effective, time(0, 5)))


def _housing_prepared(company, today):
    case = _submit(company, today - timedelta(days=20), _next_first_of_month(today + timedelta(days=120)),
                   "Lulebo vill samla felanmälan och bostadskö i bolagets egen kundtjänst.")
    _prepare(case, today - timedelta(days=5),
             "Felanmälan kräver bolagets system, men många frågor om bostadskön besvaras i dag direkt av "
             "Kundcenter. Bör vägas mot målet att Kundcenter är kommunens huvudsakliga ingång.")


def _harbour_submitted(company, today):
    _submit(company, today - timedelta(days=2), _next_first_of_month(today + timedelta(days=95)),
            "Hamnens kunder är rederier och speditörer som ringer hamnkontoret direkt dygnet runt.")


def _transport_upcoming(company, today):
    effective = _next_first_of_month(today + timedelta(days=40))
    case = _submit(company, today - timedelta(days=60), effective,
                   "Ny biljettapp och eget kundcenter för busskort från årsskiftet.")
    _prepare(case, today - timedelta(days=30),
             "Biljettfrågorna kräver bolagets biljettsystem. Föreslås bifall; hittegods och störningsinformation "
             "samordnas fortsatt med Kundcenter.")
    _decide(case, today - timedelta(days=14), "approved", "KLF 2026/112", effective)


def _waste_rejected(company, today):
    case = _submit(company, today - timedelta(days=300), _next_first_of_month(today - timedelta(days=200)),
                   "Miljöresurs vill ta emot frågor om sophämtning i egen kundtjänst.")
    _prepare(case, today - timedelta(days=280),
             "Frågor om hämtningsdagar och abonnemang är typiska volymfrågor som Kundcenter besvarar direkt "
             "(över 80 % löses i första kontakten). Föreslås avslag.")
    _decide(case, today - timedelta(days=270), "rejected", "KLF 2025/077")


DIARY_NUMBERS = {"Luleå Energi AB": 118, "Lulebo AB": 642, "Luleå Hamn AB": 731, "Luleå Lokaltrafik AB": 577,
                 "Luleå Miljöresurs AB": 43}

STORIES = {
    "Luleå Energi AB": _energy_left_kundcenter,
    "Lulebo AB": _housing_prepared,
    "Luleå Hamn AB": _harbour_submitted,
    "Luleå Lokaltrafik AB": _transport_upcoming,
    "Luleå Miljöresurs AB": _waste_rejected,
}


def _submit(company, day, requested_from, reasons):
    """A letter that came in by post three days before it was typed in, with the diarium's number."""
    received_on = day - timedelta(days=3)
    diary_number = f"KS {received_on.year}/{DIARY_NUMBERS[company.name]:04d}"
    return services.submit_case(ADMIN, company.id, services.CaseInput(reasons, requested_from, received_on,
                                                                      diary_number), now=_at(day))


def _prepare(case, day, assessment):
    services.prepare_case(ADMIN, case.id, assessment, now=_at(day))


def _decide(case, day, outcome, reference, effective_from=None):
    services.decide_case(ADMIN, case.id, services.DecisionInput(outcome, day, reference, DIRECTOR, effective_from),
                         now=_at(day, time(14, 30)))


def _at(day, clock=time(10, 0)):
    """A moment on a local day, as the aware datetime services take."""
    return datetime.combine(day, clock, tzinfo=STOCKHOLM)


def _next_first_of_month(day):
    """The day itself if it is the first of a month, else the first of the next month."""
    return date(day.year, day.month, 1) if day.day == 1 else (day.replace(day=28) + timedelta(days=4)).replace(day=1)
