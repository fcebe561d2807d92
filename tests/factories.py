"""factory_boy factories for the project's models."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from departments.models import Category, Jurisdiction, Organisation, Profile
from departments import roles
from ratings.models import Criterion, Period, Rating, RuleBook


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"j{n}")
    name = factory.Sequence(lambda n: f"辖区{n}")


def default_jurisdiction() -> Jurisdiction:
    return Jurisdiction.objects.get(code="default")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("jurisdiction", "name")

    jurisdiction = factory.LazyFunction(default_jurisdiction)
    name = "镇"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    jurisdiction = factory.LazyFunction(default_jurisdiction)
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    category = factory.LazyAttribute(lambda o: CategoryFactory(jurisdiction=o.jurisdiction))
    is_department = False
    is_unit = True


class DepartmentFactory(OrganisationFactory):
    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    category = factory.LazyAttribute(lambda o: CategoryFactory(jurisdiction=o.jurisdiction, name="区级机关部门"))
    is_department = True
    is_unit = False


class RuleBookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleBook
        django_get_or_create = ("jurisdiction", "year")

    jurisdiction = factory.LazyFunction(default_jurisdiction)
    year = 2026


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    rulebook = factory.SubFactory(RuleBookFactory)
    code = factory.Sequence(lambda n: f"C{n:03d}")
    text = factory.Sequence(lambda n: f"认定条目{n}")
    kind = "red_flag"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ("jurisdiction", "year", "month")

    jurisdiction = factory.LazyFunction(default_jurisdiction)
    year = 2026
    month = 1


class RatingFactory(factory.django.DjangoModelFactory):
    """A rating as stored; use the services to exercise the workflow."""

    class Meta:
        model = Rating

    period = factory.SubFactory(PeriodFactory)
    department = factory.SubFactory(DepartmentFactory)
    unit = factory.SubFactory(OrganisationFactory)
    kind = "red_flag"
    reason = "按时高质量完成任务"


def make_user(username: str, group: str | None = None, *, department: Organisation | None = None,
              jurisdiction: Jurisdiction | None = None, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, is_staff=True,
                                    is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    Profile.objects.create(user=user, jurisdiction=jurisdiction or default_jurisdiction(), department=department)
    return user


__all__ = [
    "CategoryFactory", "CriterionFactory", "DepartmentFactory", "JurisdictionFactory", "OrganisationFactory",
    "PeriodFactory", "RatingFactory", "RuleBookFactory", "default_jurisdiction", "make_user", "roles",
]
