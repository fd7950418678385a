"""Use-cases of user management: who may manage whom, and each change, checked and audited.

Who manages whom
- An administrator (or superuser) manages every account and may give any role; only a superuser
  manages a superuser's account.
- A district bureau's staff manage the accounts of their district below city level: district staff
  of the district, and enterprise and institute users of organisations registered in it. They give
  only those roles.
- Nobody manages their own account here: a slip must not lock the manager out or change their role.

Every change is one save of the user with its history row (django-simple-history) carrying who did
it and a reason that starts with what was done. A refusal raises ``ValidationError`` naming the field
and the rule, or ``PermissionDenied`` with the reason, before anything is written.
"""

from importlib import import_module

from axes.utils import reset as reset_lockouts
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ..models import ApiToken, District, Organisation, Role, Section, User
from ..permissions import Decision, role_of

CITY_ROLES = (Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER)
DISTRICT_ROLES = (Role.DISTRICT_STAFF, Role.ENTERPRISE, Role.INSTITUTE)
ORG_KIND = {Role.ENTERPRISE: Organisation.Kind.ENTERPRISE, Role.INSTITUTE: Organisation.Kind.INSTITUTE}
FIELDS = ("username", "display_name", "email", "role", "section", "district", "organisation")
MAX_REASON = 500


# ----------------------------------------------------------------------------------- permissions


def can_manage_users(actor) -> Decision:
    role = role_of(actor)
    if role == Role.ADMIN:
        return Decision(True)
    if role == Role.DISTRICT_STAFF and actor.district_id:
        return Decision(True)
    return Decision(False, _("只有系统管理员和区县科技局工作人员可以管理用户"))


def assignable_roles(actor) -> list[str]:
    """The roles ``actor`` may give, in the order of ``Role``."""
    role = role_of(actor)
    if role == Role.ADMIN:
        return list(Role.values)
    if role == Role.DISTRICT_STAFF and actor.district_id:
        return [r.value for r in DISTRICT_ROLES]
    return []


def _district_scope(district_id: int) -> Q:
    return Q(role=Role.DISTRICT_STAFF, district_id=district_id) | Q(
        role__in=[Role.ENTERPRISE, Role.INSTITUTE], organisation__district_id=district_id
    )


def managed_users(actor) -> QuerySet[User]:
    """The accounts ``actor`` sees in user management (``can_manage`` says which they may change)."""
    qs = User.objects.select_related("section", "district", "organisation__district")
    role = role_of(actor)
    if role == Role.ADMIN:
        return qs
    if role == Role.DISTRICT_STAFF and actor.district_id:
        return qs.filter(_district_scope(actor.district_id))
    return qs.none()


def can_manage(actor, target: User) -> Decision:
    allowed = can_manage_users(actor)
    if not allowed:
        return allowed
    if target.pk == actor.pk:
        return Decision(False, _("不能在用户管理中修改本人账号"))
    if target.is_superuser and not actor.is_superuser:
        return Decision(False, _("只有超级管理员可以管理超级管理员账号"))
    if role_of(actor) == Role.DISTRICT_STAFF and not managed_users(actor).filter(pk=target.pk).exists():
        return Decision(False, _("只能管理本区县的区县科技局工作人员和本区县企业、高校院所的用户"))
    return Decision(True)


def get_user(actor, pk: int) -> User:
    """A user ``actor`` may see in user management, else PermissionDenied (no hint of others)."""
    can_manage_users(actor).enforce()
    user = managed_users(actor).filter(pk=pk).first()
    if user is None:
        raise PermissionDenied(_("无权查看该用户，或该用户不存在"))
    return user


# --------------------------------------------------------------------------------------- queries


def search(actor, *, q: str = "", role: str = "", district: District | None = None, status: str = ""):
    qs = managed_users(actor)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(organisation__name__icontains=q)
            | Q(organisation__uscc__iexact=q)
        )
    if role in Role.values:
        qs = qs.filter(role=role)
    if district is not None:
        qs = qs.filter(Q(district=district) | Q(organisation__district=district))
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs.order_by("-is_active", "role", "username")


def find_organisation(actor, text: str) -> Organisation | None:
    """The organisation named by ``text`` (its 18-character USCC, or its exact name) among those
    ``actor`` may give users to; None when there is none or the name is not unique."""
    text = (text or "").strip()
    if not text:
        return None
    qs = Organisation.objects.select_related("district")
    if role_of(actor) == Role.DISTRICT_STAFF:
        qs = qs.filter(district_id=actor.district_id)
    by_code = qs.filter(uscc__iexact=text).first()
    if by_code is not None:
        return by_code
    named = list(qs.filter(name=text)[:2])
    return named[0] if len(named) == 1 else None


# ------------------------------------------------------------------------------------ validation


def _reason(text, *, required: bool, label) -> str:
    text = " ".join(str(text or "").split())
    if required and not text:
        raise ValidationError({"reason": _("请填写%(a)s的原因") % {"a": label}})
    if len(text) > MAX_REASON:
        raise ValidationError({"reason": _("原因不超过%(n)s字") % {"n": MAX_REASON}})
    return text


