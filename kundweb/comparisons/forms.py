"""Forms for the comparison figures: a Kolada file, and what to compare with."""
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import Length

from kundweb.forms import Form


class KoladaImportForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="kolada", **kwargs)

    file = FileField("Fil från Kolada (JSON)",
                     description="Hämtad för hand från Koladas API, "
                                 "t.ex. api.kolada.se/v2/data/kpi/U00437/year/2025.")


class ChoicesForm(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="choices", **kwargs)

    kpis = TextAreaField("Nyckeltal att jämföra", validators=[Length(max=5000)],
                         description="Ett per rad: Kolada-id; rubrik; vilket av Luleås mål det står bredvid "
                                     "(direct, satisfaction, phone, web, eservice).")
    municipalities = TextAreaField("Kommuner eller grupper att jämföra med", validators=[Length(max=5000)],
                                   description="En per rad: kommunkod; namn, t.ex. 2581; Piteå. "
                                               "Luleå (2580) visas alltid.")
