#!/usr/bin/env python3
"""Kundweb load benchmark: each scenario's throughput as a ratio of the trivial /livez.

    .venv/bin/python scripts/bench.py [--quick] [--only NAME ...] [--rounds N] [--duration S] [--list]

What it does, all on 127.0.0.1:
  1. recreates the throwaway work dir bench/work/ (git-ignored) with a SQLite database,
     runs the migrations (`flask db upgrade`) and the selected scenarios' setup hooks;
  2. starts `gunicorn -w 2` (development config, debug off, random secret key, demo
     directory) on a free port and waits for /livez; when a selected scenario needs it,
     a second one with the same flags serving bench/reference_app.py (see below);
  3. logs in once per role a scenario needs (demo directory users) and passes the
     session cookie to wrk with -H "Cookie: ...";
  4. per round and per scenario runs the baseline GET /livez and the scenario back to
     back with `wrk --latency` (same connection count; the order alternates between
     rounds so slow drift on a noisy machine does not always favour one side);
  5. writes bench/RESULTS.md (and prints the table): the MEDIAN over rounds of the
     per-round ratios scenario/baseline. Absolute numbers are only given as context
     next to the ratios; on a shared machine they mean little on their own.

Exit code: 0 all targets met (or none set), 1 a scenario with a target missed it (or
had errors), 2 the benchmark could not run, 130 interrupted. gunicorn is always stopped
by its PID (SIGTERM, bounded wait, then SIGKILL of its own process group).

Adding a scenario: append a `Scenario(...)` to SCENARIOS below. A scenario that needs
data declares `setup=some_function` (or a tuple of them, run in order); it gets a
`BenchEnv` (work dir, database URL, the server's environment, `env.flask(...)` for CLI
commands, `env.create_app()` for an in-process app on the bench database, and `env.data`
for values to put in the path, e.g. path="/persons/{person_id}"). Identical setup
functions run only once per run. A target may be relative to another scenario measured in the
same run: `target=0.9, target_of="directory_search"` (selecting the one selects the other too).

Calibration against a bare app: a scenario with `server="reference"` runs against
bench/reference_app.py (plain Flask + sqlite3, not Kundweb: a bare directory search and a
bare enquiry save, with and without a session check or the audit chain) on a second
gunicorn with the same worker count and flags, started only when such a scenario is
selected, on a copy of the bench database made after the setup hooks (so its posts do not
add to the enquiries Kundweb's post_enquiry counts after each save, nor the other way
round). Its baseline is the reference server's own /livez in the same round. These scenarios have no targets: they tell how close to /livez the bare
work itself gets on this machine, i.e. the ceiling under Kundweb's targets.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
WORK_DIR = BENCH_DIR / "work"
LUA_DIR = BENCH_DIR / "lua"
REPORT_LUA = LUA_DIR / "report.lua"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"  # never anything else
BASELINE_PATH = "/livez"

# Run settings.
FULL = {"rounds": 5, "duration": 5, "warmup": 2}
QUICK = {"rounds": 2, "duration": 2, "warmup": 1}
DEFAULT_CONNECTIONS = 16
WRK_THREADS = 2
WRK_TIMEOUT_S = 5  # wrk counts a response slower than this as a timeout error
GUNICORN_WORKERS = 2
SERVER_START_TIMEOUT_S = 30
SERVER_STOP_TIMEOUT_S = 10
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# The demo directory's users (public demo passwords, see kundweb/demo/directory.json).
DEMO_USERS = {
    "employee": ("anna", "demo-anna"),
    "agent": ("bertil", "demo-bertil"),
    "communicator": ("cecilia", "demo-cecilia"),
    "admin": ("david", "demo-david"),
}


class BenchError(Exception):
    """The benchmark itself could not run (server down, login failed, wrk missing...)."""


# --------------------------------------------------------------------------- scenarios

@dataclass
class BenchEnv:
    """What a scenario's setup hook gets: the bench database and server environment."""

    root: Path
    work_dir: Path
    database_url: str
    environ: dict  # the exact environment gunicorn and the flask CLI run with
    data: dict = field(default_factory=dict)  # setup hooks' values for path templates

    def flask(self, *args, timeout=900):
        """Run `flask <args>` (FLASK_APP=app.py) against the bench database."""
        return run_checked([str(VENV_BIN / "flask"), *args], env=self.environ, cwd=self.root,
                           timeout=timeout, what="flask " + " ".join(args))

    def create_app(self):
        """An in-process app on the bench database, for bulk-loading with the ORM."""
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        from kundweb import create_app

        return create_app({
            "ENV_NAME": "development",
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SECRET_KEY": self.environ["KUNDWEB_SECRET_KEY"],
            "LDAP_URL": "",
            "DEBUG": False,
        })


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str  # may contain {placeholders} filled from BenchEnv.data after setup
    description: str
    method: str = "GET"
    lua: str | None = None  # file name in bench/lua/ (e.g. a request body); report.lua is appended
    setup: Callable[[BenchEnv], None] | tuple | None = None  # a hook, or several run in order
    login_role: str | None = None  # log in as this role's demo user; None = anonymous
    target: float | None = None  # minimum median throughput ratio vs /livez; None = no target
    # With target_of, the target is relative: `target` x that scenario's median ratio in the same run
    # (selecting this scenario selects that one too).
    target_of: str | None = None
    connections: int | None = None  # None = DEFAULT_CONNECTIONS
    expect_status: tuple = (200,)  # any other status counts as an error
    preflight: bool = True  # check one plain request answers expect_status before measuring
    headers: tuple = ()  # (name, value) pairs; values may contain {placeholders} like path
    csrf_from: str | None = None  # GET this page (logged in) and send its CSRF token as X-CSRFToken
    verify: Callable | None = None  # (env, Result) -> {error kind: count}: did the requests do their work?
    # In-process comparison (env) -> {"value_ms", "baseline_ms", "ratio", ...}, run before the server starts;
    # met when ratio <= in_process_max_ratio.
    in_process: Callable | None = None
    in_process_max_ratio: float | None = None
    optional: bool = False  # run only when named with --only (e.g. it needs the real test servers)
    server: str = "kundweb"  # or "reference": bench/reference_app.py, for calibration (see SERVERS)

    def conns(self):
        return self.connections or DEFAULT_CONNECTIONS

    def setups(self):
        if self.setup is None:
            return ()
        return self.setup if isinstance(self.setup, tuple) else (self.setup,)


def active_crisis_message(env):
    """One active crisis message, as during a crisis; its banner ETag for If-None-Match."""
    app = env.create_app()  # also puts the project on sys.path
    from kundweb.audit.services import Actor
    from kundweb.crisis import services as crisis

    with app.app_context():
        actor = Actor("cecilia", frozenset({"communicator"}))
        message = crisis.create_message(actor, crisis.MessageInput(
            "Vattenläcka i centrala Luleå", "Vattnet är avstängt i centrum.\n\nLäs mer på https://www.lulea.se/vatten",
            "critical"))
        crisis.publish_now(actor, message.id)
        env.data["crisis_etag"] = '"' + crisis.etag_for(crisis.active_messages()) + '"'


# --- enquiries and service goals ---------------------------------------------------------------

ENQUIRY_YEARS = 5
ENQUIRY_ROWS = 1_000_000


def enquiry_categories(env):
    """The demo categories and forwarding targets (kundweb.demo.goals_seed); the first one's id for posting."""
    app = env.create_app()
    from kundweb.demo.goals_seed import seed_categories
    from kundweb.enquiries import services as enquiries

    with app.app_context():
        seed_categories()
        env.data["category_id"] = enquiries.categories()[0].id


