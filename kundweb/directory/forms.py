"""The forms of the directory: own contact details (and an admin's version), functional entries."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from kundweb.directory import phones


def _number(mobile=False):
    def check(form, field):
        try:
            phones.normalise_phone(field.data, mobile=mobile)
        except phones.InvalidNumber as exc:
            raise ValidationError(str(exc)) from exc

    return check


def _extension(form, field):
    try:
        phones.normalise_extension(field.data)
    except phones.InvalidNumber as exc:
        raise ValidationError(str(exc)) from exc


class ContactForm(FlaskForm):
    """What a person keeps current themself: the switchboard's subscriber details."""

    extension = StringField("Anknytning", validators=[_extension],
                            description="4 eller 5 siffror, till exempel 3112.")
    direct_number = StringField("Direktnummer", validators=[_number()],
                                description="Till exempel 0920-45 31 12.")
    mobile = StringField("Mobilnummer (tjänstemobil)", validators=[_number(mobile=True)],
                         description="Till exempel 070-123 45 67. Lämna tomt om du inte har någon.")
    location = StringField("Rum eller plats", validators=[Length(max=100, message="Högst 100 tecken.")],
                           description="Till exempel Stadshuset, rum 312.")
    reach_note = TextAreaField("Så når man mig", validators=[Length(max=200, message="Högst 200 tecken.")],
                               description="Kort, till exempel ”Telefontid 9–10” eller ”Nås bäst på mobilen”. "
                                           "Skriv inget känsligt.")

    contact_fields = ("extension", "direct_number", "mobile", "location", "reach_note")


class AdminContactForm(ContactForm):
    """An admin may also hide a person with protected identity."""

    hidden = BooleanField("Dold i katalogen (skyddad identitet)",
                          description="Personen syns då inte i sökningen, exporterna eller för kollegor.")


class AbsenceForm(FlaskForm):
    """Away until a date, and who to forward to meanwhile; the rules are in directory.absence."""

    class Meta:
        locales = ("sv_SE", "sv")

    absent_until = DateField("Frånvarande till och med", validators=[Optional()],
                             invalid_value_message="Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-18.",
                             description="Sista dagen du är borta. Frånvaron upphör av sig själv dagen efter.")
    deputy = StringField("Ersättare", validators=[Length(max=200, message="Högst 200 tecken.")],
                         description="Den som Kundcenter kopplar till medan du är borta. Skriv några bokstäver "
                                     "av namnet och välj bland förslagen. Kan lämnas tomt.")


class FunctionForm(FlaskForm):
    """A functional entry: a service's number, not a person's."""

    name = StringField("Namn", validators=[DataRequired("Ange ett namn."), Length(max=200)],
                       description="Till exempel Stadsbiblioteket eller Återvinningscentralen Sörbyn.")
    phone = StringField("Telefonnummer", validators=[_number()], description="Till exempel 0920-45 35 00.")
    email = StringField("E-post", validators=[
        Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Ange en giltig e-postadress."), Length(max=256)])
    unit_id = SelectField("Enhet", coerce=int, validate_choice=False)
    opening_hours = TextAreaField("Öppettider", validators=[Length(max=500)],
                                  description="Som de ska visas, till exempel ”Mån–fre 10–19, lör 11–15”.")
    responsible_username = StringField("Ansvarig (användarnamn)", validators=[Length(max=64)],
                                       description="Den medarbetare som ansvarar för uppgifterna, till exempel anna.")
    keywords = StringField("Sökord", validators=[Length(max=500)],
                           description="Ord som kunder och kollegor använder, till exempel ”simhall bad simning”.")
    public = BooleanField("Publik – får visas på lulea.se och lämnas ut till alla")
    active = BooleanField("I bruk", default=True)