def _check(actor, user: User, *, new: bool) -> None:
    """The account's terms: name, role within what ``actor`` may give, and the scope the role needs
    (a section only for city roles, a district for district staff, an organisation of the right kind
    for enterprise and institute users), inside ``actor``'s district for district staff."""
    errors: dict[str, str] = {}
    if new:
        username = user.username or ""
        if not username:
            errors["username"] = _("用户名为必填项")
        elif len(username) > 150:
            errors["username"] = _("用户名不超过150个字符")
        else:
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                errors["username"] = _("用户名只能包含字母、数字和 @ . + - _")
            else:
                if User.objects.filter(username__iexact=username).exists():
                    errors["username"] = _("用户名“%(u)s”已被使用") % {"u": username}
    if not user.display_name:
        errors["display_name"] = _("姓名为必填项")
    elif len(user.display_name) > 64:
        errors["display_name"] = _("姓名不超过64个字")
    if user.email:
        try:
            validate_email(user.email)
        except ValidationError:
            errors["email"] = _("电子邮箱格式不正确")
    allowed = assignable_roles(actor)
    if user.role not in allowed:
        errors["role"] = (
            _("区县科技局工作人员只能设置区县科技局工作人员、企业用户和高校院所用户")
            if role_of(actor) == Role.DISTRICT_STAFF
            else _("请选择角色")
        )
    else:
        _check_scope(actor, user, errors)
    if errors:
        raise ValidationError(errors)


def _check_scope(actor, user: User, errors: dict) -> None:
    role = user.role
    district_actor = role_of(actor) == Role.DISTRICT_STAFF
    if user.section_id and role not in CITY_ROLES:
        errors["section"] = _("只有市局用户（系统管理员、市局工作人员、局领导）属于科室")
    if role == Role.DISTRICT_STAFF:
        if not user.district_id:
            errors["district"] = _("区县科技局工作人员须选择所属区县")
        elif district_actor and user.district_id != actor.district_id:
            errors["district"] = _("只能为本区县设置工作人员")
    elif user.district_id:
        errors["district"] = _("只有区县科技局工作人员需要选择区县（企业、高校院所用户的区县随所属机构）")
    if role in ORG_KIND:
        org = user.organisation
        if org is None:
            errors["organisation"] = _("企业和高校院所用户须填写所属机构")
        elif org.kind != ORG_KIND[role]:
            errors["organisation"] = (
                _("企业用户的所属机构须为企业")
                if role == Role.ENTERPRISE
                else _("高校院所用户的所属机构须为高校院所")
            )
        elif district_actor and org.district_id != actor.district_id:
            errors["organisation"] = _("只能为本区县的机构设置用户")
    elif user.organisation_id:
        errors["organisation"] = _("只有企业和高校院所用户需要填写所属机构")


def _apply(user: User, data: dict) -> None:
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("username", "display_name", "email", "role"):
            value = " ".join(str(value or "").split()) if name == "display_name" else str(value or "").strip()
        setattr(user, name, value)


def _save(actor, user: User, action, reason: str = "") -> User:
    """One save, with its history row saying who and, after the action, why."""
    user._history_user = actor
    user._change_reason = f"{action}：{reason}" if reason else str(action)
    user.save()
    return user


# -------------------------------------------------------------------------------------- use-cases


@transaction.atomic
def create_user(actor, data: dict, reason: str = "") -> User:
    """A new account without a usable password: hand its owner ``password_link`` to set one."""
    can_manage_users(actor).enforce()
    reason = _reason(reason, required=False, label=_("新建账号"))
    user = User(is_active=True)
    _apply(user, data)
    _check(actor, user, new=True)
    user.set_unusable_password()
    return _save(actor, user, _("新建账号"), reason)


@transaction.atomic
def update_user(actor, target: User, data: dict, reason: str = "") -> User:
    """Change name, e-mail, role, section, district or organisation (the user name stays)."""
    fresh = User.objects.select_for_update(of=("self",)).get(pk=target.pk)
    can_manage(actor, fresh).enforce()
    reason = _reason(reason, required=False, label=_("修改账号"))
    _apply(fresh, {k: v for k, v in data.items() if k != "username"})
    _check(actor, fresh, new=False)
    return _save(actor, fresh, _("修改账号信息"), reason)


