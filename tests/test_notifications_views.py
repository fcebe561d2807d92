"""The notification centre over HTTP: every logged-in person's list, reading one, the
settings; the office's notice of failed mail and its admin list.

Personas: ``alice`` (office), ``bob`` (rater, department A), ``ursula`` (staff of the
town 淳溪街道, no admin), ``anon`` (not logged in)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from departments import roles
from departments.models import Profile
from notifications import services
from notifications.models import Delivery, Notification, Preference
from tests.factories import default_jurisdiction

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


@pytest.fixture
def ursula(town):
    user = User.objects.create_user(username="ursula", password="pw-ursula", email="ursula@example.cn",
                                    first_name="吴晓丽")
    user.groups.add(Group.objects.get(name=roles.UNIT_STAFF))
    Profile.objects.create(user=user, jurisdiction=default_jurisdiction(), unit=town)
    return user


def notice(user, title="淳溪街道获评红旗", link="/desk/"):
    [notification] = services.notify(recipients=[user], kind="rating_approved", title=title, link=link)
    return notification


def test_the_centre_has_its_address():
    assert reverse("notifications:list") == LIST
    assert reverse("notifications:read", args=[5]) == "/notifications/5/read/"
    assert reverse("notifications:settings") == "/notifications/settings/"


@pytest.mark.parametrize("url", [LIST, "/notifications/settings/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, settings, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={url}"

    settings.LOGIN_URL = "login"  # the product's own login, for unit staff too
    assert client.get(url)["Location"] == f"/login/?next={url}"


def test_anonymous_visitors_cannot_mark_anything_read(client, ursula):
    notification = notice(ursula)
    response = client.post(f"/notifications/{notification.pk}/read/")
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None


def test_unit_staff_see_their_notifications_newest_first_in_chinese(client, ursula):
    notice(ursula, title="第一条通知")
    notice(ursula, title="第二条通知")
    client.force_login(ursula)
    response = client.get(LIST)
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert html.index("第二条通知") < html.index("第一条通知")
    for text in ("通知", "全部标为已读", "未读", "认定通过", "吴晓丽", "退出", "2 条未读通知", "通知设置"):
        assert text in html
    assert response.context["page"].paginator.per_page == 50


def test_the_list_shows_fifty_a_page(client, ursula):
    for i in range(51):
        notice(ursula, title=f"通知{i:02d}")
    client.force_login(ursula)
    first, second = client.get(LIST), client.get(LIST + "?page=2")
    assert len(first.context["page"].object_list) == 50
    assert [n.title for n in second.context["page"].object_list] == ["通知00"]
    assert "第 2 页，共 2 页" in second.content.decode()
    assert client.get(LIST + "?page=abc").status_code == 200


def test_reading_a_notification_marks_it_read_and_opens_its_link(client, ursula):
    notification = notice(ursula, link="/desk/ratings/7/")
    client.force_login(ursula)
    response = client.post(f"/notifications/{notification.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/desk/ratings/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "没有未读" in client.get(LIST).content.decode()


def test_a_notification_without_a_link_goes_back_to_the_list(client, ursula):
    notification = notice(ursula, link="")
    client.force_login(ursula)
    assert client.post(f"/notifications/{notification.pk}/read/")["Location"] == LIST


@pytest.mark.parametrize("text", ["{other}", "99999999999999999999999", "abc", "%00", "-1"])
def test_nobody_reads_or_marks_another_persons_notification(client, ursula, bob, text):
    other = notice(ursula)
    client.force_login(bob)
    response = client.post(f"/notifications/{text.format(other=other.pk)}/read/")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    assert "淳溪街道获评红旗" not in client.get(LIST).content.decode()


def test_reading_is_a_post(client, ursula):
    notification = notice(ursula)
    client.force_login(ursula)
    assert client.get(f"/notifications/{notification.pk}/read/").status_code == 405


def test_all_read_marks_only_ones_own(client, ursula, bob):
    notice(ursula)
    notice(ursula)
    notice(bob)
    client.force_login(ursula)
    response = client.post("/notifications/read-all/", follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert Notification.objects.filter(recipient=ursula, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_the_settings_show_the_address_and_keep_each_choice(client, ursula):
    client.force_login(ursula)
    html = client.get("/notifications/settings/").content.decode()
    assert "邮件发送到：ursula@example.cn" in html
    assert "认定通过" in html and "更正发布" in html
    assert "邮件发送失败" not in html  # the office's in-app notice is never mailed

    response = client.post("/notifications/settings/", {"email": ["correction_published", "no_such_kind"]}, follow=True)
    assert "通知设置已保存" in response.content.decode()
    stored = dict(Preference.objects.filter(user=ursula).values_list("kind", "email"))
    assert stored["correction_published"] is True and stored["rating_approved"] is False
    assert "no_such_kind" not in stored
    assert 'value="rating_approved">' in response.content.decode()  # unticked now


def test_the_settings_say_when_no_address_is_on_file(client, bob):
    client.force_login(bob)
    assert "还没有登记邮箱" in client.get("/notifications/settings/").content.decode()


def test_the_office_sees_the_failed_mail_and_others_do_not(client, alice, bob, ursula, settings,
                                                          django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingEmailBackend"
    settings.LIANGBANG_NOTIFICATION_MAX_RETRIES = 1
    with django_capture_on_commit_callbacks(execute=True):
        notice(ursula)
    assert Delivery.objects.get().status == Delivery.Status.FAILED

    client.force_login(alice)
    html = client.get(LIST).content.decode()
    assert "最近30天有 1 封通知邮件重试后仍未发出" in html
    assert 'href="/admin/notifications/delivery/?status__exact=failed"' in html
    admin_list = client.get("/admin/notifications/delivery/?status__exact=failed")
    assert admin_list.status_code == 200
    assert "ursula@example.cn" in admin_list.content.decode()
    assert client.get("/admin/notifications/delivery/add/").status_code == 403

    client.force_login(bob)
    assert "未能发出" not in client.get(LIST).content.decode()
    assert client.get("/admin/notifications/delivery/").status_code == 403


def test_unit_staff_never_reach_the_admin_list(client, ursula):
    client.force_login(ursula)
    response = client.get("/admin/notifications/delivery/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]  # the admin's own login


def test_the_office_resends_failed_mail_from_the_admin(client, alice, ursula, settings,
                                                       django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingEmailBackend"
    settings.LIANGBANG_NOTIFICATION_MAX_RETRIES = 0
    with django_capture_on_commit_callbacks(execute=True):
        notice(ursula)
    delivery = Delivery.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/notifications/delivery/", {
            "action": "resend", "_selected_action": [str(delivery.pk)],
        }, follow=True)
    assert "已重新排队 1 封邮件" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_the_list_page_switches_to_english(client, ursula):
    client.force_login(ursula)
    client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    response = client.get(LIST)
    assert '<html lang="en">' in response.content.decode()


def test_each_office_sees_only_its_own_jurisdictions_deliveries(client, ursula, django_capture_on_commit_callbacks):
    from tests.factories import JurisdictionFactory, make_user

    olga = make_user("olga", roles.OFFICE, jurisdiction=JurisdictionFactory(code="lishui", name="溧水区"))
    with django_capture_on_commit_callbacks(execute=True):
        notice(ursula)
    delivery = Delivery.objects.get()
    client.force_login(olga)
    assert "ursula@example.cn" not in client.get("/admin/notifications/delivery/").content.decode()
    assert client.get(f"/admin/notifications/delivery/{delivery.pk}/change/").status_code == 404
    assert client.get(f"/admin/notifications/delivery/{delivery.pk}/delete/").status_code == 403


def test_notifications_are_not_in_the_admin(client, alice):
    client.force_login(alice)
    assert client.get("/admin/notifications/notification/").status_code == 404
