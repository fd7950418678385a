"""``kechuang programmes status``: for each programme type, how many calls, applications, awards,
challenges and bids stand in each stage (``--json`` for machines).

``kechuang programmes remind [--date YYYY-MM-DD]``: send the day's reminders once now (the daily
background task does the same) and print how many people were told of what.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.programs.services import status

REMINDER_LABELS = {
    "call_closing": gettext_lazy("申报即将截止（草稿未提交）"),
    "endorsement_due": gettext_lazy("待区县推荐"),
    "review_due": gettext_lazy("评审即将截止（评分未提交）"),
    "milestone_due": gettext_lazy("合同节点即将到期"),
    "notice_ended": gettext_lazy("公示期满待确认立项"),
    "bids_due": gettext_lazy("揭榜已截止待遴选"),
    "bid_deadline": gettext_lazy("揭榜即将截止"),
    "gate_due": gettext_lazy("赛马节点考核临近"),
    "rectify_due": gettext_lazy("整改期限临近"),
    "recheck_due": gettext_lazy("整改期限已过待复查"),
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("--date 须为 YYYY-MM-DD 格式的日期：%(t)s") % {"t": text}) from exc


class Command(BaseCommand):
    help = gettext_lazy("科技计划：各阶段数量统计（status），发送到期提醒（remind）")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser(
            "status", help=str(gettext_lazy("各计划类型的通知、申报、立项、榜单和揭榜所处阶段"))
        )
        show.add_argument("--json", action="store_true", help=str(gettext_lazy("以 JSON 输出")))
        remind = sub.add_parser("remind", help=str(gettext_lazy("立即发送一次到期提醒")))
        remind.add_argument("--date", help=str(gettext_lazy("按该日期计算到期（YYYY-MM-DD，默认今天）")))

    def handle(self, *args, **opts):
        if opts["action"] == "remind":
            return self.remind(_date(opts["date"]) if opts.get("date") else None)
        rows = status.status_counts()
        if opts.get("json"):
            self.stdout.write(json.dumps(status.as_json(rows), ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(_("尚无计划类型（运行 kechuang demo 或在管理后台添加）"))
            return
        for line in status.table(rows):
            self.stdout.write(line)

    def remind(self, today):
        from kechuang.programs.tasks import send_reminders

        counts = send_reminders(today)
        width = max(len(str(n)) for n in counts.values())
        for kind, n in counts.items():
            self.stdout.write(f"{str(n).rjust(width)}  {REMINDER_LABELS[kind]}")
        self.stdout.write(_("共通知%(n)s人次") % {"n": sum(counts.values())})
