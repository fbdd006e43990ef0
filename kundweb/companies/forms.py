"""Forms for the company register and for each step of an opt-out case.

The case page shows several forms at once, so each has its own prefix: field ids
stay unique and every label points at its own input. The rules themselves (check
digits, dates, which step is allowed) live in services.py.
"""
from wtforms import DateField, MultipleFileField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from kundweb.companies.models import ATTACHMENT_LABELS
from kundweb.forms import Form

ATTACHMENT_HINT = "PDF, Word, Excel, OpenDocument, text eller bild (JPEG, PNG), högst 10 MB per fil."


class CompanyForm(Form):
    name = StringField("Bolagets namn", validators=[Length(max=200)], description="T.ex. ”Luleå Energi AB”.")
    org_number = StringField("Organisationsnummer", validators=[Length(max=20)],
                             description="Tio siffror, med eller utan bindestreck, t.ex. 556123-4567.")
    phone = StringField("Telefon till bolagets kundtjänst", validators=[Length(max=30)],
                        description="T.ex. 0920-45 30 00.")
    email = StringField("E-post till bolagets kundtjänst (valfritt)", validators=[Length(max=256)])
    web = StringField("Webbplats (valfritt)", validators=[Length(max=300)], description="T.ex. www.luleaenergi.se.")
    topics = TextAreaField("Frågor som bolaget äger", validators=[Length(max=4000)],
                           description="En per rad: enheter eller ärendekategorier, t.ex. ”Fjärrvärme”. "
                                       "Kundtjänst ser dem när de söker.")


class CaseForm(Form):
    received_on = DateField("Inkom", validators=[Optional()],
                            description="Dagen begäran kom in till kommunen, t.ex. ankomststämpelns datum. "
                                        "Lämnas det tomt gäller dagens datum.")
    diary_number = StringField("Diarienummer (valfritt)", validators=[Length(max=100)],
                               description="Som kommunens diarium skriver det, t.ex. KS 2026/0123.")
    reasons = TextAreaField("Bolagets skäl", validators=[Length(max=5000)],
                            description="Varför bolaget begär ändringen, med bolagets egna ord.")
    requested_from = DateField("Önskas gälla från", validators=[InputRequired("Ange datum.")])
    files = MultipleFileField("Bilagor (valfritt)", description=ATTACHMENT_HINT)


class PrepareForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="prepare", **kwargs)

    assessment = TextAreaField("Bedömning", validators=[Length(max=5000)],
                               description="Din beredning inför kommundirektörens beslut: konsekvenser för "
                                           "kunderna, för Kundcenter och för samordningen.")


class DecisionForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="decision", **kwargs)

    outcome = RadioField("Kommundirektörens beslut",
                         choices=[SelectChoice("approved", "Bifall"), SelectChoice("rejected", "Avslag")],
                         validators=[InputRequired("Välj bifall eller avslag.")])
    decision_date = DateField("Beslutsdatum", validators=[InputRequired("Ange beslutsdatum.")])
    reference = StringField("Diarienummer", validators=[Length(max=100)], description="T.ex. KLF 2026/412.")
    director_name = StringField("Kommundirektör", validators=[Length(max=200)],
                                description="Namnet på den som fattade beslutet.")
    effective_from = DateField("Gäller från", validators=[Optional()],
                               description="Vid bifall: från det datumet går bolagets frågor den nya vägen.")


class WithdrawForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="withdraw", **kwargs)

    reason = TextAreaField("Varför återkallas ärendet?", validators=[Length(max=5000)])


class AttachmentForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="attach", **kwargs)

    label = SelectField("Vad är bilagan?",
                        choices=[SelectChoice(key, text) for key, text in ATTACHMENT_LABELS.items()],
                        validators=[InputRequired("Välj vad bilagan är.")])
    files = MultipleFileField("Lägg till bilagor", description=ATTACHMENT_HINT)
