"""Demo comparison figures in Kolada's format: Luleå and a few made-up municipalities, made-up values.

The KPI ids and municipality codes are invented for the demo (codes 99xx belong to no municipality);
real figures are downloaded from Kolada by hand and imported on *Servicemål → Jämförelser*.
"""
import json

from kundweb.audit.services import Actor
from kundweb.comparisons import services
from kundweb.comparisons.models import ComparisonImport
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM

ADMIN = Actor("david", frozenset({"admin"}))
KPIS = "U99001; Direkt svar i telefon på en enkel fråga (demo); direct\n" \
       "U99002; E-post besvarad inom en arbetsdag (demo); eservice"
MUNICIPALITIES = "9901; Norrbyn (påhittad)\n9902; Älvsala (påhittad)\n9903; Kustvik (påhittad)"
# (kpi, municipality): value in the latest year; earlier years a little lower.
VALUES = {("U99001", "2580"): 62.0, ("U99001", "9901"): 55.0, ("U99001", "9902"): 71.0, ("U99001", "9903"): 48.0,
          ("U99002", "2580"): 88.0, ("U99002", "9901"): 79.0, ("U99002", "9902"): 92.0, ("U99002", "9903"): None}


def seed_comparisons():
    """Import the demo file and choose its KPIs and municipalities, once."""
    if db.session.scalar(db.select(ComparisonImport.id).limit(1)):
        return []
    last_year = utcnow().astimezone(STOCKHOLM).year - 1
    rows = [{"kpi": kpi, "municipality": municipality, "period": year,
             "values": [{"gender": "T", "status": "", "count": 1,
                         "value": None if value is None else value - 2 * (last_year - year)}]}
            for (kpi, municipality), value in VALUES.items() for year in (last_year - 1, last_year)]
    services.import_kolada(ADMIN, "kolada-demo.json", json.dumps({"values": rows}).encode())
    services.save_choices(ADMIN, KPIS, MUNICIPALITIES)
    return [f"Jämförelser: {len(rows)} rader i Koladas format, tre påhittade kommuner"]
