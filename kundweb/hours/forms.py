"""Forms for opening-hour rules and maintenance windows.

All four share one page, so each has its own prefix: field ids stay unique and
every label points at its own input.
"""
from wtforms import BooleanField, DateField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from kundweb.forms import Form, LocalDateTimeField, select_choices
from kundweb.hours.services import EXCEPTION_KINDS


class EarlyCloseForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="early", **kwargs)

    early_close = TimeField("Stänger dag före helgdag", validators=[DataRequired("Ange en tid.")])


class PeriodForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="period", **kwargs)

    starts_on = DateField("Från och med", validators=[DataRequired("Ange startdatum.")])
    ends_on = DateField("Till och med", validators=[DataRequired("Ange slutdatum.")])
    opens = TimeField("Öppnar", validators=[Optional()], description="Tomt: ordinarie öppning.")
    closes = TimeField("Stänger", validators=[DataRequired("Ange stängningstid.")])
    weekdays_only = BooleanField("Bara vardagar", default=True)
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