def million_enquiries(env):
    """1,000,000 enquiries over the last five years, bulk-inserted with plain executemany in big transactions,
    half the direct ones naming one of ~2,000 answers (bench_answers).

    Spread evenly over the days (more on weekdays), with a realistic mix of channels and outcomes;
    `year` is the last complete year, the one the dashboard scenario shows.
    """
    import random
    import sqlite3

    enquiry_categories(env)
    app = env.create_app()
    from kundweb.enquiries.models import EnquiryCategory

    with app.app_context():
        category_ids = [c.id for c in EnquiryCategory.query.all()]
    started = time.monotonic()
    rng = random.Random(1000000)
    today = dt.date.today()
    used_answers = bench_answers(env.work_dir / "bench.sqlite3", category_ids, rng, today)
    first = dt.date(today.year - ENQUIRY_YEARS, today.month, 1)
    days = [first + dt.timedelta(days=i) for i in range((today - first).days)]
    weights = [5 if day.weekday() < 5 else 1 for day in days]
    per_weight = ENQUIRY_ROWS / sum(weights)
    channels = ["telefon"] * 50 + ["epost"] * 18 + ["besok"] * 9 + ["chatt"] * 7 + ["facebook"] * 3 + \
               ["brev"] * 2 + ["etjanst"] * 11
    outcomes = ["direct"] * 70 + ["forwarded"] * 22 + ["registry"] * 3 + ["callback"] * 5
    agents = ["bertil", "agnes", "hussein", "maja", "tove", "jukka"]
    stockholm = __import__("zoneinfo").ZoneInfo("Europe/Stockholm")
    connection = sqlite3.connect(env.work_dir / "bench.sqlite3")
    sql = ("INSERT INTO enquiry (created_at, local_date, month, agent, channel, category_id, outcome, answer_id) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    written, carry, batch = 0, 0.0, []
    for day, weight in zip(days, weights):
        carry += weight * per_weight
        count, carry = int(carry), carry - int(carry)
        month, local_date = day.strftime("%Y-%m"), day.isoformat()
        for _ in range(count):
            local = dt.datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59),
                                rng.randint(0, 59), tzinfo=stockholm)
            created = local.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000000")
            outcome = rng.choice(outcomes)
            # About half the direct answers name the answer used, the popular ones far more often.
            answer_id = rng.choice(used_answers) if outcome == "direct" and rng.random() < ANSWER_USE_SHARE else None
            batch.append((created, local_date, month, rng.choice(agents), rng.choice(channels),
                          rng.choice(category_ids), outcome, answer_id))
        if len(batch) >= 100_000:
            with connection:
                connection.executemany(sql, batch)
            written, batch = written + len(batch), []
    with connection:
        connection.executemany(sql, batch)
    written += len(batch)
    connection.execute("ANALYZE")
    connection.close()
    env.data["year"] = today.year - 1
    env.data["load_seconds"] = time.monotonic() - started
    log(f"  {written:,} enquiries over {ENQUIRY_YEARS} years loaded in {env.data['load_seconds']:.0f} s")


ANSWERS = 2_000
ANSWER_USE_SHARE = 0.5


def bench_answers(database, category_ids, rng, today):
    """~2,000 answers of one department (85 % published, some past their review date) and open
    proposals, with plain executemany; returns the published ids weighted by how popular each is."""
    import sqlite3

    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000000")
    connection = sqlite3.connect(database)
    with connection:
        unit_id = connection.execute("INSERT INTO directory_unit (name, created_at) VALUES (?, ?)",
                                     ("Benchförvaltningen", now)).lastrowid
        rows = []
        for number in range(ANSWERS):
            status = rng.choices(["published", "draft", "archived"], [85, 10, 5])[0]
            published = (today - dt.timedelta(days=rng.randint(1, 5 * 365))).isoformat() + " 08:00:00.000000"
            rows.append((f"Fråga {number} om {rng.choice(['bygglov', 'soptömning', 'förskola', 'parkering'])}?",
                         "", "", f"Svar {number}.\n\nLäs mer på https://www.lulea.se/{number}", "[]", unit_id,
                         rng.choice(category_ids), rng.choice(["intern", "publik"]), status,
                         (today + dt.timedelta(days=rng.randint(-200, 400))).isoformat(), 1, now, "bench", now, "bench",
                         published if status != "draft" else None))
        connection.executemany(
            "INSERT INTO answer (question, phrasings, keywords, body, links, unit_id, category_id, visibility, status, "
            "review_by, version, created_at, created_by, updated_at, updated_by, published_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        published = [row[0] for row in connection.execute("SELECT id FROM answer WHERE status = 'published'")]
        connection.executemany(
            "INSERT INTO answer_proposal (kind, unit_id, text, state, proposed_at, proposed_by) "
            "VALUES ('missing', ?, ?, 'open', ?, 'bertil')", [(unit_id, f"Förslag {i}", now) for i in range(40)])
    connection.close()
    # A long tail: the first tenth of the answers are used ten times as often as the rest; a few never.
    popular = published[: len(published) // 10]
    return popular * 10 + published[len(published) // 10: -len(published) // 20]


def posted_enquiries(env, result):
    """The posts must have logged enquiries, not answered a form with errors (that is a 200 too)."""
    app = env.create_app()
    from sqlalchemy import func, select

    from kundweb.enquiries.models import Enquiry
    from kundweb.extensions import db

    with app.app_context():
        logged = db.session.scalar(select(func.count()).select_from(Enquiry)
                                   .where(Enquiry.submission_key.like("bench-%")))
    answered = sum(s.statuses.get(200, 0) for _, s in result.rounds)
    log(f"post_enquiry: {logged:,} enquiries logged, {answered:,} answered 200 in the measured rounds")
    return {} if logged >= answered else {"not logged": answered - logged}


def dashboard_vs_sql(env, repeats=7):
    """The dashboard for a full year against the raw aggregate SQL that computes the same figures.

    Both in this process, on the same database, alternating, after a warm-up: the page through
    Flask's test client as a logged-in admin (session, template, everything), the SQL through
    sqlite3. The SQL: month x channel x outcome counts for the 25 months the page needs (the
    year, the 13-month trend and each month's year-earlier comparison), category x outcome
    counts for the year, and the telephony and survey sums. Returns median milliseconds.
    """
    year = env.data["year"]
    first, last = f"{year - 2}-12", f"{year}-12"
    return page_vs_sql(env, f"/servicemal?from={year}-01&to={year}-12", [
        ("SELECT month, channel, outcome, count(*) FROM enquiry WHERE month BETWEEN ? AND ? "
         "GROUP BY month, channel, outcome", (first, last)),
        ("SELECT category_id, outcome, count(*) FROM enquiry WHERE month BETWEEN ? AND ? "
         "GROUP BY category_id, outcome", (f"{year}-01", f"{year}-12")),
        ("SELECT month, sum(offered), sum(answered), sum(answered_within) FROM goal_telephony_day "
         "WHERE month BETWEEN ? AND ? GROUP BY month", (first, last)),
        ("SELECT * FROM goal_survey_month WHERE month BETWEEN ? AND ?", (first, last)),
    ], repeats)


def gap_report_vs_sql(env, repeats=7):
    """Kunskapsbanken's gap report for a full year against the raw aggregate SQL behind it.

    The SQL: month x category x outcome counts with the enquiries that named an answer, the
    published answers per category, the year's 20 most used answers, the published answers no
    enquiry named in the last seven months, those past their review date and the open proposals.
    """
    year = env.data["year"]
    today = dt.date.today()
    since_year, since_month = divmod(today.year * 12 + today.month - 1 - 6, 12)
    since = f"{since_year:04d}-{since_month + 1:02d}"
    return page_vs_sql(env, f"/kunskapsbanken/rapport?from={year}-01&to={year}-12", [
        ("SELECT month, category_id, outcome, count(*), count(answer_id) FROM enquiry WHERE month BETWEEN ? AND ? "
         "GROUP BY month, category_id, outcome", (f"{year}-01", f"{year}-12")),
        ("SELECT category_id, count(*) FROM answer WHERE status = 'published' AND category_id IS NOT NULL "
         "GROUP BY category_id", ()),
        ("SELECT answer_id, count(*) FROM enquiry WHERE month BETWEEN ? AND ? AND answer_id IS NOT NULL "
         "GROUP BY answer_id ORDER BY count(*) DESC, answer_id LIMIT 20", (f"{year}-01", f"{year}-12")),
        ("SELECT id, question FROM answer WHERE status = 'published' AND published_at < ? AND id NOT IN "
         "(SELECT answer_id FROM enquiry WHERE month >= ? AND answer_id IS NOT NULL)", (f"{since}-01", since)),
        ("SELECT id, question FROM answer WHERE status = 'published' AND review_by < ?", (today.isoformat(),)),
        ("SELECT * FROM answer_proposal WHERE state = 'open'", ()),
    ], repeats)


def page_vs_sql(env, path, queries, repeats):
    """A page through Flask's test client as a logged-in admin (session, template, everything) against
    the raw aggregate SQL `queries` that compute the same figures, through sqlite3: both in this process,
    on the same database, alternating, after a warm-up. Returns median milliseconds."""
    import sqlite3

    app = env.create_app()
    client = app.test_client()
    username, password = DEMO_USERS["admin"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)})
    if response.status_code != 302:
        raise BenchError(f"in-process login failed: {response.status_code}")
    connection = sqlite3.connect(env.work_dir / "bench.sqlite3")

    def raw_sql():
        for sql, parameters in queries:
            connection.execute(sql, parameters).fetchall()

    def page():
        response = client.get(path)
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}")

    timings = {"sql": [], "page": []}
    for _ in range(2):
        raw_sql()
        page()
    for i in range(repeats):
        for name, run in ([("sql", raw_sql), ("page", page)] if i % 2 == 0 else [("page", page), ("sql", raw_sql)]):
            started = time.perf_counter()
            run()
            timings[name].append((time.perf_counter() - started) * 1000)
    connection.close()
    sql_ms, page_ms = statistics.median(timings["sql"]), statistics.median(timings["page"])
    return {"what": f"GET {path} vs the raw aggregate SQL", "value_ms": page_ms, "baseline_ms": sql_ms,
            "ratio": page_ms / sql_ms, "rows": ENQUIRY_ROWS,
            "note": f"data loaded in {env.data.get('load_seconds', 0):.0f} s"}


