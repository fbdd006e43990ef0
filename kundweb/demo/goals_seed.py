"""Demo enquiries, telephony, survey and web figures: two years of them, so the service-goal
dashboard tells a story on first run (some goals met, some missed, e-services rising).

Generated with a fixed random seed relative to today; bulk-inserted (tens of thousands of
rows), then every complete month but the last is closed as an admin would.
"""
import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select

from kundweb.audit.services import Actor
from kundweb.database import utcnow
from kundweb.enquiries import services as enquiries
from kundweb.enquiries.models import Enquiry, EnquiryCategory, EnquiryTarget
from kundweb.extensions import db
from kundweb.goals import services as goals
from kundweb.goals.models import SurveyMonth, TelephonyCall, TelephonyDay, WebAssessment

ADMIN = Actor("david", frozenset({"admin"}))
MONTHS = 25  # two years back plus this month: every trend month has its year-earlier comparison
AGENTS = ["bertil", "agnes", "hussein", "maja", "tove", "jukka"]
CATEGORIES = {
    "Stadsbyggnadsförvaltningen": ["Bygglov", "Parkeringstillstånd", "Gatubelysning", "Snöröjning och halka"],
    "Barn- och utbildningsförvaltningen": ["Förskoleplats", "Skolskjuts", "Skolval"],
    "Socialförvaltningen": ["Hemtjänst", "Färdtjänst", "Ekonomiskt bistånd"],
    "Kultur- och fritidsförvaltningen": ["Bibliotek", "Badhus och idrottshallar", "Föreningsbidrag"],
    "Miljöförvaltningen": ["Buller och störningar", "Livsmedelskontroll"],
    "Kommunledningsförvaltningen": ["Allmänna handlingar", "Felanmälan övrigt"],
    "Luleå Energi AB": ["Elavbrott", "Fjärrvärme"],
    "Lulebo AB": ["Bostadskö", "Felanmälan i lägenhet"],
    "Luleå Lokaltrafik AB": ["Busskort och biljetter"],
    "Luleå Miljöresurs AB": ["Sophämtning", "Återvinningscentraler"],
}
RETIRED = ("Kommunledningsförvaltningen", "Coronavaccination (information)")
TARGETS = [("unit", name) for name in CATEGORIES if not name.endswith(" AB")] + \
          [("company", name) for name in CATEGORIES if name.endswith(" AB")] + \
          [("function", "Stadsbiblioteket"), ("function", "Badhuset"), ("function", "Återvinningscentralen")]
CHANNEL_MIX = {"telefon": 50, "epost": 18, "besok": 9, "chatt": 7, "facebook": 3, "brev": 2}  # + e-tjänst
CALL_MONTHS = 3  # the latest months get per-call telephony data too, for the telephony page and its heat map
# Calls by local hour on a weekday: a morning peak and one after lunch, as a contact centre sees them.
CALL_HOURS = {8: 14, 9: 16, 10: 13, 11: 10, 12: 7, 13: 12, 14: 10, 15: 8, 16: 5}


def seed_categories():
    """The demo categories (one of them retired) and forwarding targets, if there are no categories yet."""
    if db.session.scalar(select(func.count()).select_from(EnquiryCategory)):
        return []
    for group, names in CATEGORIES.items():
        for name in names:
            enquiries.add_category(ADMIN, group, name)
    retired = enquiries.add_category(ADMIN, *RETIRED, now=utcnow() - timedelta(days=700))
    enquiries.set_category_active(ADMIN, retired.id, False, now=utcnow() - timedelta(days=400))
    for kind, name in TARGETS:
        enquiries.add_target(ADMIN, kind, name)
    return [f"{sum(map(len, CATEGORIES.values())) + 1} ärendekategorier och {len(TARGETS)} mottagare"]


def seed_goals():
    """Categories, forwarding targets and two years of figures, if there are no enquiries yet."""
    lines = seed_categories()
    if db.session.scalar(select(func.count()).select_from(Enquiry)):
        return lines
    rows = _generate(random.Random(20180126), utcnow())
    lines.append(f"{rows} demoärenden, telefonistatistik och enkätsvar för {MONTHS} månader")
    return lines


