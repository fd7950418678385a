from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .uscc import normalise, uscc_error


def validate_uscc(value: str) -> None:
    message = uscc_error(value)
    if message:
        raise ValidationError(message, code="uscc")


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    BUREAU_STAFF = "bureau_staff", _("市局工作人员")
    LEADER = "leader", _("局领导")
    DISTRICT_STAFF = "district_staff", _("区县科技局工作人员")
    ENTERPRISE = "enterprise", _("企业用户")
    INSTITUTE = "institute", _("高校院所用户")
    EXPERT = "expert", _("专家")


class District(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("市辖区")
        COUNTY = "county", _("县")
        COUNTY_CITY = "county_city", _("县级市")
        ZONE = "zone", _("功能区")

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.DISTRICT)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("区县")
        verbose_name_plural = _("区县")

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    """A section (科室) of the city bureau."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("科室")
        verbose_name_plural = _("科室")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """Any legal entity the bureau deals with: enterprises, universities and institutes, others."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        INSTITUTE = "institute", _("高校院所")
        OTHER = "other", _("其他机构")

    name = models.CharField(_("名称"), max_length=200, db_index=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True, validators=[validate_uscc]
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, db_index=True)
    district = models.ForeignKey(
        District, verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="organisations"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.uscc:
            self.uscc = normalise(self.uscc)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    section = models.ForeignKey(
        Section,
        verbose_name=_("科室"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # The reason of an account change (user management writes what was done and why) may be longer
    # than simple-history's default 100 characters.
    history = HistoricalRecords(
        excluded_fields=["password", "last_login"], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.role == Role.DISTRICT_STAFF and not self.district_id:
            raise ValidationError({"district": _("区县科技局工作人员必须指定所属区县")})
        if self.role in (Role.ENTERPRISE, Role.INSTITUTE) and not self.organisation_id:
            raise ValidationError({"organisation": _("企业和高校院所用户必须指定所属机构")})

    @property
    def is_city_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER) or self.is_superuser


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is stored; the token is shown once when issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=64)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"))

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class UserSession(models.Model):
    """A signed-in browser session as its owner and the admins see it, so that it can be ended.

    Keyed by the session key; the session itself stays in Django's session store. Kept up to date by
    kechuang.core.middleware.SessionActivityMiddleware at most once a minute.
    """

    session_key = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions")
    user_agent = models.CharField(_("设备/浏览器"), max_length=300, blank=True)
    address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("登录时间"), auto_now_add=True)
    last_activity = models.DateTimeField(_("最近活动"))

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")
        ordering = ["-last_activity"]

    def __str__(self) -> str:
        return f"{self.user} · {self.address or '-'}"


class Notification(models.Model):
    """An in-app message; e-mail copies go through Django's mail backend."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title


class ImportRun(models.Model):
    """Every upload is kept with its outcome, accepted or refused, so that nothing is lost."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        ACCEPTED = "accepted", _("已导入")
        REFUSED = "refused", _("已拒绝")

    kind = models.CharField(_("导入类型"), max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    filename = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    stored_file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    status = models.CharField(_("结果"), max_length=16, choices=Status.choices)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    # A long import runs in the background; the page polls these to show how far it has got.
    stage = models.CharField(_("当前步骤"), max_length=200, blank=True)
    progress_done = models.PositiveIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveIntegerField(_("总量"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The last sign of life of a running import; one silent for too long was cut off by a restart
    # (see ``kechuang.core.imports``).
    heartbeat_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class AccessLog(models.Model):
    """A read that matters: an export of a list, a look at someone's personal details, a download of
    an application pack, a sign-in. Edits are audited by simple-history and workflow changes by each
    app's transition log; this table holds what neither sees."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("导出")
        READ = "read", _("查看")
        DOWNLOAD = "download", _("下载")
        SIGN_IN = "sign_in", _("登录")
        SIGN_IN_FAILED = "sign_in_failed", _("登录失败")
        SIGN_OUT = "sign_out", _("退出登录")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as typed: a failed sign-in has no user, and the name outlives a deleted account.
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, db_index=True)
    what = models.CharField(_("内容"), max_length=200)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)  # app_label.model
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("地址"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("访问记录")
        verbose_name_plural = _("访问记录")
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_accesslog_obj")]

    def __str__(self) -> str:
        return f"{self.username} {self.get_kind_display()} {self.what}"


class ClosedYear(models.Model):
    """A statistical year the bureau has closed: its yearly facts are complete, and city and district
    figures use the latest closed year, so that one enterprise's early report for the next year never
    moves a city figure."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), null=True, on_delete=models.SET_NULL
    )
    closed_at = models.DateTimeField(_("关闭时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("已关闭的统计年度")
        verbose_name_plural = _("已关闭的统计年度")

    def __str__(self) -> str:
        return str(self.year)


class DataVersion(models.Model):
    """The version of one body of data (a *topic*, e.g. enterprises and their facts and labels) that
    figures counted from it are cached under (kechuang.core.summaries). Database triggers on the topic's
    tables give it a new token in the same transaction as any insert, update or delete, so a figure
    counted before a change is never shown after it. Not edited by people: no history."""

    topic = models.CharField(_("数据类别"), max_length=32, primary_key=True)
    token = models.CharField(_("版本"), max_length=64)
    changed_at = models.DateTimeField(_("变更时间"), default=timezone.now)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self) -> str:
        return f"{self.topic} {self.token[:8]}"