# --- the extension directory ----------------------------------------------------------------

DIRECTORY_PEOPLE = 20_000
DIRECTORY_FUNCTIONS = 500
# What agents type while a caller waits: name prefixes, two-word names, å/ä/ö, an extension's
# digits and a caller's number in another format than it was saved in (the same list as the Lua script).
DIRECTORY_QUERIES = ["and", "lind", "anna lin", "östl", "åsa", "berg", "karl ber", "häggs", "5191",
                     "0920-45 51", "+46 920 455191", "sven"]
BENCH_AD_OU = "OU=KundwebBench"
DIRECTORY_FRAGMENT = (("HX-Request", "true"), ("HX-Target", "directory-results"))  # what htmx sends


def directory_20k(env):
    """20,000 people through the AD sync's own code path (as the nightly job creates them) and 500 functions."""
    app = env.create_app()
    from kundweb.audit.services import Actor
    from kundweb.database import utcnow
    from kundweb.demo import people
    from kundweb.directory import search, services, sync

    started = time.monotonic()
    with app.app_context():
        report = sync.apply_accounts([person.account() for person in people.generate(DIRECTORY_PEOPLE)], utcnow())
        admin = Actor("david", frozenset({"admin"}))
        units = [services.unit_named(name, utcnow()).id for name in people.DEPARTMENTS]
        kinds = ["Förskolan", "Fritidsgården", "Biblioteksfilialen", "Idrottshallen", "Skolan", "Äldreboendet",
                 "Återvinningsstationen", "Simhallen", "Ungdomens hus", "Träffpunkten"]
        places = ["Björkskatan", "Hertsön", "Porsön", "Gammelstad", "Bergnäset", "Kallax", "Råneå", "Sunderby",
                  "Örnäset", "Lövskatan", "Malmudden", "Mjölkudden", "Notviken", "Skurholmen", "Svartöstaden",
                  "Storheden", "Södra Sunderbyn", "Antnäs", "Ersnäs", "Alvik", "Persön", "Måttsund", "Karlsvik",
                  "Hällbacken", "Kronan", "Tuna", "Centrum", "Lerbäcken", "Bensbyn", "Brändön", "Sandön",
                  "Klöverträsk", "Lulsundet", "Rutvik", "Smedsbyn", "Norra hamn", "Östermalm", "Västermalm",
                  "Ytterviken", "Gäddvik", "Kängsön", "Vitå", "Harads", "Sörbyn", "Gäddviken", "Stadsön",
                  "Skurholmsfjärden", "Hälleström", "Björsbyn", "Norrfjärden"]
        for n in range(DIRECTORY_FUNCTIONS):
            name = f"{kinds[n % len(kinds)]} {places[n // len(kinds) % len(places)]}"
            services.save_function(admin, None, services.FunctionInput(
                name=name, phone=f"0920-2{n // 100} {n % 100:02d} 00", email=f"funktion{n}@kundweb.demo",
                unit_id=units[n % len(units)], opening_hours="Mån–fre 08–16", public=n % 3 == 0,
                keywords="lokal verksamhet"), utcnow())
        search.optimize_index()  # as the nightly sync leaves the index
    log(f"  {len(report.created):,} people and {DIRECTORY_FUNCTIONS} functions loaded in "
        f"{time.monotonic() - started:.0f} s")


# --- Kunskapsbanken's answers -----------------------------------------------------------------

ANSWERS = 2_000
# What citizens ask Kundcenter most (the volume questions), as questions, other phrasings and keywords.
ANSWER_TOPICS = [
    ("Hur söker jag bygglov för {x}?", "Bygglov {x}\nBehöver jag lov för {x}", "bygglov anmälan"),
    ("När hämtas soporna i {x}?", "Sophämtning {x}\nTömning av kärl", "avfall sophämtning renhållning"),
    ("Hur ansöker jag om förskoleplats i {x}?", "Förskola {x}\nKö till förskolan", "förskoleplats barnomsorg"),
    ("Har mitt barn rätt till skolskjuts i {x}?", "Skolskjuts {x}\nSkolbuss", "skolskjuts elevresor"),
    ("Hur får jag parkeringstillstånd för rörelsehindrade?", "Parkering handikapp {x}", "parkeringstillstånd"),
    ("När plogas gatorna i {x}?", "Snöröjning {x}\nPlogning av min gata", "snöröjning vinterväghållning"),
    ("Vad gör jag vid vattenläcka i {x}?", "Vatten och avlopp {x}\nInget vatten", "vatten avlopp VA felanmälan"),
    ("Hur söker jag bostadsanpassning?", "Anpassa bostaden {x}", "bostadsanpassning bidrag"),
    ("Hur ansöker jag om färdtjänst?", "Färdtjänst {x}\nResa med färdtjänst", "färdtjänst riksfärdtjänst"),
    ("Hur söker jag ekonomiskt bistånd?", "Försörjningsstöd {x}\nSocialbidrag", "ekonomiskt bistånd"),
    ("Var lämnar jag grovsopor i {x}?", "Återvinningscentral {x}", "grovsopor återvinning"),
    ("Hur överklagar jag ett beslut?", "Överklaga {x}", "överklagande"),
    ("Hur anmäler jag fel på gatubelysning i {x}?", "Trasig lampa {x}", "gatubelysning felanmälan"),
    ("Hur får jag plats i äldreboende?", "Särskilt boende {x}", "äldreboende hemtjänst"),
    ("Vilka öppettider har simhallen i {x}?", "Simhall {x}\nBadhus", "simhall bad öppettider"),
]
ANSWER_PLACES = ["Björkskatan", "Hertsön", "Porsön", "Gammelstad", "Bergnäset", "Kallax", "Råneå", "Sunderby",
                 "Örnäset", "Lövskatan", "Malmudden", "Mjölkudden", "Notviken", "Skurholmen", "Svartöstaden",
                 "Storheden", "Antnäs", "Ersnäs", "Alvik", "Persön", "Måttsund", "Karlsvik", "Hällbacken",
                 "Kronan", "Tuna", "Centrum", "Lerbäcken", "Bensbyn", "Brändön", "Sandön", "Klöverträsk",
                 "Rutvik", "Smedsbyn", "Östermalm", "Västermalm", "Gäddvik", "Kängsön", "Vitå", "Sörbyn",
                 "Norrfjärden"]


