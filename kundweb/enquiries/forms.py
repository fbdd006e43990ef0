"""The agents' enquiry form and the admins' category and forwarding-target forms."""
import re

from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from kundweb.enquiries.models import TARGET_KINDS
from kundweb.forms import Form, LocalDateTimeField, select_choices


class WaitField(StringField):
    """A wait time as seconds ("150") or minutes and seconds ("2:30"); `.data` is seconds or None."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_data = valuelist
        if not text:
            self.data = None
            return
        if re.fullmatch(r"\d{1,5}", text):
            self.data = int(text)
        elif re.fullmatch(r"\d{1,3}:[0-5]\d", text):
            minutes, seconds = text.split(":")
            self.data = int(minutes) * 60 + int(seconds)
        else:
            self.data = None
            raise ValueError("Skriv väntetiden som sekunder (150) eller minuter:sekunder (2:30).")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return str(self.data) if self.data is not None else ""


class EnquiryForm(Form):
    class Meta:
        # CSRFProtect has checked the token of every POST before the view; the form checking it
        # again would cost a second signature on every save.
        csrf = False

    # Channel and outcome are written out as radio buttons by the templates, and the service
    # refuses an unknown one (with these messages): plain strings here, not RadioFields, whose
    # choice lists cost more than the rest of the form on every save.
    channel = StringField("Kanal", validators=[DataRequired("Välj kanal.")])
    category = SelectField("Kategori", coerce=int, validate_choice=False,
                           validators=[DataRequired("Välj en kategori ur listan.")])
    outcome = StringField("Utfall", default="direct", validators=[DataRequired("Välj hur ärendet avslutades.")])
    target = SelectField("Vidarebefordrad till", coerce=lambda v: int(v) if v else None, validate_choice=False,
                         validators=[Optional()], description="Fyll i när utfallet är ”Vidarebefordrad”.")
    wait = WaitField("Väntetid i kö (samtal)", description="Valfritt. Sekunder, eller minuter:sekunder som 2:30.")
    note = StringField("Kort anteckning", validators=[Length(max=300, message="Högst 300 tecken.")],
                       description="Valfritt. Skriv inga personuppgifter: inga namn, personnummer, adresser "
                                   "eller telefonnummer. Anteckningar tas bort automatiskt efter en tid.")
    crisis = StringField("Gäller krisen")
    answer = StringField("Svar som användes")  # an Answer id, or empty; the service checks it is published
    submission_key = HiddenField()
    form_state = HiddenField()  # what the form on the page shows (see enquiries/_logger.html)

    def crisis_id(self):
        value = (self.crisis.data or "").strip()
        return int(value) if value.isdigit() else None

    def validate_answer(self, field):
        value = (field.data or "").strip()
        if value and not value.isdigit():
            raise ValidationError("Välj ett svar ur listan, eller inget.")

    def answer_id(self):
        value = (self.answer.data or "").strip()
        return int(value) if value.isdigit() else None


class CallBackForm(Form):
    """The call-back's fields of the enquiry form, read only when the outcome is *Återkoppling*
    (a plain save does not pay for them)."""

    class Meta:
        csrf = False  # part of EnquiryForm's POST, whose token CSRFProtect has checked

    callback_assignee = StringField("Vem ringer upp")
    callback_due = LocalDateTimeField("Senast", validators=[Optional()],
                                      description="Lämna tomt för nästa arbetsdag, före Kundcenters stängning.")
    callback_phone = StringField("Nummer att ringa", description="Kundens nummer. Tas bort automatiskt efter en tid, "
                                                                 "som anteckningarna.")


class CategoryForm(Form):
    group_name = StringField("Förvaltning eller bolag", validators=[DataRequired("Skriv förvaltning eller bolag."),
                                                                     Length(max=120)])
    name = StringField("Kategori", validators=[DataRequired("Skriv kategorins namn."), Length(max=120)],
                       description="En vanlig fråga, t.ex. ”Bygglov” eller ”Förskoleplats”.")


class TargetForm(Form):
    kind = SelectField("Sort", choices=select_choices(TARGET_KINDS), default="unit")
    name = StringField("Namn", validators=[DataRequired("Skriv mottagarens namn."), Length(max=200)])


class RenameTargetForm(Form):
    name = StringField("Nytt namn", validators=[DataRequired("Skriv mottagarens namn."), Length(max=200)])
