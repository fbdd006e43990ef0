"""Forms for targets, imports and hand-entered inputs of the service goals."""
import re

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from kundweb.forms import Form, select_choices
from kundweb.goals.imports import FORMATS
from kundweb.goals.kpi import GOALS

MONTH_HINT = "ÅÅÅÅ-MM, t.ex. 2026-01."


class NumberField(StringField):
    """A number written the Swedish way ("72,5") or with a point; `.data` is a float or None."""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip().replace(",", ".").replace(" ", "")
        if not text:
            self.data = None
            return
        if not re.fullmatch(r"\d{1,4}(\.\d{1,2})?", text):
            self.data = None
            raise ValueError("Skriv ett tal, t.ex. 70 eller 72,5.")
        self.data = float(text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:g}".replace(".", ",")


class MonthField(StringField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", MONTH_HINT)
        super().__init__(label, validators, **kwargs)


class TargetForm(Form):
    goal = SelectField("Mål", choices=select_choices({g.key: g.name for g in GOALS.values()}))
    value = NumberField("Målvärde", validators=[InputRequired("Ange målvärdet.")],
                        description="Procent. För webben: bland de bästa så här många procenten. "
                                    "För e-tjänster: ökning i procentenheter (0 = högre än året innan).")
    limit_seconds = IntegerField("Svarstid i sekunder (bara telefonmålet)", validators=[Optional()],
                                 description="300 sekunder = 5 minuter.")
    valid_from = MonthField("Gäller från månad", validators=[DataRequired("Ange från vilken månad målet gäller.")])


class TelephonyImportForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="tel", **kwargs)

    kind = RadioField("Format", choices=select_choices({"telephony_day": "En rad per dag", "telephony_call": "En rad per samtal"}),
                      default="telephony_day", validators=[DataRequired("Välj format.")])
    file = FileField("Fil (CSV eller Excel .xlsx)", validators=[FileRequired("Välj en fil.")])
    # Which header of the file holds each column; empty = the accepted names in the README.
    map_date = StringField(f"Kolumn för {FORMATS['telephony_day'][0].label}", validators=[Length(max=60)])
    map_offered = StringField(f"Kolumn för {FORMATS['telephony_day'][1].label}", validators=[Length(max=60)])
    map_answered = StringField(f"Kolumn för {FORMATS['telephony_day'][2].label}", validators=[Length(max=60)])
    map_within = StringField(f"Kolumn för {FORMATS['telephony_day'][3].label}", validators=[Length(max=60)])
    map_time = StringField(f"Kolumn för {FORMATS['telephony_call'][0].label}", validators=[Length(max=60)])
    map_wait = StringField(f"Kolumn för {FORMATS['telephony_call'][1].label}", validators=[Length(max=60)])
    map_call_answered = StringField(f"Kolumn för {FORMATS['telephony_call'][2].label}", validators=[Length(max=60)])

    def mapping(self):
        if self.kind.data == "telephony_day":
            fields = {"date": self.map_date, "offered": self.map_offered, "answered": self.map_answered,
                      "within": self.map_within}
        else:
            fields = {"time": self.map_time, "wait": self.map_wait, "answered": self.map_call_answered}
        return {key: field.data.strip() for key, field in fields.items() if field.data and field.data.strip()}


class SurveyImportForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="survey", **kwargs)

    file = FileField("Fil (CSV eller Excel .xlsx)", validators=[FileRequired("Välj en fil.")])


class SurveyMonthForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="month", **kwargs)

    month = MonthField("Månad", validators=[DataRequired("Ange månad.")])
    scale = RadioField("Skala", choices=select_choices({"5": "5 steg (1–5)", "4": "4 steg"}), default="5")
    answer_1 = IntegerField("Svar 1 (minst nöjd)", validators=[Optional(), NumberRange(min=0)])
    answer_2 = IntegerField("Svar 2", validators=[Optional(), NumberRange(min=0)])
    answer_3 = IntegerField("Svar 3", validators=[Optional(), NumberRange(min=0)])
    answer_4 = IntegerField("Svar 4", validators=[Optional(), NumberRange(min=0)])
    answer_5 = IntegerField("Svar 5 (mest nöjd, bara 5-gradig skala)", validators=[Optional(), NumberRange(min=0)])

    def answers(self):
        return [self.answer_1.data, self.answer_2.data, self.answer_3.data, self.answer_4.data, self.answer_5.data]


class WebAssessmentForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="web", **kwargs)

    year = IntegerField("År", validators=[InputRequired("Ange år.")])
    top_percent = NumberField("Bland de bästa (procent)", validators=[InputRequired("Ange placeringen.")],
                              description="T.ex. 8 om lulea.se hör till de 8 % bästa kommunerna.")
    note = StringField("Kommentar", validators=[Length(max=200)])


class MonthStateForm(Form):
    """Closing or reopening a month: why, and a confirmation that it is meant."""

    reason = TextAreaField("Anledning", validators=[DataRequired("Ange en anledning."), Length(max=300)],
                           description="Syns på månaden och sparas i loggen. Högst 300 tecken.")
    confirm = BooleanField("Ja, jag vill göra detta", validators=[DataRequired("Bekräfta genom att kryssa i rutan.")])
    back = HiddenField()
