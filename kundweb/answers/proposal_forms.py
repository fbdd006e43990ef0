"""Forms for proposals to Kunskapsbanken, the editors' decisions and "Granskad"."""
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from kundweb.answers.proposals import MAX_RESPONSE, MAX_TEXT
from kundweb.answers.services import parse_row_id
from kundweb.forms import Form


class ProposalForm(Form):
    """"Saknas svar" (question and owner) or, with `answer_id`, "Fel i svaret" (what is wrong).

    The service checks the fields (Swedish errors at the fields), so both kinds share one form.
    """

    answer_id = HiddenField()
    enquiry_id = HiddenField()
    text = TextAreaField("Frågan som saknar svar", validators=[Length(max=MAX_TEXT)],
                         description="Skriv frågan så som invånaren ställde den.")
    owner = SelectField("Förvaltning eller bolag som äger frågan", validate_choice=False,
                        description="Förslaget går till redaktörerna där.")

    def int_or_none(self, field):
        # Never a number no database key can hold: the driver would fail on it (a 500).
        return parse_row_id((field.data or "").strip())


class DecisionForm(Form):
    """An editor's decision on one proposal: a word back and, when accepting, the answer it became."""

    response = TextAreaField("Besked till den som föreslog", validators=[Optional(), Length(max=MAX_RESPONSE)],
                             description="Måste fyllas i om du avböjer.")
    answer_id = SelectField("Svaret som skrevs eller ändrades (valfritt)", validate_choice=False)

    def linked_answer_id(self):
        return parse_row_id((self.answer_id.data or "").strip())


class ReviewedForm(Form):
    """"Granskad": nothing but the CSRF token."""
