"""Forms for opening-hour rules and maintenance windows.

All four share one page, so each has its own prefix: field ids stay unique and
every label points at its own input.
"""
from wtforms import BooleanField, DateField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from kundweb.forms import Form, LocalDateTimeField, select_choices
from kundweb.hours.services import EXCEPTION_KINDS, WEEKDAY_NAMES


class EarlyCloseForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="early", **kwargs)

    early_close = TimeField("Stänger dag före helgdag", validators=[DataRequired("Ange en tid.")])


class WeeklyForm(Form):
    """The weekly default: per weekday opening and closing time, or closed (fields day0_… to day6_…)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="weekly", **kwargs)

    @classmethod
    def from_weekly(cls, weekly):
        data = {}
        for index, hours in enumerate(weekly):
            data[f"day{index}_closed"] = hours is None
            data[f"day{index}_opens"], data[f"day{index}_closes"] = hours or (None, None)
        return cls(formdata=None, data=data)

    def days(self):
        """(weekday name, closed field, opens field, closes field) for Monday..Sunday."""
        return [(name, self[f"day{index}_closed"], self[f"day{index}_opens"], self[f"day{index}_closes"])
                for index, name in enumerate(WEEKDAY_NAMES)]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name, closed, opens, closes in self.days():
            if not closed.data and (opens.data is None or closes.data is None) and not (opens.errors or closes.errors):
                (opens if opens.data is None else closes).errors.append(
                    f"Ange öppnings- och stängningstid för {name.lower()}, eller kryssa i Stängt.")
                valid = False
        return valid

    def weekly(self):
        return tuple(None if closed.data else (opens.data, closes.data) for _, closed, opens, closes in self.days())


for _index in range(7):
    setattr(WeeklyForm, f"day{_index}_closed", BooleanField("Stängt"))
    setattr(WeeklyForm, f"day{_index}_opens", TimeField("Öppnar", validators=[Optional()]))
    setattr(WeeklyForm, f"day{_index}_closes", TimeField("Stänger", validators=[Optional()]))


class PeriodForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="period", **kwargs)

    starts_on = DateField("Från och med", validators=[DataRequired("Ange startdatum.")])
    ends_on = DateField("Till och med", validators=[DataRequired("Ange slutdatum.")])
    opens = TimeField("Öppnar", validators=[Optional()], description="Tomt: ordinarie öppning.")
    closes = TimeField("Stänger", validators=[DataRequired("Ange stängningstid.")],
                       description="Tidigare än vanligt förkortar dagarna, senare förlänger dem.")
    weekdays_only = BooleanField("Bara dagar som annars är öppna", default=True)
    note = StringField("Anledning", validators=[Length(max=200)], description="Visas i kalendern, t.ex. ”Bygglovssäsong”.")


class ExceptionForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="exception", **kwargs)

    day = DateField("Datum", validators=[DataRequired("Ange datum.")])
    kind = SelectField("Typ", choices=select_choices(EXCEPTION_KINDS), default="closed")
    opens = TimeField("Öppnar", validators=[Optional()])
    closes = TimeField("Stänger", validators=[Optional()])
    note = StringField("Anledning", validators=[Length(max=200)], description="T.ex. ”Personalutbildning”.")


class MaintenanceForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="maintenance", **kwargs)

    starts_at = LocalDateTimeField("Börjar", validators=[InputRequired("Ange när arbetet börjar.")])
    ends_at = LocalDateTimeField("Slutar", validators=[InputRequired("Ange när arbetet slutar.")])
    note = StringField("Vad händer", validators=[DataRequired("Beskriv arbetet."), Length(max=200)])
