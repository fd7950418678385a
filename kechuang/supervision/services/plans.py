"""Plans as records: load a plan from the seed-data YAML format or from the .xlsx template, all or
nothing. Both readers turn their file into the same plain dict and hand it to ``load_plan``, which checks
every part first and writes nothing unless every part is right.

People in the plan are named by post ("人才与成果科科长"); a post names its section (科室) by its
beginning. A section the bureau does not have yet is created, so that a real plan loads as it is.
"""

import datetime as dt
import hashlib
import re
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import District, ImportRun, Section
from kechuang.core.reading import Refused, cell_text, read_rows

from ..models import AssessmentWeights, KeyProject, Milestone, Obstacle, Plan, Task, TaskForce

IMPORT_KIND = "supervision_plan"
MAX_ROWS = 2000
POST_SUFFIXES = ("专职副书记", "副书记", "书记", "副科长", "科长", "副主任", "主任", "负责人")


class PlanError(ValueError):
    """The plan is refused; ``errors`` are (where, rule) pairs a person can act on."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{w}: {r}" for w, r in errors))
        self.errors = errors


def _date(value, where: str, errors: list) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        errors.append((where, _("应为日期（YYYY-MM-DD），实际为“%(v)s”") % {"v": value}))
        return None


def _text(value, where: str, errors: list, *, required: bool = True, limit: int = 2000) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.append((where, _("必填")))
    elif len(text) > limit:
        errors.append((where, _("不超过%(n)s字") % {"n": limit}))
    return text


def _texts(value, where: str, errors: list) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[、,，;；\n]+", value) if v.strip()]
    if not isinstance(value, list):
        errors.append((where, _("应为列表")))
        return []
    return [_text(v, f"{where}[{i + 1}]", errors, limit=500) for i, v in enumerate(value)]


@dataclass
class SectionIndex:
    """Sections by name; posts resolve to the section their name begins with."""

    by_name: dict[str, Section] = field(default_factory=dict)
    new: dict[str, Section] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "SectionIndex":
        return cls({s.name: s for s in Section.objects.all()})

    def section_name(self, post: str) -> str:
        names = sorted((n for n in self.by_name if post.startswith(n)), key=len, reverse=True)
        if names:
            return names[0]
        for suffix in POST_SUFFIXES:
            if post.endswith(suffix) and len(post) > len(suffix):
                return post[: -len(suffix)]
        return post

    def for_post(self, post: str) -> Section | None:
        if not post:
            return None
        name = self.section_name(post)
        if name in self.by_name:
            return self.by_name[name]
        if name not in self.new:
            code = f"sec-{zlib.crc32(name.encode()):08x}"
            self.new[name] = Section(code=code, name=name[:64])
        return self.new[name]


def check_plan(data) -> list[tuple[str, str]]:
    """Every problem of a plan dict (empty when it loads)."""
    errors: list[tuple[str, str]] = []
    _parse(data, errors)
    return errors


def _parse(data, errors: list) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("plan"), dict):
        errors.append(("plan", _("文件中缺少“plan”（方案信息）部分")))
        return {}
    head = data["plan"]
    out: dict = {"title": _text(head.get("title"), "plan.title", errors, limit=200)}
    year = head.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.append(("plan.year", _("应为2000至2100之间的年份")))
    out["year"] = year
    out["issued"] = _date(head["issued"], "plan.issued", errors) if head.get("issued") else None
    rules = head.get("rules") or {}
    if not isinstance(rules, dict):
        errors.append(("plan.rules", _("应为键值对")))
        rules = {}
    due_day = rules.get("monthly_report_due_day", 27)
    if not isinstance(due_day, int) or not 1 <= due_day <= 28:
        errors.append(("plan.rules.monthly_report_due_day", _("应为1至28之间的日期")))
    out["report_due_day"] = due_day
    reminder_days = rules.get("reminder_days", [20, 25, due_day if isinstance(due_day, int) else 27])
    if not isinstance(reminder_days, list) or not all(
        isinstance(d, int) and 1 <= d <= 28 for d in reminder_days
    ):
        errors.append(("plan.rules.reminder_days", _("应为1至28之间的日期列表")))
    out["reminder_days"] = reminder_days
    out["quarterly_review"] = bool(rules.get("quarterly_review", True))
    out["annual_assessment"] = bool(rules.get("annual_assessment", True))
    out["office"] = _text(head.get("office"), "plan.office", errors, required=False, limit=64)
    out["district"] = _text(head.get("district"), "plan.district", errors, required=False, limit=64)
    forces = data.get("task_forces")
    if not isinstance(forces, list) or not forces:
        errors.append(("task_forces", _("至少应有一个工作专班")))
        forces = []
    seen: set[str] = set()
    out["task_forces"] = []
    for i, tf in enumerate(forces, start=1):
        where = f"task_forces[{i}]"
        if not isinstance(tf, dict):
            errors.append((where, _("应为键值对")))
            continue
        name = _text(tf.get("name"), f"{where}.name", errors, limit=100)
        if name in seen:
            errors.append((f"{where}.name", _("专班名称“%(n)s”重复") % {"n": name}))
        seen.add(name)
        item = {
            "name": name,
            "lead_leader": _text(tf.get("lead_leader"), f"{where}.lead_leader", errors, limit=64),
            "assisting_leaders": _texts(tf.get("assisting_leaders"), f"{where}.assisting_leaders", errors),
            "lead_staff": _text(
                tf.get("lead_staff"), f"{where}.lead_staff", errors, required=False, limit=64
            ),
            "support_staff": _texts(tf.get("support_staff"), f"{where}.support_staff", errors),
            "goal": _text(tf.get("goal"), f"{where}.goal", errors),
            "tasks": _texts(tf.get("tasks"), f"{where}.tasks", errors),
            "obstacles": _texts(tf.get("obstacles"), f"{where}.obstacles", errors),
            "key_projects": _texts(tf.get("key_projects"), f"{where}.key_projects", errors),
            "due": _date(tf["due"], f"{where}.due", errors) if tf.get("due") else None,
            "ongoing": bool(tf.get("ongoing", False)),
            "milestones": [],
        }
        milestones = tf.get("milestones") or []
        if not isinstance(milestones, list):
            errors.append((f"{where}.milestones", _("应为列表")))
            milestones = []
        for k, m in enumerate(milestones, start=1):
            mw = f"{where}.milestones[{k}]"
            if not isinstance(m, dict):
                errors.append((mw, _("应为键值对")))
                continue
            due = _date(m.get("due"), f"{mw}.due", errors)
            if due and isinstance(year, int) and not (year - 1 <= due.year <= year + 5):
                errors.append((f"{mw}.due", _("完成时限应在方案年度前后")))
            target = m.get("target")
            if target not in (None, ""):
                try:
                    target = Decimal(str(target))
                except InvalidOperation:
                    errors.append((f"{mw}.target", _("目标值应为数字")))
                    target = None
                else:
                    if not target.is_finite():
                        errors.append((f"{mw}.target", _("目标值应为数字")))
                        target = None
            else:
                target = None
            indicator = _text(m.get("indicator"), f"{mw}.indicator", errors, required=False, limit=64)
            if target is not None and not indicator:
                errors.append((f"{mw}.indicator", _("填写目标值时必须填写关联指标代码")))
            item["milestones"].append(
                {
                    "due": due,
                    "text": _text(m.get("text"), f"{mw}.text", errors),
                    "owner": _text(m.get("owner"), f"{mw}.owner", errors, required=False, limit=64),
                    "indicator": indicator,
                    "target": target,
                }
            )
        out["task_forces"].append(item)
    return out


def parse_yaml(text: str) -> dict:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PlanError(
            [("YAML", _("文件不是有效的 YAML：%(e)s") % {"e": str(exc).splitlines()[0]})]
        ) from None


@transaction.atomic
def load_plan(data, user=None) -> Plan:
    """Write a plan dict (the seed-data format); refuse with every problem, writing nothing."""
    errors: list[tuple[str, str]] = []
    parsed = _parse(data, errors)
    district = None
    if parsed.get("district"):
        district = (
            District.objects.filter(name=parsed["district"]).first()
            or District.objects.filter(code=parsed["district"]).first()
        )
        if district is None:
            errors.append(("plan.district", _("没有名为“%(n)s”的区县") % {"n": parsed["district"]}))
    if (
        not errors
        and Plan.objects.filter(year=parsed["year"], title=parsed["title"], district=district).exists()
    ):
        errors.append(("plan.title", _("%(y)s年已有同名实施方案，未做改动") % {"y": parsed["year"]}))
    if errors:
        raise PlanError(errors)
    sections = SectionIndex.load()
    office = sections.for_post(parsed["office"]) if parsed["office"] else None
    forces = []
    for tf in parsed["task_forces"]:
        lead = sections.for_post(tf["lead_staff"])
        support = [sections.for_post(p) for p in tf["support_staff"]]
        owners = [sections.for_post(m["owner"]) if m["owner"] else lead for m in tf["milestones"]]
        forces.append((tf, lead, support, owners))
    for section in sections.new.values():
        section.save()
    reason = _("导入实施方案")
    plan = Plan(
        title=parsed["title"],
        year=parsed["year"],
        district=district,
        issued=parsed["issued"],
        office=office,
        report_due_day=parsed["report_due_day"],
        reminder_days=parsed["reminder_days"],
        quarterly_review=parsed["quarterly_review"],
        annual_assessment=parsed["annual_assessment"],
    )
    plan._change_reason = reason
    plan.save()
    AssessmentWeights.objects.create(plan=plan)
    for order, (tf, lead, support, owners) in enumerate(forces, start=1):
        force = TaskForce(
            plan=plan,
            order=order,
            name=tf["name"],
            lead_leader=tf["lead_leader"],
            assisting_leaders=tf["assisting_leaders"],
            lead_staff=tf["lead_staff"],
            support_staff=tf["support_staff"],
            lead_section=lead,
            goal=tf["goal"],
            due=tf["due"],
            ongoing=tf["ongoing"],
        )
        force._change_reason = reason
        force.save()
        force.support_sections.set([s for s in dict.fromkeys(support) if s is not None and s != lead])
        for model, key in ((Task, "tasks"), (Obstacle, "obstacles"), (KeyProject, "key_projects")):
            for k, text in enumerate(tf[key], start=1):
                model.objects.create(task_force=force, order=k, text=text)
        for k, (m, owner) in enumerate(zip(tf["milestones"], owners, strict=True), start=1):
            Milestone.objects.create(
                task_force=force,
                order=k,
                due=m["due"],
                text=m["text"],
                owner_section=owner,
                indicator_code=m["indicator"],
                target_value=m["target"],
            )
    return plan


# ------------------------------------------------------------------------------------ .xlsx template

KINDS = {
    "专班": "task_force",
    "工作任务": "tasks",
    "难点堵点": "obstacles",
    "重点支撑项目": "key_projects",
    "推进节点": "milestones",
}
COLUMNS = {
    # key: (header, rule shown in the template)
    "kind": ("类型", "必填：专班、工作任务、难点堵点、重点支撑项目 或 推进节点"),
    "task_force": ("专班名称", "必填；“专班”行定义专班，其余行填写所属专班的名称"),
    "text": ("内容", "必填：专班行填写工作目标，其余行填写任务、难点、项目或节点内容"),
    "lead_leader": ("牵头领导", "专班行必填"),
    "assisting_leaders": ("协助领导", "专班行可填，多人用顿号分隔"),
    "lead_staff": ("牵头责任人", "专班行填写职务，如 人才与成果科科长"),
    "support_staff": ("配合责任人", "专班行可填，多人用顿号分隔"),
    "due": ("完成时限", "推进节点必填，格式 2022-06-30"),
    "owner": ("责任人", "推进节点可填，留空为牵头责任人"),
    "indicator": ("关联指标代码", "推进节点可填"),
    "target": ("目标值", "推进节点可填，数字"),
}
EXAMPLE_ROWS = [
    ["专班", "科技服务产业工作专班", "实施科技服务产业引领力提升工程", "副局长乙", "副局长甲、调研员丙",
     "规划与资源配置科科长", "政策法规与创新促进科科长、科技合作科科长", "2022-12-31", "", "", ""],
    ["工作任务", "科技服务产业工作专班", "建立科技服务团，为企业提供全方位的政策服务。", "", "", "", "", "", "", "", ""],
    ["难点堵点", "科技服务产业工作专班", "企业创新平台的承载力和服务功能不足。", "", "", "", "", "", "", "", ""],
    ["重点支撑项目", "科技服务产业工作专班", "新增省级以上创新平台10家。", "", "", "", "", "", "", "", ""],
    ["推进节点", "科技服务产业工作专班", "建设省级以上创新平台10家。", "", "", "", "", "2022-12-31", "", "platforms", "10"],
]  # fmt: skip


@dataclass
class ImportOutcome:
    run: ImportRun
    errors: list[dict]
    plan: Plan | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def template_rows() -> tuple[list[str], list[list]]:
    return [h for h, _rule in COLUMNS.values()], EXAMPLE_ROWS


def rows_to_plan(rows: list[list[str]], head: dict) -> tuple[dict, list[dict]]:
    """The plan dict from the template's rows, and the row errors (row, column, value, rule)."""
    errors: list[dict] = []

    def bad(row: int, column: str, value: str, rule: str) -> None:
        errors.append({"row": row, "column": column, "value": value, "rule": rule})

    if not rows:
        bad(1, "", "", _("文件为空：第一行应为表头"))
        return {}, errors
    headers = {h: k for k, (h, _rule) in COLUMNS.items()}
    header = [headers.get(h.strip()) for h in rows[0]]
    for pos, (text, key) in enumerate(zip(rows[0], header, strict=True), start=1):
        if key is None and text.strip():
            bad(1, text, "", _("第%(n)s列表头不是模板中的列名") % {"n": pos})
    for key in ("kind", "task_force", "text"):
        if key not in header:
            bad(1, COLUMNS[key][0], "", _("缺少必填列"))
    if errors:
        return {}, errors
    body = [
        (n, {k: (r[i] if i < len(r) else "") for i, k in enumerate(header) if k})
        for n, r in enumerate(rows[1:], 2)
    ]
    body = [(n, r) for n, r in body if any(r.values())]
    if not body:
        bad(2, "", "", _("文件中没有数据行"))
    if len(body) > MAX_ROWS:
        bad(0, "", "", _("一次最多导入%(n)s行") % {"n": MAX_ROWS})
        return {}, errors
    forces: dict[str, dict] = {}
    for n, r in body:
        kind = KINDS.get(r.get("kind", "").strip())
        name = r.get("task_force", "").strip()
        if kind is None:
            bad(n, COLUMNS["kind"][0], r.get("kind", ""), COLUMNS["kind"][1])
            continue
        if not name:
            bad(n, COLUMNS["task_force"][0], "", _("必填"))
            continue
        if not r.get("text", "").strip():
            bad(n, COLUMNS["text"][0], "", _("必填"))
            continue
        if kind == "task_force":
            if name in forces:
                bad(n, COLUMNS["task_force"][0], name, _("专班名称重复"))
                continue
            if not r.get("lead_leader", "").strip():
                bad(n, COLUMNS["lead_leader"][0], "", _("专班行必填"))
            forces[name] = {
                "name": name,
                "goal": r["text"].strip(),
                "lead_leader": r.get("lead_leader", "").strip(),
                "assisting_leaders": r.get("assisting_leaders", ""),
                "lead_staff": r.get("lead_staff", "").strip(),
                "support_staff": r.get("support_staff", ""),
                "due": r.get("due", "").strip() or None,
                "tasks": [],
                "obstacles": [],
                "key_projects": [],
                "milestones": [],
                "_row": n,
            }
            continue
        if name not in forces:
            bad(n, COLUMNS["task_force"][0], name, _("应先在前面的“专班”行中定义该专班"))
            continue
        if kind != "milestones":
            forces[name][kind].append(r["text"].strip())
            continue
        due_text = r.get("due", "").strip()
        try:
            due = dt.date.fromisoformat(due_text[:10])
        except ValueError:
            bad(n, COLUMNS["due"][0], due_text, _("应为日期，格式 2022-06-30"))
            continue
        target = r.get("target", "").strip()
        if target:
            try:
                if not Decimal(target).is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                bad(n, COLUMNS["target"][0], target, _("目标值应为数字"))
                continue
            if not r.get("indicator", "").strip():
                bad(n, COLUMNS["indicator"][0], "", _("填写目标值时必须填写关联指标代码"))
                continue
        forces[name]["milestones"].append(
            {
                "due": due,
                "text": r["text"].strip(),
                "owner": r.get("owner", "").strip(),
                "indicator": r.get("indicator", "").strip(),
                "target": target or None,
            }
        )
    for tf in forces.values():
        if tf["due"]:
            try:
                dt.date.fromisoformat(tf["due"][:10])
                tf["due"] = tf["due"][:10]
            except ValueError:
                bad(tf["_row"], COLUMNS["due"][0], tf["due"], _("应为日期，格式 2022-12-31"))
        tf.pop("_row")
    plan = {"plan": dict(head), "task_forces": list(forces.values())}
    return plan, errors


