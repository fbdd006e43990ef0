"""The base form (Swedish messages) and fields shared by features: local date-times."""
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.fields.choices import SelectChoice

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class Form(FlaskForm):
    """Every Kundweb form: WTForms' own Swedish translations for built-in messages."""

    class Meta:
        locales = ("sv_SE", "sv")


def select_choices(labels):
    """{value: label} as SelectChoice objects: tuples are deprecated, and warned about on every form built."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read as Stockholm time; `.data` is an aware UTC datetime."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", "Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM.")
        super().__init__(label, validators, format="%Y-%m-%dT%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            return
        local = self.data.replace(tzinfo=STOCKHOLM)
        # 02.30 on the night clocks go forward does not exist; say so instead of guessing.
        if local.astimezone(ZoneInfo("UTC")).astimezone(STOCKHOLM).replace(tzinfo=None) != self.data:
            self.data = None
            raise ValueError("Den tiden finns inte i Sverige (klockan ställs fram då). Välj en annan tid.")
        self.data = local.astimezone(ZoneInfo("UTC"))

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(STOCKHOLM).strftime(self.format[0]) if self.data else ""
