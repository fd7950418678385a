"""``kechuang supervision load FILE.yaml``: load a plan in the seed-data format (all or nothing).

``kechuang supervision status --on YYYY-MM-DD [--json]``: each task force's milestones and the month's
report on that day.

``kechuang supervision remind [--date YYYY-MM-DD]``: send the day's reminders (each once) and record the
month's late reports.
"""

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.supervision.services import plans, reminders, status


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("%(o)s 须为 YYYY-MM-DD 格式的日期：%(t)s") % {"o": option, "t": text}) from exc


class Command(BaseCommand):
    help = gettext_lazy("工作专班：导入实施方案（load）、查看推进情况（status）、发送月报提醒（remind）")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help=str(gettext_lazy("从 YAML 文件导入实施方案")))
        load.add_argument("file")
        show = sub.add_parser("status", help=str(gettext_lazy("某一天各专班的节点和月报情况")))
        show.add_argument("--on", help=str(gettext_lazy("日期（YYYY-MM-DD，默认今天）")))
        show.add_argument("--json", action="store_true", help=str(gettext_lazy("以 JSON 输出")))
        remind = sub.add_parser("remind", help=str(gettext_lazy("立即发送一次月报和督办提醒")))
        remind.add_argument("--date", help=str(gettext_lazy("按该日期发送（YYYY-MM-DD，默认今天）")))

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "load":
            return self.load(opts["file"])
        if action == "remind":
            day = _date(opts["date"], "--date") if opts.get("date") else timezone.localdate()
            counts = reminders.send_reminders(day)
            self.stdout.write(
                _("%(d)s：月报提醒%(r)s人次，督办提醒%(f)s人次，记录逾期未报%(l)s份")
                % {
                    "d": day.isoformat(),
                    "r": counts["reports"],
                    "f": counts["follow_ups"],
                    "l": counts["late"],
                }
            )
            return
        on = _date(opts["on"], "--on") if opts.get("on") else timezone.localdate()
        rows = status.status_json(on)
        if opts.get("json"):
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write(_("尚无实施方案（运行 kechuang supervision load 文件.yaml 导入）"))
            return
        for row in rows:
            m, r = row["milestones"], row["reports"]
            self.stdout.write(
                _(
                    "%(n)s：未到期%(a)s、按期推进%(b)s、滞后%(c)s、按期完成%(d)s、逾期完成%(e)s；"
                    "本月报告应报%(f)s、已报%(g)s、已审核%(h)s、逾期%(i)s"
                )
                % {
                    "n": row["task_force"],
                    "a": m["not_due"],
                    "b": m["on_track"],
                    "c": m["overdue"],
                    "d": m["done_on_time"],
                    "e": m["done_late"],
                    "f": r["due"],
                    "g": r["submitted"],
                    "h": r["accepted"],
                    "i": r["late"],
                }
            )

    def load(self, path: str):
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("找不到文件：%(p)s") % {"p": path})
        try:
            data = plans.parse_yaml(file.read_text(encoding="utf-8"))
            plan = plans.load_plan(data)
        except UnicodeDecodeError as exc:
            raise CommandError(_("文件不是 UTF-8 编码的文本")) from exc
        except plans.PlanError as refused:
            lines = [f"  {where}：{rule}" for where, rule in refused.errors]
            raise CommandError("\n".join([_("实施方案未导入，问题如下："), *lines])) from None
        forces = plan.task_forces.count()
        milestones = sum(tf.milestones.count() for tf in plan.task_forces.all())
        self.stdout.write(
            _("已导入：%(p)s（工作专班%(f)s个，推进节点%(m)s个）")
            % {"p": str(plan), "f": forces, "m": milestones}
        )
