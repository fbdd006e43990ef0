"""The editor role comes from an AD group in the real Samba AD DC, and such an editor keeps their own answers."""
import pytest

from kundweb.answers.models import Answer
from kundweb.extensions import db
from tests.answers_editing_helpers import owners
from tests.conftest import csrf_token, post_login
from tests.directory_helpers import add_person
from tests.test_auth_real_ad import GROUPS, ad_env, make_ad_app, samba_tool  # noqa: F401 - ad_env is a fixture

pytestmark = pytest.mark.real_ad
# This file's own account and group, made and removed here; the shared test users and groups stay as they are.
EDITOR_ACCOUNT, EDITOR_PASSWORD = "kbcore-editor", "Kbcore-pw-1"
EDITOR_GROUP = "kbcore-kunskapsbanken"


@pytest.fixture
def editor_in_ad(ad_env):  # noqa: F811 - the fixture imported above
    for args in (("user", "delete", EDITOR_ACCOUNT), ("group", "delete", EDITOR_GROUP)):
        samba_tool(ad_env, *args, check=False)  # left over from an interrupted run
    samba_tool(ad_env, "group", "add", EDITOR_GROUP)
    try:
        samba_tool(ad_env, "user", "create", EDITOR_ACCOUNT, EDITOR_PASSWORD)
        samba_tool(ad_env, "group", "addmembers", EDITOR_GROUP, EDITOR_ACCOUNT)
        yield
    finally:
        samba_tool(ad_env, "user", "delete", EDITOR_ACCOUNT, check=False)
        samba_tool(ad_env, "group", "delete", EDITOR_GROUP, check=False)


def test_an_editor_from_the_ad_group_writes_an_answer_of_their_own_department(app, ad_env, editor_in_ad):  # noqa: F811
    ad_app = make_ad_app(app, ad_env, LDAP_GROUP_ROLES={f"CN={EDITOR_GROUP},{GROUPS}": "editor"})
    with ad_app.app_context():
        setup = owners()
        # Their directory entry (the sync reads department from AD; here it is set as the sync would).
        add_person(EDITOR_ACCOUNT, "Kbcore Redaktör", department="Stadsbyggnadsförvaltningen")
    client = ad_app.test_client()
    assert post_login(client, EDITOR_ACCOUNT, EDITOR_PASSWORD).status_code == 302
    assert client.get("/", follow_redirects=False).location.endswith("/start/editor")
    token = csrf_token(client, "/kunskapsbanken/nytt")
    answer = {"question": "Hur lång tid tar ett bygglov?", "body": "Högst tio veckor.", "responsible": "hanna",
              "category_id": str(setup.bygglov), "visibility": "intern", "csrf_token": token}
    assert client.post("/kunskapsbanken/nytt", data={**answer, "owner": f"unit:{setup.building}"}).status_code == 302
    assert client.post("/kunskapsbanken/nytt", data={**answer, "owner": f"unit:{setup.social}"}).status_code == 403
    with ad_app.app_context():
        assert [(a.created_by, a.unit_id) for a in db.session.scalars(db.select(Answer))] == [
            (EDITOR_ACCOUNT, setup.building)]