def _generate(rng, now):
    today = now.astimezone(goals.STOCKHOLM).date()
    this_month = goals.current_month(now)
    months = goals.month_range(goals.add_months(this_month, -(MONTHS - 1)), this_month)
    categories = db.session.scalars(select(EnquiryCategory)).all()
    retired = [c for c in categories if not c.active]
    active = [c for c in categories if c.active]
    weights = [rng.uniform(0.3, 3.0) for _ in active]
    targets = db.session.scalars(select(EnquiryTarget)).all()
    rows, tel_rows, call_rows = [], [], []
    for index, month in enumerate(months):
        # A story: the direct share dips in the busy autumn and spring; e-services grow every year.
        season = {1: 1.5, 2: 1.0, 3: -1.5, 4: -2.5, 5: 0.5, 6: 2.0, 7: 3.0, 8: 0.0, 9: -3.0, 10: -2.0,
                  11: 1.0, 12: 2.0}[int(month[5:])]
        direct = 0.705 + season / 100 + rng.uniform(-0.01, 0.01)
        eservice = 0.06 + 0.0025 * index + rng.uniform(-0.004, 0.004)
        within = min(0.97, 0.905 - max(0, -season) / 100 * 1.6 + rng.uniform(-0.01, 0.012))
        day = goals.first_day(month)
        while day.strftime("%Y-%m") == month and day <= today:
            weekday = day.weekday() < 5
            count = rng.randint(95, 140) if weekday else rng.randint(6, 16)
            calls = 0
            for _ in range(count):
                channel = "etjanst" if rng.random() < eservice else _pick(rng, CHANNEL_MIX, weekday)
                calls += channel == "telefon"
                rows.append(_row(rng, day, channel, direct, active, weights, retired, targets, index, months, now))
            if weekday and calls:
                offered = int(calls * rng.uniform(1.05, 1.15))
                if index >= MONTHS - CALL_MONTHS:
                    day_calls = _calls(rng, day, month, offered, within)
                    call_rows += day_calls
                    answered = sum(c["answered"] for c in day_calls)
                    tel_rows.append({"day": day, "month": month, "offered": len(day_calls), "answered": answered,
                                     "answered_within": sum(c["answered"] and c["wait_seconds"] <= 300
                                                            for c in day_calls)})
                else:
                    answered = int(offered * rng.uniform(0.95, 0.99))
                    tel_rows.append({"day": day, "month": month, "offered": offered, "answered": answered,
                                     "answered_within": min(answered, round(offered * within))})
            day += timedelta(days=1)
        if month != this_month:
            satisfied = 0.74 + season / 150 + rng.uniform(-0.03, 0.02)
            responses = rng.randint(120, 190)
            top = round(responses * satisfied)
            low = responses - top
            db.session.add(SurveyMonth(month=month, scale=5, answer_1=low // 5, answer_2=low // 3,
                                       answer_3=low - low // 5 - low // 3, answer_4=round(top * 0.55),
                                       answer_5=top - round(top * 0.55), updated_at=now, updated_by="david"))
    rows = [r for r in rows if r["created_at"] <= now]
    db.session.execute(insert(Enquiry.__table__), rows)  # Core executemany: the ORM path is row by row
    db.session.execute(insert(TelephonyDay.__table__), tel_rows)
    if call_rows:
        db.session.execute(insert(TelephonyCall.__table__), call_rows)
    year = today.year
    for offset, top in ((2, 13.0), (1, 8.0)):
        db.session.add(WebAssessment(year=year - offset, top_percent=top, updated_at=now, updated_by="david",
                                     note="Demo: påhittad placering"))
    db.session.commit()
    for month in months[:-2]:  # the last complete month stays open for an admin to close
        goals.close_month(ADMIN, month, "Månadsrapporten (demodata)", now=now)
    return len(rows)


def _calls(rng, day, month, count, within):
    """A weekday's calls: local hours as CALL_HOURS, waits so that about `within` are answered in 5 minutes."""
    calls = []
    for hour in rng.choices(list(CALL_HOURS), weights=list(CALL_HOURS.values()), k=count):
        roll = rng.random()
        if roll < 0.02:  # hung up at once: a short abandon
            wait, answered = rng.randint(0, 4), False
        elif roll < 0.05:  # gave up waiting
            wait, answered = rng.randint(40, 500), False
        elif roll < 0.05 + within:  # "within" is the share of all calls answered in time
            wait, answered = int(rng.expovariate(1 / 70)) % 300, True
        else:
            wait, answered = rng.randint(301, 720), True
        calls.append({"day": day, "month": month, "hour": hour, "weekday": day.weekday(), "wait_seconds": wait,
                      "answered": answered})
    return calls


def _pick(rng, mix, weekday):
    if not weekday:
        mix = {"epost": 50, "facebook": 10, "chatt": 5, "brev": 1}
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _row(rng, day, channel, direct, active, weights, retired, targets, index, months, now):
    digital = channel in ("epost", "etjanst", "facebook", "brev")
    minute = rng.randint(0, 24 * 60 - 1) if digital else rng.randint(8 * 60, 17 * 60 - 1)
    local = datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)), tzinfo=goals.STOCKHOLM)
    roll = rng.random()
    outcome = "direct" if roll < direct else ("forwarded" if roll < direct + 0.2 else
                                              ("registry" if roll < direct + 0.23 else "callback"))
    # A category retired a year and a half ago still has its old enquiries.
    category = retired[0] if retired and index < 7 and rng.random() < 0.04 else \
        rng.choices(active, weights=weights)[0]
    return {"created_at": local.astimezone(goals.STOCKHOLM).astimezone(now.tzinfo),
            "local_date": day, "month": day.strftime("%Y-%m"), "agent": rng.choice(AGENTS), "channel": channel,
            "category_id": category.id, "outcome": outcome,
            "target_id": rng.choice(targets).id if outcome == "forwarded" and targets else None,
            "wait_seconds": rng.randint(5, 420) if channel == "telefon" and rng.random() < 0.3 else None,
            "note": None, "crisis_id": None, "submission_key": None}
