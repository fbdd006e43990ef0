"""The login form."""
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kundweb.forms import Form


class LoginForm(Form):
    username = StringField(
        "Användarnamn",
        validators=[DataRequired("Fyll i ditt användarnamn."), Length(max=128)],
        description="Samma som när du loggar in på datorn, t.ex. anna, KUNDWEB\\anna eller anna@kommun.se.",
    )
    password = PasswordField(
        "Lösenord", validators=[DataRequired("Fyll i ditt lösenord."), Length(max=256)]
    )