def answers_2k(env):
    """2,000 answers through the ORM (the search columns as every save writes them), owned by the
    directory's departments: most published, some drafts and archived ones, a tenth past their review date."""
    app = env.create_app()
    from kundweb.answers.models import Answer
    from kundweb.database import utcnow
    from kundweb.demo import people
    from kundweb.directory import services
    from kundweb.extensions import db

    started = time.monotonic()
    with app.app_context():
        now = utcnow()
        units = [services.unit_named(name, now).id for name in people.DEPARTMENTS]
        today = now.date()
        for n in range(ANSWERS):
            question, phrasings, keywords = ANSWER_TOPICS[n % len(ANSWER_TOPICS)]
            place = ANSWER_PLACES[n // len(ANSWER_TOPICS) % len(ANSWER_PLACES)]
            round_ = n // (len(ANSWER_TOPICS) * len(ANSWER_PLACES))
            text = question.format(x=place) + (f" (variant {round_ + 1})" if round_ else "")
            status = "draft" if n % 20 == 7 else "archived" if n % 20 == 13 else "published"
            db.session.add(Answer(
                question=text, phrasings=phrasings.format(x=place), keywords=keywords,
                body=f"Så här gör du: {text}\n\nLäs mer på lulea.se.",
                links=[{"label": "lulea.se", "url": "https://www.lulea.se/"}], unit_id=units[n % len(units)],
                visibility="publik" if n % 3 else "intern", status=status,
                review_by=today - dt.timedelta(days=30) if n % 10 == 3 else today + dt.timedelta(days=200),
                created_at=now, created_by="david", updated_at=now, updated_by="david",
                published_at=now if status != "draft" else None))
            if n % 500 == 499:
                db.session.commit()
        db.session.commit()
    log(f"  {ANSWERS:,} answers loaded in {time.monotonic() - started:.0f} s")


def _test_ad():
    """The real Samba AD of the test setup (`bash scripts/testservers.sh start; source .testservers/env`)."""
    names = ["KUNDWEB_TEST_AD_URL", "KUNDWEB_TEST_AD_BASE_DN", "KUNDWEB_TEST_AD_BIND_DN",
             "KUNDWEB_TEST_AD_BIND_PASSWORD", "KUNDWEB_TEST_AD_ADMIN_DN", "KUNDWEB_TEST_AD_ADMIN_PASSWORD"]
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise BenchError("directory_search_vs_ad needs the test servers: bash scripts/testservers.sh start; "
                         "source .testservers/env (missing " + ", ".join(missing) + ")")
    return {name: os.environ[name] for name in names}


def _ldap_tool(tool, ad, *args, stdin=None, timeout=3600, check=True):
    cmd = [tool, "-x", "-H", ad["KUNDWEB_TEST_AD_URL"], "-D", ad["KUNDWEB_TEST_AD_ADMIN_DN"],
           "-w", ad["KUNDWEB_TEST_AD_ADMIN_PASSWORD"], *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise BenchError(f"{tool} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[:500]}")
    return proc


def _remove_bench_users(ad):
    base = f"{BENCH_AD_OU},{ad['KUNDWEB_TEST_AD_BASE_DN']}"
    proc = _ldap_tool("ldapdelete", ad, "-r", base, check=False)
    if proc.returncode not in (0, 32):  # 32: no such object, nothing to remove
        raise BenchError(f"could not remove {base}: {proc.stderr.decode(errors='replace')[:300]}")


def _bench_users_in_ad(ad):
    """How many users the benchmark's OU in AD holds now (0 when there is no such OU)."""
    base = f"{BENCH_AD_OU},{ad['KUNDWEB_TEST_AD_BASE_DN']}"
    proc = _ldap_tool("ldapsearch", ad, "-LLL", "-b", base, "-s", "one", "-E", "pr=1000/noprompt",
                      "(objectClass=user)", "dn", check=False)
    if proc.returncode == 32:  # no such object
        return 0
    if proc.returncode != 0:
        raise BenchError(f"ldapsearch failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[:300]}")
    return sum(1 for line in proc.stdout.splitlines() if line.startswith(b"dn:"))


def directory_20k_in_ad(env):
    """The same 20,000 people in the test Samba AD too, in an OU of their own.

    Loading takes 4 to 20 minutes (Samba indexes every entry; slower on a busy machine), so
    users an earlier run kept (KUNDWEB_BENCH_KEEP_AD_USERS=1) or left behind when interrupted
    are reused: ldapadd -c adds only the missing ones (the same generator, so the same people).
    """
    import base64

    directory_20k(env)
    ad = _test_ad()
    from kundweb.demo import people

    present = _bench_users_in_ad(ad)
    if present == DIRECTORY_PEOPLE:
        log(f"  {present:,} users already in Samba AD from an earlier run: reused")
        return
    base = f"{BENCH_AD_OU},{ad['KUNDWEB_TEST_AD_BASE_DN']}"

    def line(name, value):
        if value.isascii() and not value.startswith((" ", ":", "<")):
            return f"{name}: {value}"
        return f"{name}:: {base64.b64encode(value.encode()).decode()}"

    blocks = [f"dn: {base}\nobjectClass: organizationalUnit\nou: KundwebBench\n"]
    for person in people.generate(DIRECTORY_PEOPLE):
        attributes = [("objectClass", "user"), ("sAMAccountName", person.username),
                      ("givenName", person.given_name), ("sn", person.surname),
                      ("displayName", person.display_name), ("mail", person.email), ("title", person.title),
                      ("department", person.department), ("telephoneNumber", person.direct_number),
                      ("ipPhone", person.extension), ("userAccountControl", "514" if person.disabled else "544")]
        if person.mobile:
            attributes.append(("mobile", person.mobile))
        dn = f"CN={person.display_name} ({person.username}),{base}"
        blocks.append("\n".join([line("dn", dn)] + [line(name, value) for name, value in attributes]) + "\n")
    started = time.monotonic()
    # -c: go on past entries that exist already (68); what counts is the number there afterwards.
    _ldap_tool("ldapadd", ad, "-c", stdin="\n".join(blocks).encode(), check=False)
    loaded = _bench_users_in_ad(ad)
    if loaded != DIRECTORY_PEOPLE:
        raise BenchError(f"Samba AD holds {loaded:,} benchmark users, not {DIRECTORY_PEOPLE:,}")
    log(f"  {DIRECTORY_PEOPLE - present:,} users added to Samba AD in {time.monotonic() - started:.0f} s "
        f"({present:,} were there already)")


def search_vs_live_ad(env, repeats=3):
    """Kundweb's search against the same search done live in AD, both in this process, one at a time.

    Ours: GET /katalog?q=... through Flask's test client as a logged-in agent (session,
    index, template, everything); AD's: ldap_client.Directory.search_people over LDAP, on
    the same 20,000 people. The query mix is the Lua script's. Throughput one request at
    a time = 1 / latency, so the ratio of milliseconds is the ratio of throughputs. The
    benchmark's users are removed from AD afterwards, unless KUNDWEB_BENCH_KEEP_AD_USERS=1.
    """
    ad = _test_ad()
    app = env.create_app()
    from kundweb import create_app, ldap_client

    ad_app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": env.database_url,
                         "SECRET_KEY": env.environ["KUNDWEB_SECRET_KEY"], "DEBUG": False,
                         "LDAP_URL": ad["KUNDWEB_TEST_AD_URL"], "LDAP_BASE_DN": ad["KUNDWEB_TEST_AD_BASE_DN"],
                         "LDAP_BIND_DN": ad["KUNDWEB_TEST_AD_BIND_DN"],
                         "LDAP_BIND_PASSWORD": ad["KUNDWEB_TEST_AD_BIND_PASSWORD"],
                         "LDAP_TLS_VALIDATE": False, "LDAP_RECEIVE_TIMEOUT": 600})
    directory = ldap_client.get_directory(ad_app)
    client = app.test_client()
    username, password = DEMO_USERS["agent"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    if client.post("/login", data={"username": username, "password": password,
                                   "csrf_token": token.group(1)}).status_code != 302:
        raise BenchError("in-process login failed")
    headers = dict(DIRECTORY_FRAGMENT)

    def ours():
        for query in DIRECTORY_QUERIES:
            if client.get("/katalog", query_string={"q": query}, headers=headers).status_code != 200:
                raise BenchError(f"/katalog?q={query} failed")

    def live():
        with ad_app.app_context():
            for query in DIRECTORY_QUERIES:
                directory.search_people(query)

    try:
        ours()  # warm-up: templates, caches
        ad_ms, our_ms = [], []
        for _ in range(repeats):
            for run, into in ((live, ad_ms), (ours, our_ms)):
                started = time.perf_counter()
                run()
                into.append((time.perf_counter() - started) * 1000 / len(DIRECTORY_QUERIES))
    finally:
        if os.environ.get("KUNDWEB_BENCH_KEEP_AD_USERS") != "1":
            _remove_bench_users(ad)  # the real-AD tests expect only their own users
    value, baseline = statistics.median(our_ms), statistics.median(ad_ms)
    return {"what": "Kundweb search (GET /katalog, agent) vs the same search live in Samba AD, ms per query",
            "value_ms": value, "baseline_ms": baseline, "ratio": value / baseline,
            "note": f"{baseline / value:,.0f}x the throughput; {DIRECTORY_PEOPLE:,} people in both"}


# --- calibration: the bare reference app (bench/reference_app.py) ---------------------------------

REFERENCE_SESSION_COOKIE = "ref_session"  # the reference app reads the raw token from this cookie


def reference_session(env):
    """An open user_session row, as a login writes it, for the reference app's session check.

    The cookie carries the raw token; the row is keyed by its SHA-256 (as
    kundweb/auth/services.py `hash_token`). Written with sqlite3: the reference side
    does not go through Kundweb.
    """
    import hashlib
    import sqlite3

    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    connection = sqlite3.connect(env.work_dir / "bench.sqlite3")
    with connection:
        connection.execute(
            "INSERT INTO user_session (token_hash, username, display_name, email, directory_guid, roles, "
            "created_at, last_seen_at, roles_checked_at, remote_addr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (hashlib.sha256(token.encode()).hexdigest(), "bertil", "Bertil (reference)", "", "", "employee,agent",
             now, now, now, HOST))
    connection.close()
    env.data["reference_session"] = f"{REFERENCE_SESSION_COOKIE}={token}"


