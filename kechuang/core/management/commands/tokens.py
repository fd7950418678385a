"""``kechuang tokens issue USERNAME --name NAME [--days N]`` · ``tokens revoke PREFIX`` · ``tokens list [USERNAME]``.

API bearer tokens. Only a hash is kept, so ``issue`` prints the token once and never again.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.core.api_auth import issue_token
from kechuang.core.models import ApiToken


class Command(BaseCommand):
    help = "签发、吊销和列出接口令牌（API bearer tokens）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="为用户签发令牌；令牌只显示这一次")
        issue.add_argument("username")
        issue.add_argument("--name", required=True, help="用途，例如“区县数据同步”")
        issue.add_argument("--days", type=int, help="有效天数（默认见设置 KECHUANG_API_TOKEN_DAYS）")
        revoke = sub.add_parser("revoke", help="按前缀（令牌的前8个字符）吊销令牌")
        revoke.add_argument("prefix")
        revoke.add_argument("--user", help="前缀对应多个令牌时，用用户名区分")
        listing = sub.add_parser("list", help="列出令牌（不含令牌本身）")
        listing.add_argument("username", nargs="?")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _issue(self, *, username, name, days=None, **_options):
        name = name.strip()
        if not name:
            raise CommandError("--name: 用途不能为空")
        if len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("--name: 用途不能超过64个字符")
        if days is not None and not 1 <= days <= 3650:
            raise CommandError("--days: 有效天数应在 1 到 3650 之间")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"USERNAME: 用户 {username} 不存在")
        if not user.is_active:
            raise CommandError(f"USERNAME: 用户 {username} 已停用，不能签发令牌")
        self.stdout.write(issue_token(user, name, days=days))
        self.stderr.write("令牌只显示这一次，请立即妥善保存。")

    def _revoke(self, *, prefix, user=None, **_options):
        tokens = ApiToken.objects.filter(prefix=prefix[:8], revoked_at__isnull=True)
        if user:
            tokens = tokens.filter(user__username=user)
        found = list(tokens.select_related("user"))
        if not found:
            raise CommandError(f"PREFIX: 没有前缀为 {prefix[:8]} 的有效令牌")
        if len(found) > 1:
            owners = "、".join(sorted({t.user.username for t in found}))
            raise CommandError(
                f"PREFIX: 前缀 {prefix[:8]} 对应 {len(found)} 个令牌（{owners}），请用 --user 指定"
            )
        token = found[0]
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        self.stdout.write(f"已吊销 {token.prefix}（{token.user.username}，{token.name}）")

    def _list(self, *, username=None, **_options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if username:
            tokens = tokens.filter(user__username=username)
        for t in tokens:
            if t.revoked_at:
                state = f"已吊销 {t.revoked_at:%Y-%m-%d}"
            elif t.expires_at <= timezone.now():
                state = f"已过期 {t.expires_at:%Y-%m-%d}"
            else:
                state = f"有效至 {t.expires_at:%Y-%m-%d}"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "未使用"
            self.stdout.write(f"{t.prefix}\t{t.user.username}\t{t.name}\t{state}\t最近使用 {used}")
