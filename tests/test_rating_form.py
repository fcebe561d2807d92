"""The rating form is hard to get wrong: the criterion follows the kind, a required
criterion is said on the first save, evidence survives a form with errors, the reason
says it is published, and no icon edits the organisations. Personas as in conftest."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ratings.models import Evidence, Rating
from tests.evidence_samples import PDF

ADD = "admin:ratings_rating_add"


def _data(period, unit, **extra):
    data = {
        "period": period.pk, "unit": unit.pk, "kind": "red_flag", "reason": "主动上门服务企业",
        "evidence-TOTAL_FORMS": "1", "evidence-INITIAL_FORMS": "0", "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def _criteria(client, kind):
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "ratings", "model_name": "rating", "field_name": "criterion", "term": "", "kind": kind,
    })
    return {int(r["id"]) for r in response.json()["results"]}


def test_the_criterion_autocomplete_offers_only_criteria_of_the_chosen_kind(
    client, bob, january, flag_criterion, yellow_criterion
):
    client.force_login(bob)
    assert _criteria(client, "red_flag") == {flag_criterion.pk}
    assert _criteria(client, "yellow_light") == {yellow_criterion.pk}
    assert _criteria(client, "red_light") == {yellow_criterion.pk}
    assert _criteria(client, "") == {flag_criterion.pk, yellow_criterion.pk}


def test_a_criterion_of_the_wrong_kind_is_refused_next_to_the_criterion(client, bob, town, january, yellow_criterion):
    client.force_login(bob)
    response = client.post(reverse(ADD), _data(january, town, criterion=yellow_criterion.pk))
    assert response.status_code == 200
    assert "类型与认定类型不符" in " ".join(response.context["adminform"].form.errors["criterion"])
    assert not Rating.objects.exists()


def test_a_required_criterion_is_marked_and_its_absence_refused_on_the_first_save(
    client, bob, town, january, rulebook, flag_criterion
):
    rulebook.criterion_required = True
    rulebook.save()
    client.force_login(bob)
    page = client.get(reverse(ADD)).content.decode()
    assert re.search(r'<label[^>]*class="required"[^>]*for="id_criterion"', page)
    response = client.post(reverse(ADD), _data(january, town))
    errors = response.context["adminform"].form.errors["criterion"]
    assert errors == ["本年度认定细则要求每条认定引用一个认定条目"]  # said once
    assert not Rating.objects.exists()


def test_a_red_flag_marked_serious_impact_is_refused(client, bob, town, january, flag_criterion):
    client.force_login(bob)
    response = client.post(reverse(ADD), _data(january, town, criterion=flag_criterion.pk, serious_impact="on"))
    assert "只有黄灯可以标记“造成较大影响”" in response.context["adminform"].form.errors["serious_impact"]
    assert not Rating.objects.exists()


def test_an_uploaded_file_survives_an_error_and_is_attached_on_the_corrected_save(
    client, bob, town, january, flag_criterion, settings
):
    client.force_login(bob)
    data = _data(january, town, criterion=flag_criterion.pk, reason="")
    data["evidence-0-file"] = SimpleUploadedFile("整改通知书.pdf", PDF)
    response = client.post(reverse(ADD), data)
    page = response.content.decode()
    assert response.status_code == 200 and "已上传：整改通知书.pdf" in page
    token = re.search(r'name="evidence-0-file-staged" value="([^"]+)"', page).group(1)

    data = _data(january, town, criterion=flag_criterion.pk, **{"evidence-0-file-staged": token})
    assert client.post(reverse(ADD), data).status_code == 302
    item = Evidence.objects.get()
    assert item.original_name == "整改通知书.pdf" and item.file.read() == PDF
    assert item.file.name.startswith("evidence/") and "整改" not in item.file.name
    staged = list((settings.MEDIA_ROOT / "evidence-staging").rglob("*.*"))
    assert staged == []  # the kept copy is gone once attached


def test_another_user_cannot_use_a_staged_file_token(client, bob, carol, town, january, flag_criterion):
    client.force_login(bob)
    data = _data(january, town, criterion=flag_criterion.pk, reason="")
    data["evidence-0-file"] = SimpleUploadedFile("整改通知书.pdf", PDF)
    page = client.post(reverse(ADD), data).content.decode()
    token = re.search(r'name="evidence-0-file-staged" value="([^"]+)"', page).group(1)

    client.force_login(carol)
    response = client.post(reverse(ADD), _data(january, town, criterion=flag_criterion.pk,
                                               **{"evidence-0-file-staged": token}))
    assert response.status_code == 200
    assert "之前上传的文件已失效，请重新选择文件" in response.content.decode()
    assert not Evidence.objects.exists() and not Rating.objects.exists()


def test_a_staged_file_can_be_removed_before_saving(client, bob, town, january, flag_criterion):
    client.force_login(bob)
    data = _data(january, town, criterion=flag_criterion.pk, reason="")
    data["evidence-0-file"] = SimpleUploadedFile("整改通知书.pdf", PDF)
    page = client.post(reverse(ADD), data).content.decode()
    token = re.search(r'name="evidence-0-file-staged" value="([^"]+)"', page).group(1)
    data = _data(january, town, criterion=flag_criterion.pk,
                 **{"evidence-0-file-staged": token, "evidence-0-file-staged-remove": "1"})
    assert client.post(reverse(ADD), data).status_code == 302
    assert not Evidence.objects.exists()


def test_the_rating_form_has_no_icons_that_edit_organisations_or_criteria(client, alice, january, flag_criterion):
    client.force_login(alice)
    page = client.get(reverse(ADD)).content.decode()
    for name in ("period", "department", "unit", "criterion"):
        assert f'id="add_id_{name}"' not in page and f'id="change_id_{name}"' not in page
        assert f'id="delete_id_{name}"' not in page and f'id="view_id_{name}"' not in page


def test_the_reason_says_it_is_published_word_for_word_and_its_limit(client, bob, january):
    client.force_login(bob)
    page = client.get(reverse(ADD)).content.decode()
    assert "事由将原文刊登在公开的亮榜上，请勿填写个人隐私信息" in page and "2,000" in page
    assert 'maxlength="2000"' in page
    assert "admin-extra/rating_form.js" in page


def test_an_empty_reason_is_said_once_next_to_the_field(client, bob, town, january, flag_criterion):
    client.force_login(bob)
    response = client.post(reverse(ADD), _data(january, town, criterion=flag_criterion.pk, reason=""))
    assert response.context["adminform"].form.errors["reason"] == ["这个字段是必填项。"]
    assert not Rating.objects.exists()
