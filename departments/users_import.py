"""Accounts from a spreadsheet: 用户名, 姓名, 单位, 角色, 邮箱, 手机, all or nothing.

The office creates the accounts of its jurisdiction in bulk. The file is read by the
shared reader (departments.importing: .xlsx or .csv, problems by row and column), every
row is checked before anything is written, and then every row is written in one
transaction. A row names an account by its 用户名:

- a new 用户名 is a new account with a random initial password, handed back to the
  caller (never logged) and never shown again;
- an existing account of the jurisdiction gets the row's name, e-mail, phone, roles and
  organisation; its password is never changed; a row that changes nothing is counted as
  unchanged, so re-importing the same file changes nothing;
- a superuser, an account of another jurisdiction or an account without one is refused.

角色 is one or more of the four roles (效能办、职能管理部门、领导、被考核单位), separated by
、 or a comma. 单位 is an organisation's 编码 or 名称 in the jurisdiction, compared as
normalised (lib.identifiers): 职能管理部门 needs a department, 被考核单位 a rated unit,
both roles one organisation that is both; 效能办 and 领导 belong to no organisation, so
their 单位 stays empty. Unit-only staff never work in the admin (``is_staff`` False);
every other role does.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments import roles
from departments.importing import (
    HEADER_ROWS, OrganisationFinder, ImportRejected, RowError, cell_text, is_blank, read_dataset, read_file, sheet_info,
    starts_like_formula,
)
from departments.models import Jurisdiction, Organisation, Profile
from lib.identifiers import IdentifierError, normalise_identifier

USERNAME, NAME, ORGANISATION, ROLES, EMAIL, PHONE = "用户名", "姓名", "单位", "角色", "邮箱", "手机"
REQUIRED_HEADERS = (USERNAME, NAME, ORGANISATION, ROLES, EMAIL, PHONE)
OPTIONAL_HEADERS: tuple[str, ...] = ()
NO_PASSWORDS = gettext_lazy("导入不接收密码：新账号的初始密码由系统随机生成，已有账号的密码不会改变；请删去这一列")
REFUSED_HEADERS = {"密码": NO_PASSWORDS, "初始密码": NO_PASSWORDS}
COLUMN_LIMITS = {USERNAME: 150, NAME: 150, ORGANISATION: 100, ROLES: 50, EMAIL: 254, PHONE: 20}
REQUIRED_COLUMNS = (USERNAME, NAME, ROLES)

ROLE_SEPARATORS = re.compile(r"[、,，;；\s]+")
PHONE_RE = re.compile(r"^1\d{10}$")
PHONE_SEPARATORS = re.compile(r"[\s\-－]+")

# Letters and digits that read alike in a printed list or an e-mail font (0/O/o, 1/l/I/i)
# are left out: a clerk reads the initial password to a colleague over the phone.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0Oo1lIiL")
PASSWORD_LENGTH = 14


def initial_password(user=None) -> str:
    """A random initial password: at least PASSWORD_LENGTH characters (and the site's
    minimum), with an upper-case letter, a lower-case letter and a digit, that passes
    the password validators."""
    length = max(PASSWORD_LENGTH, getattr(settings, "PASSWORD_MIN_LENGTH", 0))
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if not (any(c.isupper() for c in password) and any(c.islower() for c in password)
                and any(c.isdigit() for c in password)):
            continue
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password


def formula_safe(text: str) -> str:
    """A cell a spreadsheet would read as a formula, with a leading apostrophe."""
    return "'" + text if starts_like_formula(text) else text


# Rows --------------------------------------------------------------------------------


@dataclass
class AccountRow:
    """One row, checked: the account it describes."""

    row: int
    username: str
    name: str
    email: str
    phone: str
    groups: frozenset[str]
    organisation: Organisation | None
    user: object | None = None  # the existing account, if any

    @property
    def department(self) -> Organisation | None:
        return self.organisation if roles.RATER in self.groups else None

    @property
    def unit(self) -> Organisation | None:
        return self.organisation if roles.UNIT_STAFF in self.groups else None

    @property
    def is_staff(self) -> bool:
        return bool(self.groups & set(roles.ADMIN_GROUPS))


@dataclass
class InitialPassword:
    username: str
    name: str
    password: str


@dataclass
class UsersImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    passwords: list[InitialPassword] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return _("新建 %(created)d，更新 %(updated)d，未变化 %(unchanged)d") % {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
        }


class _RowChecker:
    def __init__(self, jurisdiction: Jurisdiction):
        self.jurisdiction = jurisdiction
        self.organisations = OrganisationFinder(jurisdiction)
        self.username_validator = UnicodeUsernameValidator()
        self.email_validator = EmailValidator()
        self.rows_by_username: dict[str, int] = {}
        self.errors: list[RowError] = []

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def check(self, number: int, cells: dict[str, str]) -> AccountRow | None:
        errors_before = len(self.errors)
        for column in REQUIRED_COLUMNS:
            if cells[column] == "":
                self.error(number, column, _("不能为空"))
        username = self.username(number, cells[USERNAME]) if cells[USERNAME] else ""
        name = self.name(number, cells[NAME]) if cells[NAME] else ""
        groups = self.groups(number, cells[ROLES]) if cells[ROLES] else frozenset()
        organisation = self.organisation(number, cells[ORGANISATION], groups)
        email = self.email(number, cells[EMAIL])
        phone = self.phone(number, cells[PHONE])
        user = self.existing(number, username) if username else None
        if len(self.errors) > errors_before:
            return None
        return AccountRow(number, username, name, email, phone, groups, organisation, user)

    def username(self, number: int, text: str) -> str:
        User = get_user_model()
        username = User.normalize_username(text)
        try:
            self.username_validator(username)
        except ValidationError:
            self.error(number, USERNAME, _(
                "“%(value)s”不是有效的用户名：只能包含字母、数字和 @ . + - _ 这几个符号，不能有空格"
            ) % {"value": text})
            return ""
        first = self.rows_by_username.setdefault(username.casefold(), number)
        if first != number:
            self.error(number, USERNAME, _("用户名“%(username)s”与第 %(row)d 行重复") % {
                "username": username, "row": first,
            })
            return ""
        return username

    def name(self, number: int, text: str) -> str:
        try:
            name = normalise_identifier(text)
        except IdentifierError as exc:
            self.error(number, NAME, exc.message)
            return ""
        if starts_like_formula(name):
            self.error(number, NAME, _(
                "不能以“%(char)s”开头：电子表格会把它当作公式；请删去开头的“%(char)s”"
            ) % {"char": name[0]})
            return ""
        return name

    def groups(self, number: int, text: str) -> frozenset[str]:
        names = [part for part in ROLE_SEPARATORS.split(text) if part]
        unknown = [part for part in names if part not in roles.ALL_GROUPS]
        if unknown or not names:
            self.error(number, ROLES, _("“%(value)s”不是有效的角色，应为 %(roles)s 中的一个或几个，用“、”隔开") % {
                "value": "、".join(unknown) or text, "roles": "、".join(roles.ALL_GROUPS),
            })
            return frozenset()
        return frozenset(names)

    def organisation(self, number: int, text: str, groups: frozenset[str]) -> Organisation | None:
        rater, unit_staff = roles.RATER in groups, roles.UNIT_STAFF in groups
        if not text:
            if groups and (rater or unit_staff):
                needed = "、".join(role for role in (roles.RATER, roles.UNIT_STAFF) if role in groups)
                self.error(number, ORGANISATION, _("角色为%(roles)s的账号必须填写所属单位（编码或名称）") % {"roles": needed})
            return None
        try:
            normal = normalise_identifier(text)
            organisation = self.organisations.find(normal)
        except IdentifierError as exc:
            self.error(number, ORGANISATION, exc.message)
            return None
        except ValueError as exc:
            self.error(number, ORGANISATION, str(exc))
            return None
        if organisation is None:
            self.error(number, ORGANISATION, _("本辖区没有编码或名称为“%(value)s”的单位") % {"value": normal})
            return None
        if not groups:
            return organisation  # the 角色 column already says what is wrong
        if not (rater or unit_staff):
            self.error(number, ORGANISATION, _(
                "%(roles)s账号不属于任何单位，请把这一格留空"
            ) % {"roles": "、".join(role for role in roles.ALL_GROUPS if role in groups)})
            return None
        if not organisation.is_active:
            self.error(number, ORGANISATION, _("“%(name)s”已停用，不能再为它开设账号") % {"name": organisation.name})
            return None
        if rater and not organisation.is_department:
            self.error(number, ORGANISATION, _("“%(name)s”不是职能管理部门，不能有角色为职能管理部门的账号") % {
                "name": organisation.name,
            })
            return None
        if unit_staff and not organisation.is_unit:
            self.error(number, ORGANISATION, _("“%(name)s”不是被考核单位，不能有角色为被考核单位的账号") % {
                "name": organisation.name,
            })
            return None
        return organisation

    def email(self, number: int, text: str) -> str:
        if not text:
            return ""
        try:
            self.email_validator(text)
        except ValidationError:
            self.error(number, EMAIL, _("“%(value)s”不是有效的邮箱地址") % {"value": text})
            return ""
        return get_user_model().objects.normalize_email(text)

    def phone(self, number: int, text: str) -> str:
        if not text:
            return ""
        phone = PHONE_SEPARATORS.sub("", text)
        if not PHONE_RE.match(phone):
            self.error(number, PHONE, _("“%(value)s”不是有效的手机号码，应为以 1 开头的 11 位数字") % {"value": text})
            return ""
        return phone

    def existing(self, number: int, username: str):
        User = get_user_model()
        user = User.objects.filter(username=username).select_related("profile").first()
        if user is None:
            other = User.objects.filter(username__iexact=username).first()
            if other is not None:
                self.error(number, USERNAME, _(
                    "已有用户名“%(other)s”（只是大小写不同）；请改用另一个用户名，或照原样填写以修改该账号"
                ) % {"other": other.username})
            return None
        if user.is_superuser:
            self.error(number, USERNAME, _("“%(username)s”是超级管理员账号，导入不能修改它") % {"username": username})
            return None
        profile = getattr(user, "profile", None)
        if profile is None or profile.jurisdiction_id != self.jurisdiction.pk:
            self.error(number, USERNAME, _(
                "用户名“%(username)s”已被其他辖区（或未分配辖区）的账号使用，导入不能修改它；请改用另一个用户名"
            ) % {"username": username})
            return None
        return user


# Reading and importing -----------------------------------------------------------------


def read_accounts(path: str | Path) -> tablib.Dataset:
    """The file checked for its format (headers, cells), without the database."""
    return read_file(path, required=REQUIRED_HEADERS, optional=OPTIONAL_HEADERS, refused=REFUSED_HEADERS,
                     limits=COLUMN_LIMITS)


def read_accounts_upload(*, name: str, content: bytes) -> tablib.Dataset:
    return read_dataset(name=name, content=content, required=REQUIRED_HEADERS, optional=OPTIONAL_HEADERS,
                        refused=REFUSED_HEADERS, limits=COLUMN_LIMITS)


def check_accounts(dataset: tablib.Dataset, *, jurisdiction: Jurisdiction) -> list[AccountRow]:
    """Every row checked against the jurisdiction; ImportRejected lists every problem."""
    checker = _RowChecker(jurisdiction)
    accounts: list[AccountRow] = []
    for offset, values in enumerate(dataset):
        if is_blank(values):
            continue  # an empty row between rows keeps the numbering
        cells = {header: cell_text(value) for header, value in zip(dataset.headers, values)}
        account = checker.check(offset + HEADER_ROWS + 1, cells)
        if account is not None:
            accounts.append(account)
    if checker.errors:
        order = {header: index for index, header in enumerate(REQUIRED_HEADERS)}
        raise ImportRejected(sorted(checker.errors, key=lambda e: (e.row or 0, order.get(e.column, -1))))
    if not accounts:
        raise ImportRejected.file(_("文件中没有要导入的账号（从第 2 行开始填写）"))
    return accounts


def _changed(account: AccountRow) -> bool:
    user, profile = account.user, account.user.profile
    held = set(user.groups.filter(name__in=roles.ALL_GROUPS).values_list("name", flat=True))
    return (
        user.first_name != account.name or user.email != account.email or user.is_staff != account.is_staff
        or profile.phone != account.phone or held != set(account.groups)
        or profile.department_id != getattr(account.department, "pk", None)
        or profile.unit_id != getattr(account.unit, "pk", None)
    )


def _write(account: AccountRow, *, jurisdiction: Jurisdiction, groups: dict[str, Group]) -> InitialPassword | None:
    User = get_user_model()
    role_groups = [groups[name] for name in roles.ALL_GROUPS if name in account.groups]
    if account.user is None:
        user = User(username=account.username, first_name=account.name, email=account.email,
                    is_staff=account.is_staff)
        password = initial_password(user)
        user.set_password(password)
        user.save()
        user.groups.set(role_groups)
        Profile.objects.create(user=user, jurisdiction=jurisdiction, department=account.department,
                               unit=account.unit, phone=account.phone)
        return InitialPassword(account.username, account.name, password)
    user = account.user
    user.first_name, user.email, user.is_staff = account.name, account.email, account.is_staff
    user.save(update_fields=["first_name", "email", "is_staff"])
    others = list(user.groups.exclude(name__in=roles.ALL_GROUPS))
    user.groups.set([*others, *role_groups])
    profile = user.profile
    profile.department, profile.unit, profile.phone = account.department, account.unit, account.phone
    profile.save(update_fields=["department", "unit", "phone"])
    return None


def import_accounts(dataset: tablib.Dataset, *, jurisdiction: Jurisdiction, dry_run: bool = False,
                    deliver: Callable[[Sequence[InitialPassword]], None] | None = None) -> UsersImportResult:
    """Check every row, then write them all in one transaction. ``deliver`` receives the
    new accounts' initial passwords inside the transaction: if it fails (the password
    file cannot be written), nothing is written either. A dry run writes nothing and
    makes no password."""
    accounts = check_accounts(dataset, jurisdiction=jurisdiction)
    result = UsersImportResult(notes=list(sheet_info(dataset).notes))
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ALL_GROUPS)}
    missing = [name for name in roles.ALL_GROUPS if name not in groups]
    if missing:
        raise ImportRejected.file(_("缺少角色组：%(groups)s；请先运行数据库迁移") % {"groups": "、".join(missing)})
    try:
        with transaction.atomic():
            for account in accounts:
                if account.user is None:
                    result.created += 1
                elif _changed(account):
                    result.updated += 1
                else:
                    result.unchanged += 1
                    continue
                if dry_run:
                    continue
                initial = _write(account, jurisdiction=jurisdiction, groups=groups)
                if initial is not None:
                    result.passwords.append(initial)
            if result.passwords and deliver is not None:
                deliver(result.passwords)
    except IntegrityError as exc:
        # Someone created one of these accounts between the check and the write.
        raise ImportRejected.file(_("导入时账号被同时修改（%(error)s），没有写入任何数据；请重新导入") % {
            "error": exc,
        }) from exc
    return result