def _reference_posted(env, result, prefix, audited):
    """Enquiries with this submission-key prefix in the database; if audited, the audit chain unforked."""
    import sqlite3

    connection = sqlite3.connect(env.work_dir / SERVERS["reference"]["database"])
    try:  # one statement, one snapshot: a worker may still be finishing a save
        logged, events, distinct_prev, head = connection.execute(
            "SELECT (SELECT count(*) FROM enquiry WHERE submission_key LIKE ?), (SELECT count(*) FROM audit_event), "
            "(SELECT count(DISTINCT prev_hash) FROM audit_event), "
            "(SELECT last_id FROM audit_chain_head WHERE id = 1)", (prefix + "-%",)).fetchone()
    finally:
        connection.close()
    answered = sum(s.statuses.get(200, 0) for _, s in result.rounds)
    log(f"{result.scenario.name}: {logged:,} enquiries logged, {answered:,} answered 200 in the measured rounds")
    errors = {} if logged >= answered else {"not logged": answered - logged}
    if audited and (distinct_prev != events or head not in (None, events)):
        errors["audit chain forked"] = 1
    return errors


def reference_posted(env, result):
    return _reference_posted(env, result, "ref-post", audited=False)


def reference_posted_audited(env, result):
    return _reference_posted(env, result, "ref-audited", audited=True)


SCENARIOS = [
    Scenario(
        name="login_page",
        path="/login",
        description="Login page (template + CSRF token)",
        target=None,
    ),
    Scenario(
        name="start_page_agent",
        path="/start/agent",
        description="Agent start page as bertil (server-side session lookup + template)",
        login_role="agent",
        target=None,
    ),
    Scenario(
        name="crisis_banner_unchanged",
        path="/kris/banner",
        description="Crisis banner poll, unchanged: If-None-Match -> 304 (200 connections)",
        setup=active_crisis_message,
        headers=(("If-None-Match", "{crisis_etag}"),),
        expect_status=(304,),
        connections=200,
        target=0.8,
    ),
    Scenario(
        name="crisis_api_active",
        path="/api/v1/crisis",
        description="Public /api/v1/crisis with an active message (200 connections)",
        setup=active_crisis_message,
        connections=200,
        target=0.8,
    ),
    Scenario(
        name="post_enquiry",
        path="/arenden",
        method="POST",
        lua="post_enquiry.lua",
        description="Agent logs an enquiry (htmx POST: CSRF, insert + audit, reset form and counts)",
        setup=enquiry_categories,
        login_role="agent",
        csrf_from="/arenden",
        headers=(("X-Bench-Category", "{category_id}"),),
        preflight=False,  # a bodiless POST is a form error; the Lua script sends real ones
        verify=posted_enquiries,
    ),
    Scenario(
        name="dashboard_year",
        path="/servicemal?from={year}-01&to={year}-12",
        description="Service-goal dashboard for a full year over 1,000,000 enquiries (5 years)",
        setup=million_enquiries,
        login_role="admin",
        connections=2,  # ~0.4 s a page: more connections only queue, and the queue would slow the next run
        in_process=dashboard_vs_sql,
        in_process_max_ratio=2.0,
    ),
    Scenario(
        name="answers_gap_report",
        path="/kunskapsbanken/rapport?from={year}-01&to={year}-12",
        description="Kunskapsbanken's gap and usage report for a full year over 1,000,000 enquiries and 2,000 answers",
        setup=million_enquiries,
        login_role="admin",
        connections=2,  # a heavy page, like dashboard_year: more connections only queue
        in_process=gap_report_vs_sql,
        in_process_max_ratio=2.0,
    ),
    Scenario(
        name="directory_search",
        path="/katalog?q=and",
        lua="directory_search.lua",
        description="Search as you type, agent, 20,000 people + 500 functions (htmx fragment; 12 queries)"
                    " and 2,000 answers loaded",
        setup=(directory_20k, answers_2k),
        login_role="agent",
        headers=DIRECTORY_FRAGMENT,
    ),
    Scenario(
        name="unified_search",
        path="/katalog?q=bygglov",
        lua="unified_search.lua",
        description="The agents' one search box: directory_search's data, 12 queries of which 7 are questions "
                    "finding answers (target 0.9 x directory_search in the same run)",
        setup=(directory_20k, answers_2k),
        login_role="agent",
        headers=DIRECTORY_FRAGMENT,
        target=0.9,
        target_of="directory_search",
    ),
    Scenario(
        name="directory_search_floor",
        path="/katalog?q=",
        description="Calibration: the same request with nothing to search (login check + empty fragment), "
                    "the floor under directory_search",
        setup=directory_20k,
        login_role="agent",
        headers=DIRECTORY_FRAGMENT,
    ),
    Scenario(
        name="directory_search_vs_ad",
        path="/katalog?q=and",
        lua="directory_search.lua",
        description="As directory_search, and the same searches live in the test Samba AD holding the same "
                    "20,000 users (needs the test servers; loading AD takes minutes)",
        setup=directory_20k_in_ad,
        login_role="agent",
        headers=DIRECTORY_FRAGMENT,
        in_process=search_vs_live_ad,
        in_process_max_ratio=0.001,  # at least 1000x the throughput
        optional=True,
    ),
    Scenario(
        name="reference_search",
        path="/search?q=and",
        lua="directory_search.lua",
        description="Calibration, bare reference app (not Kundweb): FTS5 prefix search over the same 20,000 "
                    "people, same 12 queries, escaped <ul>; no login, no ranking, no functions",
        setup=directory_20k,
        server="reference",
    ),
    Scenario(
        name="reference_search_session",
        path="/search-session?q=and",
        lua="directory_search.lua",
        description="Calibration, bare reference app: reference_search after one indexed SELECT of the "
                    "user_session row by the SHA-256 of a cookie token (401 if none or ended)",
        setup=(directory_20k, reference_session),
        headers=(("Cookie", "{reference_session}"),),
        server="reference",
    ),
    Scenario(
        name="reference_post",
        path="/post",
        method="POST",
        lua="post_enquiry.lua",
        description="Calibration, bare reference app: INSERT one enquiry and COMMIT (raw sqlite3; no login, "
                    "no CSRF, no audit)",
        setup=enquiry_categories,
        headers=(("X-Bench-Category", "{category_id}"), ("X-Bench-Key-Prefix", "ref-post")),
        preflight=False,
        verify=reference_posted,
        server="reference",
    ),
    Scenario(
        name="reference_post_audited",
        path="/post-audited",
        method="POST",
        lua="post_enquiry.lua",
        description="Calibration, bare reference app: reference_post plus the audit hash chain in the same "
                    "transaction and today's two counts after the commit (no login, no CSRF)",
        setup=enquiry_categories,
        headers=(("X-Bench-Category", "{category_id}"), ("X-Bench-Key-Prefix", "ref-audited")),
        preflight=False,
        verify=reference_posted_audited,
        server="reference",
    ),
]

# What each Scenario.server names: the WSGI app gunicorn serves, extra gunicorn arguments, and
# its database in bench/work/ (anything but bench.sqlite3 is a copy of it made after the setup).
SERVERS = {
    "kundweb": {"app": "app:app", "args": (), "database": "bench.sqlite3"},
    "reference": {"app": "reference_app:app", "args": ("--pythonpath", str(BENCH_DIR)),
                  "database": "reference.sqlite3"},
}


# --------------------------------------------------------------------------- helpers

def log(message):
    print(f"[bench {time.monotonic() - T0:6.1f}s] {message}", flush=True)


T0 = time.monotonic()


def run_checked(cmd, *, env=None, cwd=None, timeout, what):
    try:
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{what}: no answer within {timeout} s") from exc
    except FileNotFoundError as exc:
        raise BenchError(f"{what}: {exc}") from exc
    if proc.returncode != 0:
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc


