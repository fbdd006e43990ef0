"""The demo answers: about 60 of Luleå's volume questions, some stale, internal, drafts and archived, in use (R-KB-9)."""
from collections import Counter

from sqlalchemy import func, select

from kundweb.answers import services
from kundweb.answers.models import Answer, AnswerVersion
from kundweb.database import utcnow
from kundweb.demo import answers_seed, seed
from kundweb.enquiries.models import Enquiry, EnquiryCategory
from kundweb.extensions import db
from kundweb.safe_markup import body_html


def test_the_demo_seed_writes_about_sixty_realistic_answers_used_by_the_demo_enquiries(app_context):
    lines = seed.seed_all()
    answers = db.session.scalars(select(Answer)).all()
    assert 55 <= len(answers) <= 65 and any("svar i Kunskapsbanken" in line for line in lines)
    status = Counter(a.status for a in answers)
    assert status["draft"] >= 2 and status["archived"] >= 2 and status["published"] >= 50
    assert 5 <= sum(a.visibility == "intern" for a in answers) < len(answers) // 2
    today = services.local_today(utcnow())
    assert sum(services.is_stale(a, today) for a in answers if a.status == "published") >= 8
    categories = {c.id: c.name for c in db.session.scalars(select(EnquiryCategory))}
    named = {categories[a.category_id] for a in answers}
    assert {"Sophämtning", "Bygglov", "Förskoleplats", "Skolskjuts", "Parkeringstillstånd", "Snöröjning och halka",
            "Vatten och avlopp", "Bostadsanpassning", "Färdtjänst", "Ekonomiskt bistånd"} <= named
    assert {"Gatubelysning", "Fjärrvärme"}.isdisjoint(named)  # questions still without an answer, for the report
    assert all(a.responsible_id and (a.unit_id or a.company_id) for a in answers)
    assert any(a.company_id for a in answers) and any(a.unit_id for a in answers)
    assert all(link["url"].startswith("https://") for a in answers for link in a.links)
    assert all("<script" not in str(body_html(a.body)) for a in answers)
    # Each answer has its versions; some were changed after publishing.
    versions = db.session.scalar(select(func.count()).select_from(AnswerVersion))
    assert versions == sum(a.version for a in answers) and max(a.version for a in answers) >= 3
    assert {a.created_by for a in answers} >= {"elin", "frida", "david"}
    # Used on a realistic share of the directly answered enquiries of answered categories, never by a draft.
    used = db.session.execute(select(Enquiry.answer_id, func.count()).where(Enquiry.answer_id.is_not(None))
                              .group_by(Enquiry.answer_id)).all()
    by_id = {a.id: a for a in answers}
    assert len(used) >= 30 and all(by_id[answer_id].status != "draft" for answer_id, _ in used)
    direct = db.session.scalar(select(func.count()).select_from(Enquiry).where(
        Enquiry.outcome == "direct", Enquiry.category_id.in_({a.category_id for a in answers if a.published_at})))
    linked = sum(count for _, count in used)
    assert 0.2 < linked / direct < 0.6
    assert db.session.scalar(select(func.count()).select_from(Enquiry).where(
        Enquiry.answer_id.is_not(None), Enquiry.outcome != "direct")) == 0
    # Run again: nothing more.
    assert answers_seed.seed_answers() == []
    assert db.session.scalar(select(func.count()).select_from(Answer)) == len(answers)
