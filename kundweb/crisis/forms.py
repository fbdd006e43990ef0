"""Forms for crisis messages, their scheduling and their agent scripts."""
from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from kundweb.crisis.models import SEVERITIES
from kundweb.forms import Form, LocalDateTimeField, select_choices


class MessageForm(Form):
    title = StringField("Rubrik", validators=[DataRequired("Skriv en rubrik."), Length(max=200)],
                        description="Kort och tydlig, t.ex. ”Vattenläcka i centrala Luleå”.")
    body = TextAreaField(
        "Text", validators=[DataRequired("Skriv meddelandets text."), Length(max=5000)],
        description="Tom rad ger nytt stycke. Länkar: skriv adressen (https://…) eller [text](https://…). "
                    "HTML visas som text.")
    severity = RadioField("Allvarlighetsgrad", choices=select_choices(SEVERITIES), default="warning",
                          validators=[DataRequired("Välj allvarlighetsgrad.")])
    hours_opens = TimeField("Kundcenter öppnar", validators=[Optional()],
                            description="Fyll i om Kundcenter ska ha utökade öppettider medan meddelandet visas.")
    hours_closes = TimeField("Kundcenter stänger", validators=[Optional()])
    hours_from = DateField("Utökade tider gäller från och med", validators=[Optional()])
    # The hint for both dates names the configured number of days, so the template writes it.
    hours_until = DateField("Utökade tider gäller till och med", validators=[Optional()])
    hours_on_holidays = BooleanField(
        "Gäller även helgdagar",
        description="Kryssa i bara om Kundcenter verkligen ska ha öppet på helgdagar som julafton och nyårsdagen.")


class ScheduleForm(Form):
    # InputRequired, not DataRequired: the latter would hide the field's own parse error.
    starts_at = LocalDateTimeField("Visas från", validators=[InputRequired("Ange när meddelandet ska börja visas.")])
    ends_at = LocalDateTimeField("Visas till (valfritt)", validators=[Optional()],
                                 description="Lämna tomt om slutet inte är bestämt; du kan avsluta det när som helst.")


class ScriptForm(Form):
    question = StringField("Fråga som kunder ställer", validators=[DataRequired("Skriv frågan."), Length(max=300)])
    answer = TextAreaField("Förberett svar", validators=[DataRequired("Skriv svaret."), Length(max=5000)])


class SubscriptionForm(Form):
    subscribe = BooleanField("Skicka e-post till mig när ett krismeddelande börjar visas")


class RejectForm(Form):
    reason = TextAreaField("Skäl att avvisa", validators=[DataRequired("Skriv ett skäl, så att författaren vet vad "
                                                                       "som ska ändras."), Length(max=1000)],
                           description="Författaren ser skälet och kan ändra meddelandet och publicera igen.")