def server_environ(env, kind):
    """The environment a server runs with: the bench's, on the server's own copy of the database if it has one."""
    import sqlite3

    database = env.work_dir / SERVERS[kind]["database"]
    if database == env.work_dir / "bench.sqlite3":
        return env.environ
    source, copy = sqlite3.connect(env.work_dir / "bench.sqlite3"), sqlite3.connect(database)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return {**env.environ, "KUNDWEB_DATABASE_URL": "sqlite:///" + str(database)}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_environ(database_url):
    """Our environment minus any KUNDWEB_*/FLASK_* of the caller, plus the bench settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("KUNDWEB_", "FLASK_"))}
    environ.update({
        "KUNDWEB_ENV": "development",  # production refuses the demo directory
        "KUNDWEB_DEBUG": "0",
        "KUNDWEB_SECRET_KEY": secrets.token_hex(32),
        "KUNDWEB_DATABASE_URL": database_url,
        "FLASK_APP": "app.py",
        "PYTHONUNBUFFERED": "1",
    })
    return environ


def versions():
    def first_line(cmd):
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        return lines[0].strip() if lines else "unknown"

    wrk = first_line(["wrk", "--version"])  # "wrk debian/4.1.0-3+b2 [epoll] Copyright ..."
    wrk = wrk.split(" Copyright")[0]
    gunicorn = first_line([str(VENV_BIN / "gunicorn"), "--version"])
    commit = first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    try:  # --no-optional-locks: never take the index lock others may be using
        dirty = subprocess.run(["git", "-C", str(ROOT), "--no-optional-locks", "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        dirty = ""
    return {
        "python": sys.version.split()[0],
        "gunicorn": gunicorn,
        "wrk": wrk,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
    }


def fill_path(scenario, env):
    try:
        return scenario.path.format(**env.data)
    except KeyError as exc:
        raise BenchError(f"scenario {scenario.name}: path needs {exc} from its setup hook") from exc


# --------------------------------------------------------------------------- server

class Server:
    """gunicorn in its own session/process group, stopped by PID."""

    def __init__(self, environ, port, log_path, kind="kundweb"):
        self.environ = environ
        self.port = port
        self.log_path = log_path
        self.kind = kind  # a key of SERVERS
        self.proc = None
        self._log_file = None

    def start(self):
        self._log_file = open(self.log_path, "ab")
        cmd = [str(VENV_BIN / "gunicorn"), "-w", str(GUNICORN_WORKERS), "-b", f"{HOST}:{self.port}",
               "--graceful-timeout", "5",
               # gunicorn 27 otherwise opens ~/.gunicorn/gunicorn.ctl, shared by every gunicorn of the user
               "--no-control-socket",
               *SERVERS[self.kind]["args"], SERVERS[self.kind]["app"]]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.environ, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log(f"gunicorn pid {self.proc.pid} ({self.kind}) on {HOST}:{self.port} "
            f"(log {self.log_path.relative_to(ROOT)})")
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _, _ = http_request(self.port, "GET", BASELINE_PATH, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer {BASELINE_PATH} within {SERVER_START_TIMEOUT_S} s:\n"
                         f"{self.log_tail()}")

    def stop(self):
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=SERVER_STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    log(f"gunicorn pid {self.proc.pid} ignored SIGTERM; SIGKILL to its process group")
                    try:
                        os.killpg(self.proc.pid, signal.SIGKILL)  # the group we created: master + workers
                    except ProcessLookupError:
                        pass
                    self.proc.wait(timeout=SERVER_STOP_TIMEOUT_S)
            log(f"gunicorn pid {self.proc.pid} ({self.kind}) stopped (exit {self.proc.returncode})")
        finally:
            if self._log_file:
                self._log_file.close()

    def worker_cpu_seconds(self):
        """{worker pid: user+system CPU seconds} of gunicorn's workers, from /proc."""
        pids = []
        try:
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            return {}
        cpu = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the worker just went away; it is left out of this snapshot
            cpu[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        return cpu

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def http_request(port, method, path, headers=None, body=None, timeout=10):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def cookie_pairs(headers):
    """name=value of each Set-Cookie header, raw (as the browser would send it back)."""
    pairs = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.split(";", 1)[0].partition("=")
        pairs[name.strip()] = rest.strip()
    return pairs


def log_in(port, role):
    """Log in as the role's demo user; returns the Cookie header value for wrk."""
    username, password = DEMO_USERS[role]
    status, headers, body = http_request(port, "GET", "/login")
    if status != 200:
        raise BenchError(f"GET /login answered {status}")
    cookies = cookie_pairs(headers)
    match = (re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
             or re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', body))
    if not match:
        raise BenchError("no csrf_token in the login form")
    form = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": match.group(1).decode()})
    status, headers, _ = http_request(port, "POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    })
    location = headers.get("Location", "")
    if status != 302 or "/login" in location:
        raise BenchError(f"login as {username} failed: {status} -> {location!r}")
    cookies.update(cookie_pairs(headers))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --------------------------------------------------------------------------- wrk

@dataclass
class Sample:
    rps: float
    p50_us: float
    p99_us: float
    statuses: dict  # status code (int) -> count
    socket_errors: dict  # connect/read/write/timeout -> count
    requests: int
    server_cpu_s: float | None  # CPU seconds gunicorn's workers used during the run


def lua_script(scenario, key):
    """bench/work/lua/<key>.lua: method preamble + the scenario's Lua + report.lua."""
    parts = []
    if scenario is not None and scenario.method != "GET":
        parts.append(f'wrk.method = "{scenario.method}"\n')
    if scenario is not None and scenario.lua:
        parts.append((LUA_DIR / scenario.lua).read_text())
    parts.append(REPORT_LUA.read_text())
    path = WORK_DIR / "lua" / f"{key}.lua"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    return path


def run_wrk(port, path, script, connections, duration, cookie=None, log_name=None, cpu_probe=None, headers=()):
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s", f"--timeout={WRK_TIMEOUT_S}s",
           "--latency", "-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    for name, value in headers:
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(f"http://{HOST}:{port}{path}")
    cpu_before = cpu_probe() if cpu_probe else {}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + WRK_TIMEOUT_S + 30)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk on {path} did not finish") from exc
    except FileNotFoundError as exc:
        raise BenchError("wrk not found (apt-get install -y wrk)") from exc
    if log_name:
        shown = [c if not c.startswith("Cookie:") else "Cookie: <session>" for c in cmd]
        (WORK_DIR / "wrk").mkdir(exist_ok=True)
        (WORK_DIR / "wrk" / f"{log_name}.txt").write_text(
            " ".join(shown) + "\n\n" + proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed (exit {proc.returncode}) on {path}:\n{proc.stdout}{proc.stderr}")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("KUNDWEB_BENCH ")), None)
    if line is None:
        raise BenchError(f"wrk printed no KUNDWEB_BENCH line for {path}:\n{proc.stdout}{proc.stderr}")
    data = json.loads(line.split(" ", 1)[1])
    cpu_after = cpu_probe() if cpu_probe else {}
    same_workers = cpu_before and cpu_before.keys() == cpu_after.keys()
    server_cpu = sum(cpu_after.values()) - sum(cpu_before.values()) if same_workers else None
    duration_s = data["duration_us"] / 1e6
    return Sample(
        rps=data["requests"] / duration_s if duration_s > 0 else 0.0,
        p50_us=data["latency_us"]["p50"],
        p99_us=data["latency_us"]["p99"],
        statuses={int(k): int(v) for k, v in data["statuses"].items()},
        socket_errors={k: int(v) for k, v in data["errors"].items() if k != "status" and v},
        requests=int(data["requests"]),
        server_cpu_s=server_cpu,
    )


def unexpected(sample, expect):
    """Error counts of a sample: statuses outside `expect` plus socket errors."""
    errors = {str(code): n for code, n in sample.statuses.items() if code not in expect}
    errors.update(sample.socket_errors)
    return errors


def add_counts(total, more):
    for k, v in more.items():
        total[k] = total.get(k, 0) + v


# --------------------------------------------------------------------------- results

@dataclass
class Result:
    scenario: Scenario
    rounds: list = field(default_factory=list)  # (baseline Sample, scenario Sample)
    errors: dict = field(default_factory=dict)
    baseline_errors: dict = field(default_factory=dict)
    target: float | None = None  # the scenario's target in this run (see resolve_targets)

    def ratios(self, attr):
        return [getattr(s, attr) / getattr(b, attr) if getattr(b, attr) else float("nan")
                for b, s in self.rounds]

    def median(self, attr):
        return statistics.median(self.ratios(attr))

    def cpu_ratios(self):
        """Per round: server CPU per request, scenario / baseline (higher = costlier)."""
        ratios = []
        for b, s in self.rounds:
            if b.server_cpu_s and s.server_cpu_s is not None and b.requests and s.requests:
                ratios.append((s.server_cpu_s / s.requests) / (b.server_cpu_s / b.requests))
        return ratios

    def median_cpu(self):
        ratios = self.cpu_ratios()
        return statistics.median(ratios) if ratios else float("nan")

    def error_total(self):
        return sum(self.errors.values())

    def met(self):
        if self.target is None:
            return None
        return self.median("rps") >= self.target and self.error_total() == 0


def resolve_targets(results):
    """Each result's target: the scenario's own, or a share of another scenario's ratio in the same run."""
    by_name = {r.scenario.name: r for r in results}
    for r in results:
        s = r.scenario
        r.target = s.target if s.target_of is None else s.target * by_name[s.target_of].median("rps")


# A change may not make a scenario more than this much worse than its ratio in the results file it
# replaces (the committed bench/RESULTS.md): the product owner's rule since the absolute targets of
# directory_search (0.5) and post_enquiry (0.4) were retired.
REGRESSION_TOLERANCE = 0.10
PREVIOUS_ROW = re.compile(r"^\| (\w+) \| .*? \| ([0-9.]+) \| (?:>= [0-9.]+|—) \|", re.MULTILINE)


def previous_ratios(path):
    """{scenario: median throughput ratio} from the results file this run will replace ({} if none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    return {name: float(ratio) for name, ratio in PREVIOUS_ROW.findall(text)}


def regressed(result, previous):
    """True when a Kundweb scenario's median ratio fell more than REGRESSION_TOLERANCE below the previous one.

    Calibration scenarios (server="reference") run code no change of Kundweb touches: their drift
    is the machine's, shown in the table but never a failure.
    """
    if result.scenario.server != "kundweb":
        return False
    before = previous.get(result.scenario.name)
    return before is not None and result.median("rps") < before * (1 - REGRESSION_TOLERANCE)


def fmt_previous(result, previous):
    before = previous.get(result.scenario.name)
    if before is None:
        return "—"
    change = f"{before:.3f} ({(result.median('rps') / before - 1) * 100:+.1f} %)" if before else f"{before:.3f}"
    return f"**{change}**" if regressed(result, previous) else change


def fmt_errors(errors):
    total = sum(errors.values())
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) + ")"


def results_table(results, previous=None):
    previous = previous or {}
    rows = ["| scenario | description | median throughput ratio vs /livez | target | met? "
            "| median p99 latency ratio | median server CPU per request vs /livez | errors "
            "| previous ratio (change) |",
            "|---|---|---:|---:|:---:|---:|---:|---|---:|"]
    for r in results:
        target = f">= {r.target:.3f}" if r.target is not None else "—"
        met = {None: "—", True: "yes", False: "**NO**"}[r.met()]
        rows.append(f"| {r.scenario.name} | {r.scenario.description} | {r.median('rps'):.3f} | {target} "
                    f"| {met} | {r.median('p99_us'):.2f} | {r.median_cpu():.1f}x | {fmt_errors(r.errors)} "
                    f"| {fmt_previous(r, previous)} |")
    return "\n".join(rows)


def details_table(results):
    rows = ["| scenario | connections | per-round throughput ratios | per-round CPU-per-request ratios "
            "| median p50 latency ratio "
            "| median rps scenario / baseline (context only) | median p99 ms scenario / baseline (context only) "
            "| baseline errors |",
            "|---|---:|---|---|---:|---|---|---|"]
    for r in results:
        per_round = ", ".join(f"{x:.3f}" for x in r.ratios("rps"))
        per_round_cpu = ", ".join(f"{x:.1f}" for x in r.cpu_ratios())
        s_rps = statistics.median(s.rps for _, s in r.rounds)
        b_rps = statistics.median(b.rps for b, _ in r.rounds)
        s_p99 = statistics.median(s.p99_us for _, s in r.rounds) / 1000
        b_p99 = statistics.median(b.p99_us for b, _ in r.rounds) / 1000
        rows.append(f"| {r.scenario.name} | {r.scenario.conns()} | {per_round} | {per_round_cpu} "
                    f"| {r.median('p50_us'):.2f} "
                    f"| {s_rps:.0f} / {b_rps:.0f} | {s_p99:.1f} / {b_p99:.1f} | {fmt_errors(r.baseline_errors)} |")
    return "\n".join(rows)


def reference_note(results):
    names = [r.scenario.name for r in results if r.scenario.server == "reference"]
    if not names:
        return ""
    return (f"\n- Calibration, not Kundweb: {', '.join(names)} ran against bench/reference_app.py (plain Flask +\n"
            f"  sqlite3) on a second `gunicorn -w {GUNICORN_WORKERS}` with the same flags, on a copy of the database\n"
            f"  made after the setup; their baseline is that server's own {BASELINE_PATH}. They have no targets.")


def write_results(path, results, meta, settings, elapsed_s, comparisons=(), previous=None):
    text = f"""# Kundweb benchmark results

Generated by `scripts/bench.py`{' ' + settings['args'] if settings['args'] else ''}. Do not edit by hand.

- Date: {meta['date']}
- Git commit: {meta['commit']}
- Machine: {os.cpu_count()} cores (os.cpu_count()), shared; load generator (wrk) and server share them
- Python {meta['python']}, {meta['gunicorn']}, {meta['wrk']}
- Settings: {settings['rounds']} rounds x {settings['duration']} s per wrk run, warm-up {settings['warmup']} s;
  `wrk -t{WRK_THREADS} -c<connections> --latency --timeout={WRK_TIMEOUT_S}s` (default {DEFAULT_CONNECTIONS} connections);
  `gunicorn -w {GUNICORN_WORKERS}` (sync workers) on 127.0.0.1; KUNDWEB_ENV=development, debug off, random secret key,
  demo directory; fresh SQLite database in bench/work/
- Baseline: `GET {BASELINE_PATH}` (no I/O), run back to back with each scenario in the same round
  (order alternating between rounds) and with the scenario's connection count
- Whole run took {elapsed_s:.0f} s{reference_note(results)}

Ratios are scenario / baseline measured in the same round; the table shows the median over rounds.
Throughput ratio 1.0 = as fast as /livez; a latency ratio of 3 = three times /livez's latency.
"Errors" = responses with an unexpected status (e.g. a 302 to the login page) plus wrk
socket errors (connect/read/write/timeout), summed over all rounds. A target is met when the
median throughput ratio reaches it and there were no errors. "Previous ratio" is the scenario's
median in the results file this run replaced, with the change; a change may not make any Kundweb
scenario more than {REGRESSION_TOLERANCE:.0%} worse (shown in bold, and `make bench` fails); the
calibration scenarios' drift is the machine's own.
"Server CPU per request" = user+system CPU of the gunicorn workers (from /proc) divided by the
requests served, scenario / baseline: 8x means a request costs eight /livez requests of server
CPU. It is much less disturbed by other load on a shared machine than throughput is (time
spent waiting for a CPU is not counted), so read the two together.

{results_table(results, previous)}

## Details

{details_table(results)}

Raw wrk output of the last run: `bench/work/wrk/` (git-ignored).
"""
    if comparisons:
        text += f"""
## In-process comparisons

Measured in one process on the bench database before the server starts, alternating the two
sides after a warm-up; the median of several runs each. Ratio = the page's time / the baseline's.

{comparisons_table(comparisons)}
"""
    path.write_text(text)


# --------------------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK['rounds']} rounds of {QUICK['duration']} s instead of "
                             f"{FULL['rounds']} x {FULL['duration']} s")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these scenarios")
    parser.add_argument("--rounds", type=int, help="override the number of rounds (1-50)")
    parser.add_argument("--duration", type=int, help="override seconds per wrk run (1-60)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--output", type=Path, default=RESULTS_FILE,
                        help="results file (default: bench/RESULTS.md)")
    return parser.parse_args(argv)


def select(names):
    by_name = {s.name: s for s in SCENARIOS}
    if not names:
        return [s for s in SCENARIOS if not s.optional]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise BenchError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    chosen = [by_name[n] for n in dict.fromkeys(names)]
    # A relative target needs the scenario it is relative to, measured in the same run.
    needed = [by_name[s.target_of] for s in chosen if s.target_of and by_name[s.target_of] not in chosen]
    return list(dict.fromkeys(needed + chosen))


def check_scenarios():
    """Definition mistakes, caught before any setup runs."""
    for s in SCENARIOS:
        if s.server not in SERVERS:
            raise BenchError(f"scenario {s.name}: unknown server {s.server!r}")
        if s.server != "kundweb" and (s.login_role or s.csrf_from):
            raise BenchError(f"scenario {s.name}: only Kundweb scenarios can log in or fetch a CSRF token")
        if s.target_of is not None and (s.target is None or s.target_of not in {t.name for t in SCENARIOS}):
            raise BenchError(f"scenario {s.name}: a relative target needs `target` and a known `target_of`")


def prepare(scenarios):
    """Fresh work dir, database, migrations and the scenarios' setup hooks."""
    if WORK_DIR.exists():
        shutil.rmtree(WORK_DIR)
    WORK_DIR.mkdir(parents=True)
    database_url = "sqlite:///" + str(WORK_DIR / "bench.sqlite3")
    env = BenchEnv(root=ROOT, work_dir=WORK_DIR, database_url=database_url,
                   environ=bench_environ(database_url))
    log("flask db upgrade")
    env.flask("db", "upgrade", timeout=300)
    done = set()
    for scenario in scenarios:
        for hook in scenario.setups():
            if hook not in done:
                log(f"setup for {scenario.name}: {getattr(hook, '__name__', hook)}")
                hook(env)
                done.add(hook)
    return env


def measure(scenarios, env, servers, settings):
    """Each scenario against its own server (servers: Scenario.server -> started Server) and its /livez."""
    ports = {s.name: servers[s.server].port for s in scenarios}
    probes = {s.name: servers[s.server].worker_cpu_seconds for s in scenarios}
    cookies = {}
    for role in sorted({s.login_role for s in scenarios if s.login_role}):
        cookies[role] = log_in(servers["kundweb"].port, role)
        log(f"logged in as {DEMO_USERS[role][0]} ({role})")

    for s in scenarios:
        if s.csrf_from:
            cookies[s.login_role] = csrf_header(servers["kundweb"].port, s, cookies, env)
    paths = {s.name: fill_path(s, env) for s in scenarios}
    extra_headers = {s.name: [(name, value.format(**env.data)) for name, value in s.headers] for s in scenarios}
    for name, token in env.data.get("_csrf_headers", {}).items():
        extra_headers[name].append(("X-CSRFToken", token))
    for s in scenarios:
        if not s.preflight:
            continue
        headers = {"Cookie": cookies[s.login_role]} if s.login_role else {}
        headers.update(extra_headers[s.name])
        status, resp_headers, _ = http_request(ports[s.name], s.method, paths[s.name], headers=headers)
        if status not in s.expect_status:
            raise BenchError(f"preflight {s.name}: {s.method} {paths[s.name]} answered {status} "
                             f"{resp_headers.get('Location', '')} (expected {s.expect_status})")

    baseline_script = lua_script(None, "baseline")
    scripts = {s.name: lua_script(s, s.name) for s in scenarios}

    def run(s, which, duration, log_name):
        port, cpu_probe = ports[s.name], probes[s.name]
        if which == "baseline":
            return run_wrk(port, BASELINE_PATH, baseline_script, s.conns(), duration, log_name=log_name,
                           cpu_probe=cpu_probe)
        return run_wrk(port, paths[s.name], scripts[s.name], s.conns(), duration,
                       cookie=cookies.get(s.login_role), log_name=log_name, cpu_probe=cpu_probe,
                       headers=extra_headers[s.name])

    if settings["warmup"]:  # template compilation, first DB connections, page cache
        log("warm-up")
        for s in scenarios:
            for which in ("baseline", "scenario"):
                run(s, which, settings["warmup"], f"warmup-{s.name}-{which}")

    results = {s.name: Result(s) for s in scenarios}
    for rnd in range(1, settings["rounds"] + 1):
        for s in scenarios:
            order = ("baseline", "scenario") if rnd % 2 else ("scenario", "baseline")
            samples = {which: run(s, which, settings["duration"], f"round{rnd}-{s.name}-{which}")
                       for which in order}
            b, x = samples["baseline"], samples["scenario"]
            result = results[s.name]
            result.rounds.append((b, x))
            add_counts(result.errors, unexpected(x, s.expect_status))
            add_counts(result.baseline_errors, unexpected(b, (200,)))
            log(f"round {rnd}/{settings['rounds']} {s.name}: ratio {x.rps / b.rps if b.rps else float('nan'):.3f} "
                f"(errors {sum(unexpected(x, s.expect_status).values())})")
    for s in scenarios:
        if s.verify:
            add_counts(results[s.name].errors, s.verify(env, results[s.name]))
    return [results[s.name] for s in scenarios]


def csrf_header(port, scenario, cookies, env):
    """Fetch a page's CSRF token for a POST scenario; returns the (possibly updated) cookie."""
    cookie = cookies[scenario.login_role]
    status, headers, body = http_request(port, "GET", scenario.csrf_from, headers={"Cookie": cookie})
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or not match:
        raise BenchError(f"{scenario.name}: no CSRF token on {scenario.csrf_from} ({status})")
    pairs = dict(pair.split("=", 1) for pair in cookie.split("; "))
    pairs.update(cookie_pairs(headers))
    env.data.setdefault("_csrf_headers", {})[scenario.name] = match.group(1).decode()
    return "; ".join(f"{k}={v}" for k, v in pairs.items())


def run_in_process(scenarios, env):
    """The scenarios' in-process comparisons, before the server starts: (scenario, result dict)."""
    done = []
    for s in scenarios:
        if s.in_process:
            log(f"in-process comparison for {s.name}")
            outcome = s.in_process(env)
            log(f"  {outcome['what']}: {outcome['value_ms']:.1f} ms vs {outcome['baseline_ms']:.1f} ms "
                f"= {outcome['ratio']:.3g}x (at most {s.in_process_max_ratio:g}x)")
            done.append((s, outcome))
    return done


def comparisons_table(comparisons):
    rows = ["| scenario | comparison | median ms | baseline median ms | ratio | target | met? | note |",
            "|---|---|---:|---:|---:|---:|:---:|---|"]
    for s, c in comparisons:
        met = "yes" if c["ratio"] <= s.in_process_max_ratio else "**NO**"
        rows.append(f"| {s.name} | {c['what']} | {c['value_ms']:.1f} | {c['baseline_ms']:.1f} | {c['ratio']:.3g} "
                    f"| <= {s.in_process_max_ratio:g} | {met} | {c.get('note', '')} |")
    return "\n".join(rows)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        for s in SCENARIOS:
            target = (f">= {s.target:g}" + (f" x {s.target_of}" if s.target_of else "")) if s.target is not None \
                else "no target"
            print(f"{s.name:24} {s.method} {s.path:28} {target:10} {'(optional) ' if s.optional else ''}"
                  f"{s.description}")
        return 0
    signal.signal(signal.SIGTERM, _raise_interrupt)  # so `finally` stops gunicorn on SIGTERM too
    settings = dict(QUICK if args.quick else FULL)
    extra = []
    if args.rounds is not None:
        settings["rounds"] = max(1, min(50, args.rounds))  # bounded
        extra += ["--rounds", str(settings["rounds"])]
    if args.duration is not None:
        settings["duration"] = max(1, min(60, args.duration))
        extra += ["--duration", str(settings["duration"])]
    settings["args"] = " ".join((["--quick"] if args.quick else []) + extra
                                + (["--only", *args.only] if args.only else []))
    servers = {}
    started = time.monotonic()
    try:
        if shutil.which("wrk") is None:
            raise BenchError("wrk not found (apt-get install -y wrk)")
        check_scenarios()
        scenarios = select(args.only)
        meta = versions()
        meta["date"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        env = prepare(scenarios)
        comparisons = run_in_process(scenarios, env)
        for kind in dict.fromkeys(s.server for s in scenarios):  # only the servers a selected scenario needs
            log_name = "gunicorn.log" if kind == "kundweb" else f"gunicorn-{kind}.log"
            servers[kind] = Server(server_environ(env, kind), free_port(), WORK_DIR / log_name, kind)
            servers[kind].start()
        results = measure(scenarios, env, servers, settings)
        resolve_targets(results)
    except BenchError as exc:
        print(f"bench: ERROR: {exc}", file=sys.stderr)
        for server in servers.values():
            if server.proc is not None:
                print(f"--- gunicorn ({server.kind}) log tail ---\n{server.log_tail()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C/SIGTERM must not cut the (bounded) shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for server in servers.values():
            server.stop()

    elapsed = time.monotonic() - started
    output = args.output if args.output.is_absolute() else Path.cwd() / args.output
    previous = previous_ratios(output)
    write_results(output, results, meta, settings, elapsed, comparisons, previous)
    print()
    print(results_table(results, previous))
    print()
    print(f"{os.cpu_count()} cores; {settings['rounds']} rounds x {settings['duration']} s; "
          f"run took {elapsed:.0f} s; written to {output}")
    for r in results:
        if r.error_total():
            print(f"WARNING: {r.scenario.name} had errors: {fmt_errors(r.errors)}", file=sys.stderr)
    if comparisons:
        print()
        print(comparisons_table(comparisons))
    missed = [r.scenario.name for r in results if r.met() is False]
    missed += [f"{r.scenario.name} (more than {REGRESSION_TOLERANCE:.0%} below {previous[r.scenario.name]:.3f})"
               for r in results if regressed(r, previous)]
    missed += [s.name + " (in-process)" for s, c in comparisons if c["ratio"] > s.in_process_max_ratio]
    if missed:
        print(f"bench: target missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
