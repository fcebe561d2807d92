"""Admin of the organisations: jurisdictions, categories, departments and units, and
the users' profiles. Everything is kept inside the user's jurisdiction; with only one
jurisdiction its fields and filters are hidden, so nobody has to think about it."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import BadRequest, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from config.ids import pk_from_path, value_from_path
from departments import citations, roles, selectors
from departments.admin_import import OrganisationImportAdminMixin
from departments.forms import IdentifierField
from departments.models import Category, Jurisdiction, Organisation, Profile
from lib.identifiers import IdentifierError, identifier_key, normalise_identifier

admin.site.site_header = gettext_lazy("效能亮榜")
admin.site.site_title = gettext_lazy("效能亮榜")
admin.site.index_title = gettext_lazy("效能亮榜管理")

User = get_user_model()


# Jurisdictions ----------------------------------------------------------------------


def jurisdiction_is_fixed(user) -> bool:
    """A user with a profile works in one jurisdiction; so does everyone when only one
    exists. Only a superuser without a profile, in a multi-jurisdiction deployment,
    sees and chooses jurisdictions."""
    if getattr(user, "profile", None) is not None:
        return True
    return Jurisdiction.objects.count() <= 1


def scope_to_jurisdiction(queryset: QuerySet, user, lookup: str = "jurisdiction_id") -> QuerySet:
    """Keep a queryset inside the user's jurisdiction (a superuser without a profile
    sees every jurisdiction; a user without a profile sees nothing)."""
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    if profile is not None:
        return queryset.filter(**{lookup: profile.jurisdiction_id})
    if getattr(user, "is_superuser", False):
        return queryset
    return queryset.none()


def form_with_jurisdiction(form_class: type[forms.ModelForm], jurisdiction: Jurisdiction | None):
    """The form, with the user's jurisdiction filled in when the field is hidden, and
    uniqueness checked within that jurisdiction (a duplicate code is a form error, not
    a database error)."""

    class JurisdictionForm(form_class):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if "jurisdiction" not in self.fields and self.instance.jurisdiction_id is None and jurisdiction:
                self.instance.jurisdiction = jurisdiction

        def _get_validation_exclusions(self):
            exclude = super()._get_validation_exclusions()
            if self.instance.jurisdiction_id is not None:
                exclude.discard("jurisdiction")
            return exclude

    JurisdictionForm.__name__ = form_class.__name__
    return JurisdictionForm


class IdentifierFieldsAdminMixin:
    """The admin's forms (and inline formsets) take ``identifier_fields`` as
    IdentifierField: normalised in the form's data, so that a formset's duplicate
    check compares what will be stored."""

    identifier_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.identifier_fields:
            kwargs["form_class"] = IdentifierField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class MalformedListQuery(IncorrectLookupParameters, BadRequest):
    """A list's filters that name nothing (``?period__id__exact=%00``): the list itself
    goes back to its unfiltered page, as Django has it; anything else built on the list
    (an export) answers 400."""


class NamedChoicesAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, shown again with a posted value that names no row
    (letters, a NUL byte, 5000 digits): that value is not looked up, so the form says
    what is wrong instead of failing."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        value = [text for text in value if value_from_path(target, str(text)) is not None]
        return super().optgroups(name, value, attr)


def named_choices_widget(model_admin, db_field, request, kwargs: dict) -> None:
    """Use NamedChoicesAutocompleteSelect for ``db_field`` when it is an autocomplete field."""
    if "widget" not in kwargs and db_field.name in model_admin.get_autocomplete_fields(request):
        kwargs["widget"] = NamedChoicesAutocompleteSelect(db_field, model_admin.admin_site, using=kwargs.get("using"))


class ObjectNotFoundMixin:
    """An object outside the user's view is simply not there: 404, never a redirect
    that says it exists. Nor is one whose id no row can have (config.ids): a number
    too large for the column, letters, full-width digits, a NUL byte; in the address,
    in a list's filters, in the ids a list action posts, in a form's choices."""

    def get_object(self, request, object_id, from_field=None):
        opts = self.model._meta
        field = opts.pk if from_field is None else opts.get_field(from_field)
        if value_from_path(field, object_id, model=self.model) is None:
            return None
        return super().get_object(request, object_id, from_field)

    def response_action(self, request, queryset):
        # The rows a list action is posted for: an id that names none is not one of them.
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        named = [text for text in selected if pk_from_path(self.model, text) is not None]
        if named != selected:
            request.POST = request.POST.copy()
            request.POST.setlist(helpers.ACTION_CHECKBOX_NAME, named)
        return super().response_action(request, queryset)

    def get_changeform_initial_data(self, request):
        # ``add/?unit=…`` fills in the form; an id that names nothing fills in nothing.
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many:
                initial[name] = [text for text in value if value_from_path(field, text) is not None]
            elif field.many_to_one and value_from_path(field, value) is None:
                del initial[name]
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        named_choices_widget(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)

        class NamedFiltersChangeList(changelist):
            def get_queryset(self, request, exclude_parameters=None):
                try:
                    return super().get_queryset(request, exclude_parameters)
                except IncorrectLookupParameters as exc:
                    raise MalformedListQuery(*exc.args) from exc

        return NamedFiltersChangeList

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("没有找到该记录"))


class JurisdictionScopedAdmin(ObjectNotFoundMixin, admin.ModelAdmin):
    """For models with a ``jurisdiction`` field."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not jurisdiction_is_fixed(request.user):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "jurisdiction"]})
            for name, options in fieldsets
        ]

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not jurisdiction_is_fixed(request.user):
            filters.insert(0, "jurisdiction")
        return filters

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if not jurisdiction_is_fixed(request.user):
            columns.append("jurisdiction")
        return columns

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return form_with_jurisdiction(form, roles.user_jurisdiction(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = scope_to_jurisdiction(Jurisdiction.objects.all(), request.user, "pk")
        elif db_field.name == "category":
            kwargs["queryset"] = scope_to_jurisdiction(Category.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """Changes in the history read as the forms do: choice labels, local times,
    是/否, and an empty value as “—” instead of a raw code or a 'deleted' object."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
            return "—"
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        return super().prepare_delta_change_value(change, value)


class ScopedHistoryMixin:
    """simple_history's pages, held to the same row-level rules as the change pages.

    - The history of an object outside the user's view is not there (404); a deleted
      object's history is shown when ``deleted_history_visible`` allows it.
    - Reverting is off: it would write around the services and their checks.
    """

    object_history_list_template = "admin/simple_history/object_history_list.html"

    def history_is_visible(self, request: HttpRequest, object_id: str) -> bool:
        pk = pk_from_path(self.model, unquote(object_id))
        if pk is None:
            return False
        try:
            if self.get_queryset(request).filter(pk=pk).exists():
                return True
            # The history's own pk is history_id: look the object up by its pk field.
            lookup = {self.model._meta.pk.attname: pk}
            record = self.model.history.filter(**lookup).order_by("-history_date").first()
        except (ValueError, ValidationError):
            return False
        return record is not None and self.deleted_history_visible(request, record)

    def deleted_history_visible(self, request: HttpRequest, record) -> bool:
        jurisdiction_id = getattr(record, "jurisdiction_id", None)
        if not roles.is_office(request.user) or jurisdiction_id is None:
            return False
        return scope_to_jurisdiction(Jurisdiction.objects.filter(pk=jurisdiction_id), request.user, "pk").exists()

    def history_view(self, request, object_id, extra_context=None):
        if not self.history_is_visible(request, object_id):
            raise Http404(_("没有找到该记录"))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        if not self.history_is_visible(request, object_id):
            raise Http404(_("没有找到该记录"))
        if pk_from_path(self.model.history.model, unquote(version_id)) is None:
            raise Http404(_("没有找到该记录"))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)


def office_only(request: HttpRequest) -> bool:
    return roles.is_office(request.user)


class OfficeWritesAdmin(JurisdictionScopedAdmin):
    """The office writes; everyone with the model's view permission reads."""

    def has_add_permission(self, request, *args) -> bool:
        return office_only(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return office_only(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return office_only(request) and super().has_delete_permission(request, obj)


@admin.register(Jurisdiction)
class JurisdictionAdmin(IdentifierFieldsAdminMixin, ObjectNotFoundMixin, admin.ModelAdmin):
    identifier_fields = ("code", "name", "issuing_office")
    list_display = ("name", "code", "is_active")
    search_fields = ("name", "code")

    def get_queryset(self, request):
        return scope_to_jurisdiction(super().get_queryset(request), request.user, "pk")

    def get_readonly_fields(self, request, obj=None):
        # The code names the jurisdiction in commands (--jurisdiction CODE).
        if obj is not None and not request.user.is_superuser:
            return ("code",)
        return ()

    def has_add_permission(self, request) -> bool:
        # A new jurisdiction is a new tenant: only a superuser adds one.
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return office_only(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Category)
class CategoryAdmin(IdentifierFieldsAdminMixin, OfficeWritesAdmin):
    identifier_fields = ("name",)
    list_display = ("name", "order", "organisation_count")
    search_fields = ("name",)
    fields = ("jurisdiction", "name", "order")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_organisation_count=Count("organisations"))

    @admin.display(description=gettext_lazy("单位数"), ordering="_organisation_count")
    def organisation_count(self, obj: Category) -> int:
        return obj._organisation_count


# Organisations ----------------------------------------------------------------------


class RoleListFilter(admin.SimpleListFilter):
    title = gettext_lazy("角色")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return (
            ("department", gettext_lazy("职能管理部门（含两者）")),
            ("unit", gettext_lazy("被考核单位（含两者）")),
            ("both", gettext_lazy("两者")),
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value == "department":
            return queryset.filter(is_department=True)
        if value == "unit":
            return queryset.filter(is_unit=True)
        if value == "both":
            return queryset.filter(is_department=True, is_unit=True)
        return queryset


class OrganisationForm(forms.ModelForm):
    """One choice for the role instead of two check boxes that could both be empty."""

    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=Organisation.Role.choices)

    class Meta:
        model = Organisation
        fields = ("jurisdiction", "code", "name", "category", "is_active", "retired_on")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "role" in self.fields:
            self.fields["role"].initial = self.instance.role if self.instance.pk else Organisation.Role.UNIT

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role:
            self.instance.is_department = role in (Organisation.Role.DEPARTMENT, Organisation.Role.BOTH)
            self.instance.is_unit = role in (Organisation.Role.UNIT, Organisation.Role.BOTH)
        if cleaned.get("is_active") and cleaned.get("retired_on"):
            cleaned["retired_on"] = None
        self._check_name_is_free(cleaned)
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        # The organisation as it would be saved: a role or jurisdiction that ratings or
        # accounts rely on stays, and the form says how many rely on it.
        if "role" in self._errors:
            return
        for field, problems in citations.organisation_change_problems(self.instance).items():
            target = "role" if field in ("is_department", "is_unit") else field
            self.add_error(target if target in self.fields else None, problems)

    def _check_name_is_free(self, cleaned: dict) -> None:
        """One organisation, one name: no two active organisations of a jurisdiction
        read the same (lib.identifiers). A retired one's name may be taken again."""
        name = cleaned.get("name")
        jurisdiction = cleaned.get("jurisdiction") or (self.instance.jurisdiction if self.instance.jurisdiction_id else None)
        if not name or jurisdiction is None or not cleaned.get("is_active", self.instance.is_active):
            return
        try:
            name = normalise_identifier(name)
        except IdentifierError:
            return  # the model names the character on this field
        others = selectors.active_organisations_named(jurisdiction_id=jurisdiction.pk, name=name,
                                                      exclude_pk=self.instance.pk)
        if others:
            self.add_error("name", _("在用的单位中已有“%(name)s”（编码 %(codes)s）；同一辖区内在用的单位不能同名") % {
                "name": others[0].name, "codes": "、".join(other.code for other in others),
            })


@admin.register(Organisation)
class OrganisationAdmin(
    IdentifierFieldsAdminMixin, OrganisationImportAdminMixin, ScopedHistoryMixin, OfficeWritesAdmin, SimpleHistoryAdmin
):
    form = OrganisationForm
    identifier_fields = ("code", "name")
    list_display = ("code", "name", "category", "role_column", "is_active", "retired_on")
    list_display_links = ("code", "name")
    list_filter = (RoleListFilter, "category", "is_active")
    search_fields = ("code", "name")
    ordering = ("code",)
    list_select_related = ("category",)
    fieldsets = (
        (None, {"fields": ("jurisdiction", "code", "name", "category", "role")}),
        (gettext_lazy("停用"), {"fields": ("is_active", "retired_on")}),
    )
    actions = ("retire",)
    list_per_page = 100

    @admin.display(description=gettext_lazy("角色"))
    def role_column(self, obj: Organisation) -> str:
        return obj.role_label

    def get_fieldsets(self, request, obj=None):
        # Read only, the form's role choice is not there: the role is shown by its name.
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        return [(name, {**options, "fields": ["role_column" if f == "role" else f for f in options["fields"]]})
                for name, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "role_column")

    def get_search_results(self, request, queryset, search_term):
        """The autocomplete of a rating's unit offers active units, its department's
        active departments; a rater never sees its own department as a unit to rate."""
        # A name pasted from a PDF (⽩鹭街道) finds the unit it reads as.
        search_term = identifier_key(search_term)
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            field = request.GET.get("field_name")
            if field == "unit":
                queryset = queryset.filter(is_unit=True, is_active=True)
                own = roles.user_department(request.user)
                if own is not None and not roles.is_office(request.user):
                    queryset = queryset.exclude(pk=own.pk)
            elif field == "department":
                queryset = queryset.filter(is_department=True, is_active=True)
        return queryset, may_have_duplicates

    @admin.action(description=gettext_lazy("停用所选单位（保留历史记录）"), permissions=("change",))
    def retire(self, request, queryset):
        today = timezone.localdate()
        count = 0
        for organisation in queryset.filter(is_active=True):
            organisation.is_active = False
            organisation.retired_on = today
            organisation._history_user = request.user
            organisation._change_reason = _("停用")
            organisation.save()
            count += 1
        self.message_user(
            request,
            ngettext("已停用 %(count)d 个单位。", "已停用 %(count)d 个单位。", count) % {"count": count},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj._change_reason = _("新增")
        super().save_model(request, obj, form, change)


# Users and their profiles -------------------------------------------------------------


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("jurisdiction", "department", "unit", "phone")
    autocomplete_fields = ("department", "unit")
    verbose_name = gettext_lazy("所属辖区与单位")
    verbose_name_plural = gettext_lazy("所属辖区与单位")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if jurisdiction_is_fixed(request.user):
            fields.remove("jurisdiction")
        return fields

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = form_with_jurisdiction(formset.form, roles.user_jurisdiction(request.user))
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        named_choices_widget(self, db_field, request, kwargs)
        if db_field.name == "department":
            kwargs["queryset"] = scope_to_jurisdiction(Organisation.objects.filter(is_department=True), request.user)
        elif db_field.name == "unit":
            kwargs["queryset"] = scope_to_jurisdiction(Organisation.objects.filter(is_unit=True), request.user)
        elif db_field.name == "jurisdiction":
            kwargs["queryset"] = scope_to_jurisdiction(Jurisdiction.objects.all(), request.user, "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(ObjectNotFoundMixin, DjangoUserAdmin):
    """The office manages the accounts of its jurisdiction: raters (with their
    department), unit staff (with their unit), leaders and its own staff. Only a superuser grants superuser rights
    or single permissions; roles are the three groups."""

    inlines = (ProfileInline,)
    list_display = ("username", "first_name", "last_name", "department_column", "unit_column", "roles_column", "is_active")
    list_filter = ("is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email", "profile__department__name", "profile__unit__name")

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("profile__department", "profile__unit").prefetch_related("groups")
        if request.user.is_superuser:
            return qs
        profile = getattr(request.user, "profile", None)
        if profile is None:
            return qs.none()
        return qs.filter(profile__jurisdiction_id=profile.jurisdiction_id, is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.ALL_GROUPS)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.is_staff = True  # every account of this product works in the admin
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        jurisdiction = roles.user_jurisdiction(request.user)
        if not hasattr(form.instance, "profile") and jurisdiction is not None:
            Profile.objects.create(user=form.instance, jurisdiction=jurisdiction)
        # Unit staff work on their desk only; every other role works in the admin.
        user = form.instance
        names = set(user.groups.values_list("name", flat=True))
        is_staff = user.is_superuser or bool(names & set(roles.ADMIN_GROUPS)) or not names
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])

    def get_deleted_objects(self, objs, request):
        """An account's notifications and their mail records go with it: nobody deletes
        mail records one by one, so they do not stop the office deleting an account."""
        from django.apps import apps

        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        mail = str(apps.get_model("notifications", "Delivery")._meta.verbose_name)
        return deleted, counts, {name for name in perms_needed if str(name) != mail}, protected

    @admin.display(description=gettext_lazy("所属职能管理部门"))
    def department_column(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.department.name if profile and profile.department else ""

    @admin.display(description=gettext_lazy("所属被考核单位"))
    def unit_column(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.unit.name if profile and profile.unit else ""

    @admin.display(description=gettext_lazy("角色"))
    def roles_column(self, obj) -> str:
        return "、".join(group.name for group in obj.groups.all())


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ObjectNotFoundMixin, DjangoGroupAdmin):
    """The roles' groups: a superuser's, as Django has them."""
