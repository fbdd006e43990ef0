"""Forms for registering, correcting and processing public records, and for searching the register."""
import secrets

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from kundweb.database import utcnow
from kundweb.forms import Form, LocalDateTimeField, select_choices
from kundweb.records.models import KINDS, STATUSES

ACCEPTED_FILES = ".wav,.mp3,.m4a,.ogg,.eml,audio/*,message/rfc822"
CONCERNS = select_choices({"yes": "Ja – det ska dokumenteras i verksamhetssystemet",
                           "no": "Nej – det är av ringa betydelse"})


class ItemFields(Form):
    """What a registration and a correction share."""

    kind = RadioField("Vad har du fått?", choices=select_choices(KINDS),
                      validators=[InputRequired("Välj vad det är för slags meddelande.")])
    arrived_at = LocalDateTimeField("När kom det in?", validators=[InputRequired("Ange när meddelandet kom in.")],
                                    description="Tiden då det faktiskt kom in, inte när du läste det.")
    sender = StringField("Från vem?", validators=[Length(max=300)],
                         description="Namn, telefonnummer eller e-postadress, om det framgår. Valfritt.")
    description = TextAreaField("Kort vad det gäller", validators=[Length(max=1000)],
                                description="En eller två meningar. Lämnas tomt för e-post: då används ämnesraden.")
    concerns_matter = RadioField("Gäller det en fråga som kommunen ansvarar för?", choices=CONCERNS,
                                 validators=[InputRequired("Ange om det gäller en fråga som kommunen ansvarar för.")])
    confidential = BooleanField("Innehåller uppgifter som omfattas av sekretess")
    legal_ground = StringField("Sekretessgrund", validators=[Length(max=200)],
                               description="Lagrummet, till exempel ”OSL 26 kap. 1 §”. Avsändare och beskrivning "
                                           "visas då bara för dig och registrator.")


class RegisterForm(ItemFields):
    received_by = RadioField("Vem tog emot det?", choices=select_choices({"me": "Jag själv", "unit": "Kundcenter"}),
                             default="me")
    attachment = FileField("Ljudfil eller e-postmeddelande (valfritt)",
                           description="Röstmeddelandets ljudfil (wav, mp3, m4a, ogg) eller e-postmeddelandet "
                                       "sparat som .eml.", render_kw={"accept": ACCEPTED_FILES})
    upload_token = HiddenField()
    form_key = HiddenField()


def blank_register_form(kind=None, received_by=None):
    """A new registration form: arrived now, and a one-time key so a resubmission registers once.

    `kind` and `received_by` preselect what the page that sent the user here already knows
    (an agent's enquiry handed over for registration); anything unknown is ignored.
    """
    return RegisterForm(formdata=None, arrived_at=utcnow(), form_key=secrets.token_urlsafe(24),
                        kind=kind if kind in KINDS else None,
                        received_by=received_by if received_by in ("me", "unit") else "me")


class CorrectionForm(ItemFields):
    reason = TextAreaField("Varför rättas uppgifterna?", validators=[
        InputRequired("Skriv varför uppgifterna rättas."), Length(max=1000)],
        description="Syns i handlingens historik.")
    revision = HiddenField()


class DocumentForm(Form):
    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, prefix="doc", **kwargs)
        self.system.choices = select_choices({"": "Välj system", **{str(s.id): s.name for s in systems}})

    system = SelectField("Verksamhetssystem", validators=[InputRequired("Välj verksamhetssystem.")])
    reference = StringField("Ärende- eller dokumentnummer där", validators=[
        InputRequired("Skriv referensen i verksamhetssystemet."), Length(max=120)])
    revision = HiddenField()


class ReasonForm(Form):
    """Closing as of little importance, or reopening: a reason is required."""

    reason = TextAreaField("Motivering", validators=[InputRequired("Skriv en motivering."), Length(max=1000)])
    revision = HiddenField()


class SearchForm(Form):
    """The register's filters (GET, no CSRF: searching changes nothing)."""

    class Meta:
        csrf = False

    number = StringField("Diarienummer", validators=[Optional(), Length(max=40)])
    date_from = DateField("Kom in från och med", validators=[Optional()])
    date_to = DateField("till och med", validators=[Optional()])
    kind = SelectField("Slag", choices=select_choices({"": "Alla", **KINDS}), validators=[Optional()])
    sender = StringField("Avsändare", validators=[Optional(), Length(max=100)])
    text = StringField("Beskrivningen innehåller", validators=[Optional(), Length(max=100)])
    status = SelectField("Status", choices=select_choices({"": "Alla", **STATUSES}), validators=[Optional()])


class BusinessSystemForm(Form):
    name = StringField("Namn", validators=[InputRequired("Skriv systemets namn."), Length(max=120)])
    description = StringField("Vad det används till", validators=[Length(max=300)],
                              description="T.ex. ”Bygglov och anmälningar”. Valfritt.")
