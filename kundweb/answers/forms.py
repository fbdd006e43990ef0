"""Forms for keeping Kunskapsbanken's answers and importing question–answer lists."""
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kundweb.answers.models import STATUSES, VISIBILITIES
from kundweb.forms import Form, select_choices


class AnswerForm(Form):
    question = StringField("Fråga", validators=[DataRequired("Skriv frågan så som en kommuninvånare ställer den."),
                                                Length(max=300)],
                           description="Så som en kommuninvånare ställer den, t.ex. ”När töms mina sopkärl?”.")
    phrasings = TextAreaField("Andra formuleringar", validators=[Length(max=3000)],
                              description="Andra sätt att fråga samma sak, en per rad. Hjälper sökningen.")
    keywords = StringField("Sökord", validators=[Length(max=500)],
                           description="Ord som kunder använder, med mellanslag emellan.")
    body = TextAreaField(
        "Svar", validators=[DataRequired("Skriv svaret."), Length(max=10000)],
        description="Tom rad ger nytt stycke. Rader som börjar med 1. 2. 3. blir numrerade steg. "
                    "Länkar: skriv adressen (https://…) eller [text](https://…). HTML visas som text.")
    links = TextAreaField("Länkar till e-tjänst eller webbsida", validators=[Length(max=6000)],
                          description="En länk per rad: text | https://… (högst 10).")
    # The choices offered are the editor's own; any other owner posted goes on to the service,
    # which refuses it with a 403 and audits the attempt (not a quiet "not a valid choice").
    owner = SelectField("Ägare (förvaltning eller bolag)", validate_choice=False,
                        validators=[DataRequired("Välj vilken förvaltning eller vilket bolag som äger svaret.")])
    responsible = StringField("Ansvarig (användarnamn)",
                              validators=[DataRequired("Välj en ansvarig person ur katalogen."), Length(max=64)],
                              description="Användarnamnet på en aktiv person i katalogen, t.ex. hanna.")
    category_id = SelectField("Kategori", coerce=str, validators=[DataRequired("Välj kategori.")])
    visibility = RadioField("Synlighet", choices=select_choices(VISIBILITIES), default="intern",
                            validators=[DataRequired("Välj intern eller publik.")])
    review_by = DateField("Granska senast", validators=[Optional()],
                          description="Lämna tomt för ett år från i dag.")
    expected_version = HiddenField()

    def links_data(self):
        """The typed lines as [{label, url}]: "text | adress", or only an address."""
        links = []
        for line in (self.links.data or "").splitlines():
            if not line.strip():
                continue
            label, separator, url = line.rpartition("|")
            links.append({"label": label.strip(), "url": url.strip()} if separator
                         else {"label": "", "url": line.strip()})
        return links


def links_text(links):
    return "\n".join(f"{link['label']} | {link['url']}" for link in links or [])


class ImportForm(Form):
    file = FileField("Fil (CSV eller Excel .xlsx)", validators=[FileRequired("Välj en fil.")])
    status = RadioField("Importerade svar blir", choices=select_choices({"draft": STATUSES["draft"] + " (granskas "
                                                                         "före publicering)",
                                                                         "published": STATUSES["published"]}),
                        default="draft")
    owner = SelectField("Ägare för rader utan ägare", validators=[Optional()])
    map_question = StringField("Kolumn för fråga", validators=[Length(max=60)])
    map_body = StringField("Kolumn för svar", validators=[Length(max=60)])

    def mapping(self):
        return {key: field.data.strip() for key, field in (("question", self.map_question), ("body", self.map_body))
                if field.data and field.data.strip()}


class ActionForm(Form):
    """Publish, archive, delete: a button with only the CSRF token."""
