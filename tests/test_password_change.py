"""Every account changes its own password in the product (unit staff have no admin)."""

import pytest

from departments import roles
from tests.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def dan(db):
    user = make_user("dan", roles.UNIT_STAFF)
    user.is_staff = False
    user.save()
    user.profile.unit = OrganisationFactory(code="T09", name="东坝街道")
    user.profile.save()
    return user


def test_a_unit_staff_member_changes_the_initial_password_and_logs_in_with_the_new_one(client, dan):
    client.force_login(dan)
    page = client.get("/password/").content.decode()
    assert "修改密码" in page and "初始密码" in page
    response = client.post("/password/", {"old_password": "pw-dan", "new_password1": "东坝街道Xq7#mK2p",
                                          "new_password2": "东坝街道Xq7#mK2p"})
    assert response.status_code == 302 and response["Location"] == "/password/done/"
    assert "/desk/" in client.get("/password/done/").content.decode()
    client.logout()
    assert client.login(username="dan", password="东坝街道Xq7#mK2p")


def test_a_wrong_old_password_changes_nothing_and_says_so(client, dan):
    client.force_login(dan)
    response = client.post("/password/", {"old_password": "不对", "new_password1": "东坝街道Xq7#mK2p",
                                          "new_password2": "东坝街道Xq7#mK2p"})
    assert response.status_code == 200 and "旧密码" in response.content.decode()
    client.logout()
    assert client.login(username="dan", password="pw-dan")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/password/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