def import_xlsx(data: bytes, filename: str, head: dict, user) -> ImportOutcome:
    """Import a plan from the template; ``head`` holds title, year, issued, office and district from the
    form. All or nothing; the upload is kept as an ImportRun with its outcome."""
    run = ImportRun(
        kind=IMPORT_KIND,
        user=user if user is not None and user.is_authenticated else None,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportRun.Status.RUNNING,
    )
    run.stored_file.save(f"{run.sha256[:16]}-{filename[-80:]}", ContentFile(data), save=False)
    run.save()
    try:
        rows = [[cell_text(c) for c in row] for row in read_rows(data, filename)]
    except Refused as refused:
        return _finish(run, [{"row": 0, "column": "", "value": "", "rule": refused.message}], 0)
    plan_data, errors = rows_to_plan(rows, head)
    if errors:
        return _finish(run, errors, max(len(rows) - 1, 0))
    try:
        plan = load_plan(plan_data, user)
    except PlanError as refused:
        errors = [{"row": 0, "column": where, "value": "", "rule": rule} for where, rule in refused.errors]
        return _finish(run, errors, len(rows) - 1)
    outcome = _finish(run, [], len(rows) - 1, counts={"task_forces": plan.task_forces.count()})
    outcome.plan = plan
    return outcome


def _finish(run: ImportRun, errors: list[dict], rows: int, counts: dict | None = None) -> ImportOutcome:
    run.status = ImportRun.Status.REFUSED if errors else ImportRun.Status.ACCEPTED
    run.errors = errors
    run.rows = rows
    run.counts = counts or {}
    run.finished_at = timezone.now()
    run.save()
    return ImportOutcome(run, errors)
