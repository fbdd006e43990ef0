"""Answers, owners and categories made straight through the models, for the public and report tests."""
from datetime import date, timedelta

from kundweb.answers.models import Answer, AnswerProposal
from kundweb.companies.models import Company
from kundweb.database import utcnow
from kundweb.directory.models import Unit
from kundweb.enquiries.models import Enquiry, EnquiryCategory
from kundweb.extensions import db
from kundweb.goals.services import local_month

VISIBILITY_STATUS = [(v, s) for v in ("intern", "publik") for s in ("draft", "published", "archived")]


def unit(name="Stadsbyggnadsförvaltningen"):
    row = db.session.scalar(db.select(Unit).filter_by(name=name))
    if row is None:
        row = Unit(name=name, created_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row


def company(name="Luleå Energi AB"):
    now = utcnow()
    row = Company(name=name, org_number="556000-0016", phone="+46920455000", created_at=now, created_by="david",
                  updated_at=now, updated_by="david")
    db.session.add(row)
    db.session.flush()
    return row


def category(name="Bygglov", group="Stadsbyggnadsförvaltningen"):
    row = db.session.scalar(db.select(EnquiryCategory).filter_by(group_name=group, name=name))
    if row is None:
        row = EnquiryCategory(group_name=group, name=name, active=True, created_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row


def answer(question="Behöver jag bygglov för en altan?", body="Oftast inte.\n\nLäs mer på https://www.lulea.se/bygglov",
           visibility="publik", status="published", owner=None, category_row=None, links=None, review_by=None,
           phrasings="", keywords="", published_at=None, updated_at=None):
    now = utcnow()
    owner = owner or unit()
    row = Answer(question=question, body=body, phrasings=phrasings, keywords=keywords,
                 links=links if links is not None else [{"label": "Bygglov", "url": "https://www.lulea.se/bygglov"}],
                 unit_id=owner.id if isinstance(owner, Unit) else None,
                 company_id=owner.id if isinstance(owner, Company) else None,
                 category_id=category_row.id if category_row else None, visibility=visibility, status=status,
                 review_by=review_by or date.today() + timedelta(days=180), version=1,
                 created_at=now, created_by="david", updated_at=updated_at or now, updated_by="david",
                 published_at=published_at or (now if status != "draft" else None),
                 archived_at=now if status == "archived" else None)
    db.session.add(row)
    db.session.flush()
    return row


def enquiry(category_row, outcome="direct", answer_row=None, when=None, agent="bertil"):
    when = when or utcnow()
    row = Enquiry(created_at=when, local_date=when.date(), month=local_month(when), agent=agent, channel="telefon",
                  category_id=category_row.id, outcome=outcome, answer_id=answer_row.id if answer_row else None)
    db.session.add(row)
    return row


def proposal(text="Svar saknas om kompostering", kind="missing", state="open", answer_row=None, owner=None):
    owner = owner or unit()
    row = AnswerProposal(kind=kind, answer_id=answer_row.id if answer_row else None, unit_id=owner.id, text=text,
                         state=state, proposed_at=utcnow(), proposed_by="bertil")
    db.session.add(row)
    db.session.flush()
    return row
