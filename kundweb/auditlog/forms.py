"""The filters of the admins' audit log page (GET: looking changes nothing, so no CSRF)."""
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from kundweb.audit.labels import AREAS
from kundweb.forms import Form, select_choices


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    area = SelectField("Område", choices=select_choices({"": "Alla områden",
                                                          **{key: label for key, (label, _) in AREAS.items()}}),
                       validators=[Optional()])
    actor = StringField("Vem (användarnamn)", validators=[Optional(), Length(max=128)],
                        description="T.ex. ”bertil”. Lämna tomt för alla.")
    object_ref = StringField("Objekt", validators=[Optional(), Length(max=128)],
                             description="Ett id, t.ex. ”42”, eller en objekttyp, t.ex. ”record_item”.")
    date_from = DateField("Från och med", validators=[Optional()])
    date_to = DateField("Till och med", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Slutdatumet ligger före startdatumet.")