def end_sessions(user: User) -> int:
    """Delete ``user``'s sessions from a database-backed session store; returns how many.

    Other stores cannot be listed, but lose nothing by it: a deactivated user no longer
    authenticates, and a reset password changes the hash every session is checked against."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    ended = 0
    for row in store.get_model_class().objects.filter(expire_date__gt=timezone.now()).iterator():
        if store().decode(row.session_data).get("_auth_user_id") == str(user.pk):
            store(session_key=row.session_key).delete()
            ended += 1
    return ended


def revoke_tokens(user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def deactivate(actor, target: User, reason: str) -> User:
    """Stop the account: signed out everywhere, API tokens revoked, an outstanding password link void."""
    fresh = User.objects.select_for_update(of=("self",)).get(pk=target.pk)
    can_manage(actor, fresh).enforce()
    if not fresh.is_active:
        raise ValidationError({"is_active": _("该账号已停用")})
    reason = _reason(reason, required=True, label=_("停用账号"))
    fresh.is_active = False
    if not fresh.has_usable_password():
        # A set-password link may be out (links go out only while the password is unusable); a new
        # unusable password changes what its token was made from, so it can never be used.
        fresh.set_unusable_password()
    tokens = revoke_tokens(fresh)
    sessions = end_sessions(fresh)
    detail = _("%(r)s（结束登录会话%(s)s个，作废接口令牌%(t)s个）") % {
        "r": reason,
        "s": sessions,
        "t": tokens,
    }
    return _save(actor, fresh, _("停用账号"), detail)


@transaction.atomic
def reactivate(actor, target: User, reason: str) -> User:
    """Let the account sign in again (its revoked API tokens stay revoked: issue new ones)."""
    fresh = User.objects.select_for_update(of=("self",)).get(pk=target.pk)
    can_manage(actor, fresh).enforce()
    if fresh.is_active:
        raise ValidationError({"is_active": _("该账号已是启用状态")})
    reason = _reason(reason, required=True, label=_("启用账号"))
    fresh.is_active = True
    return _save(actor, fresh, _("启用账号"), reason)


@transaction.atomic
def reset_password(actor, target: User, reason: str) -> User:
    """The old password stops working at once and every session ends; the user sets a new one
    through ``password_link``. A lock-out after failed sign-ins is lifted too."""
    fresh = User.objects.select_for_update(of=("self",)).get(pk=target.pk)
    can_manage(actor, fresh).enforce()
    if not fresh.is_active:
        raise ValidationError({"is_active": _("账号已停用，请先启用再重置密码")})
    reason = _reason(reason, required=True, label=_("重置密码"))
    fresh.set_unusable_password()
    end_sessions(fresh)
    reset_lockouts(username=fresh.username)
    return _save(actor, fresh, _("重置密码"), reason)


def password_link(user: User) -> str:
    """The path of the one-time link with which ``user`` sets a password: Django's password-reset
    token, void once used or once the user signs in, and after ``PASSWORD_RESET_TIMEOUT``."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_set", args=[uid, default_token_generator.make_token(user)])


def link_valid_days() -> int:
    return max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)


# --------------------------------------------------------------------------------------- history

SHOWN = ("username", "display_name", "email", "role", "section", "district", "organisation", "is_active")
EXTRA = ("is_staff", "is_superuser")


def _shown(field: str, value, names: dict) -> str:
    if value in (None, ""):
        return "—"
    if field == "role":
        return str(Role(value).label) if value in Role.values else str(value)
    if field == "is_active":
        return _("启用") if value else _("已停用")
    if field in ("is_staff", "is_superuser"):
        return _("是") if value else _("否")
    if field in names:
        return names[field].get(value, str(value))
    return str(value)


def history_rows(target: User) -> list[dict]:
    """The account's history, newest first: when, who, what changed (field: before → after), why.

    Each sign-in saves ``last_login`` and so writes a history row with nothing shown changed and no
    reason; those are left out."""
    records = list(target.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = (*SHOWN, *EXTRA)
    ids = {"section": set(), "district": set(), "organisation": set()}
    for r in records:
        for name in ids:
            value = getattr(r, f"{name}_id")
            if value is not None:
                ids[name].add(value)
    names = {
        "section": dict(Section.objects.filter(pk__in=ids["section"]).values_list("pk", "name")),
        "district": dict(District.objects.filter(pk__in=ids["district"]).values_list("pk", "name")),
        "organisation": dict(
            Organisation.objects.filter(pk__in=ids["organisation"]).values_list("pk", "name")
        ),
    }
    labels = {f: str(User._meta.get_field(f).verbose_name) for f in fields} | {"is_active": _("账号状态")}
    rows, previous = [], None
    for r in records:
        changes = []
        for f in fields:
            attr = f"{f}_id" if f in names else f
            after = getattr(r, attr)
            before = getattr(previous, attr) if previous is not None else None
            if previous is None and (after in (None, "", False) or f in EXTRA):
                continue
            if previous is None or before != after:
                changes.append(
                    {
                        "field": labels[f],
                        "before": _shown(f, before, names) if previous is not None else "",
                        "after": _shown(f, after, names),
                    }
                )
        previous = r
        if not changes and not r.history_change_reason:
            continue
        rows.append(
            {
                "at": r.history_date,
                "actor": r.history_user,
                "changes": changes,
                "reason": r.history_change_reason or "",
            }
        )
    rows.reverse()
    return rows


def end_user_session(actor, target: User, session_key: str) -> None:
    """An admin signs one of ``target``'s sessions out (a lost laptop, a shared office PC)."""
    can_manage(actor, target).enforce()
    from ..sessions import end_session

    if not end_session(target, session_key):
        raise ValidationError({"session": _("该会话已结束或不属于此用户")})
