"""Spreadsheet imports of the expert app: experts (专家信息表) and a round's review items (评审项目表).

Both work like the yearly-facts import: a file is checked row by row and is all-or-nothing; with any bad
row nothing is written and the answer is a per-row report (row, column, value, rule). Every upload is
kept as a ``core.ImportRun``. Importing the same expert file twice changes nothing the second time:
an expert is identified by name and organisation.
"""

import hashlib
import re

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.columnar import read_columns
from kechuang.core.models import District, ImportRun, Organisation, Role, User
from kechuang.core.reading import Refused
from kechuang.core.rowreport import BadCell as _Bad
from kechuang.core.rowreport import Outcome, RowError

from . import services
from .models import Expert, ExpertField, ReviewItem, SelectionRound

EXPERT_KIND = "experts"
ITEM_KIND = "review_items"
MAX_ROWS = 20000

EXPERT_COLUMNS = {
    # column: (Chinese header, rule shown in the template)
    "name": ("姓名", "必填，不超过64字"),
    "organisation": ("工作单位", "必填，单位全称；不在机构库中的单位会新建，此时必须填写所在区县"),
    "district": ("所在区县", "区县全称（如 张店区）或6位区划代码；可留空"),
    "title": ("职称", "必填：正高级、副高级、中级 或 其他"),
    "position": ("职务", "可留空"),
    "phone": ("联系电话", "可留空"),
    "email": ("电子邮箱", "可留空；填写时应为有效的邮箱地址"),
    "disciplines": ("学科代码", "GB/T 13745 学科代码，3至7位数字，多个用顿号或逗号分隔，如 430、53020"),
    "industries": ("行业代码", "GB/T 4754 国民经济行业代码，如 C3976、C26，多个用顿号或逗号分隔"),
    "keywords": ("研究方向关键词", "用顿号分隔，如 先进陶瓷、粉体材料；用于计算与项目的匹配度"),
    "achievements": ("代表性成果", "近五年代表性成果，不超过2000字"),
    "available": ("可参加评审", "是 或 否；留空为是"),
    "integrity": ("科研诚信状态", "良好、警示 或 失信；留空为良好；失信专家不会被抽取"),
    "username": ("登录账号", "已开通的专家账号用户名，可留空"),
}
ITEM_COLUMNS = {
    "code": ("编号", "可留空，如 ZB2025-001"),
    "title": ("项目名称", "必填，不超过200字"),
    "text": ("项目简介", "研究内容和技术领域，用于计算与专家的匹配度"),
    "applicant": ("申报单位", "必填，单位全称"),
    "district": ("所属区县", "区县全称或6位区划代码；可留空"),
    "members": ("项目组成员", "姓名（单位），多人用分号分隔，如 张三（山东理工大学）；李四（淄博某某公司）"),
    "link": ("链接", "申报书地址，可留空"),
}
EXAMPLE_EXPERT = {
    "name": "王建国", "organisation": "山东理工大学", "district": "张店区", "title": "正高级",
    "position": "教授", "phone": "0533-2780000", "email": "wangjg@example.edu.cn", "disciplines": "430、530",
    "industries": "C3073", "keywords": "先进陶瓷、粉体材料、烧结工艺",
    "achievements": "主持国家重点研发计划课题1项，获山东省科技进步二等奖", "available": "是",
    "integrity": "良好", "username": "",
}  # fmt: skip
EXAMPLE_ITEM = {
    "code": "ZB2025-001", "title": "高性能氮化硅陶瓷轴承球制备关键技术", "text": "研究氮化硅粉体制备、气压烧结与精密研磨工艺",
    "applicant": "淄博某某陶瓷有限公司", "district": "淄川区",
    "members": "张三（淄博某某陶瓷有限公司）；李四（山东理工大学）", "link": "",
}  # fmt: skip

TITLES = {"正高级": "senior", "副高级": "associate", "中级": "intermediate", "其他": "other"}
TITLES.update({v: v for v in TITLES.values()})
INTEGRITY = {"良好": "good", "警示": "warning", "失信": "breach"}
INTEGRITY.update({v: v for v in INTEGRITY.values()})
TRUE_WORDS, FALSE_WORDS = {"是", "true", "1", "yes", "y"}, {"否", "false", "0", "no", "n"}
_SPLIT = re.compile(r"[、,，;；\s]+")
_MEMBER_SPLIT = re.compile(r"[;；\n]+")
_MEMBER = re.compile(r"^(?P<name>[^（(]+)(?:[（(](?P<org>.+)[）)])?$")
_DISCIPLINE = re.compile(r"^\d{3}(\d{2}){0,2}$")
_INDUSTRY = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$")


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of the first sheet (.xlsx) or of a .csv (UTF-8 or GB18030), as stripped text, read through
    the core columnar reader so that a hostile file is refused before it is parsed (rows come padded
    with blank cells to the widest row, which reads as cells left empty)."""
    try:
        return [list(row) for row in read_columns(data, filename).rows()]
    except Refused as refused:
        raise _Bad(refused.message) from None


def _records(rows: list[list[str]], columns: dict, required: tuple[str, ...]):
    """(records with their row numbers, header errors)."""
    if not rows:
        return [], [RowError(1, "", "", "文件为空：第一行应为表头")]
    aliases = {**{k: k for k in columns}, **{zh: k for k, (zh, _rule) in columns.items()}}
    header = [aliases.get(h.strip()) for h in rows[0]]
    errors = [
        RowError(1, h, "", f"第{pos + 1}列表头不是模板中的列名")
        for pos, (h, name) in enumerate(zip(rows[0], header, strict=True))
        if name is None and h.strip()
    ]
    errors += [RowError(1, c, "", "缺少必填列") for c in required if c not in header]
    if errors:
        return [], errors
    out = []
    for offset, cells in enumerate(rows[1:], start=2):
        record = {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(header) if n}
        if any(record.values()):
            out.append((offset, record))
    if not out:
        errors.append(RowError(2, "", "", "文件中没有数据行"))
    if len(out) > MAX_ROWS:
        errors.append(RowError(0, "", "", f"一次最多导入{MAX_ROWS}行"))
    return out, errors


def _district_index() -> dict[str, District]:
    index = {}
    for d in District.objects.all():
        index[d.name] = index[d.code] = d
    return index


def _open_run(kind: str, data: bytes, filename: str, user) -> ImportRun:
    run = ImportRun(
        kind=kind,
        user=user,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportRun.Status.RUNNING,
    )
    run.stored_file.save(filename, ContentFile(data), save=False)
    run.save()
    return run


def _close(run: ImportRun, outcome: Outcome, rows: int) -> Outcome:
    run.status = ImportRun.Status.REFUSED if outcome.errors else ImportRun.Status.ACCEPTED
    run.rows = rows
    run.errors = [e.as_dict() for e in sorted(outcome.errors, key=lambda e: e.row)]
    run.counts = outcome.counts if not outcome.errors else {}
    run.finished_at = timezone.now()
    run.save()
    return outcome


def _lookup(name: str, table: dict) -> str:
    if name not in table:
        raise _Bad("应为：" + "、".join(k for k in table if not k.isascii()))
    return table[name]


def _codes(raw: str, pattern: re.Pattern, rule: str) -> list[str]:
    codes = [c.upper() for c in _SPLIT.split(raw) if c]
    bad = [c for c in codes if not pattern.match(c)]
    if bad:
        raise _Bad(f"{rule}（“{bad[0]}”不符合）")
    return codes


# ------------------------------------------------------------------------------------- experts


def import_experts(data: bytes, filename: str, user) -> Outcome:
    """Validate and import an expert sheet; staff-imported experts enter the database approved."""
    services.can_manage(user).enforce()
    run = _open_run(EXPERT_KIND, data, filename, user)
    outcome = Outcome(run)
    try:
        records, errors = _records(
            read_table(data, filename), EXPERT_COLUMNS, ("name", "organisation", "title")
        )
    except _Bad as bad:
        outcome.errors = [RowError(0, "", filename, bad.rule)]
        return _close(run, outcome, 0)
    outcome.errors = errors
    if errors:
        return _close(run, outcome, len(records))
    districts = _district_index()
    orgs = {o.name: o for o in Organisation.objects.all().select_related("district")}
    users = {u.username: u for u in User.objects.filter(role=Role.EXPERT)}
    linked = set(Expert.objects.filter(user__isnull=False).values_list("user_id", "pk"))
    linked_users = {u: pk for u, pk in linked}
    existing = {(e.name, e.organisation.name): e for e in Expert.objects.select_related("organisation")}
    seen: dict[tuple[str, str], int] = {}
    seen_users: dict[str, int] = {}
    plan = []
    for row, rec in records:
        errs: list[RowError] = []

        def check(col, fn, _row=row, _rec=rec, _errs=errs):
            try:
                return fn(_rec.get(col, ""))
            except _Bad as bad:
                _errs.append(RowError(_row, col, _rec.get(col, ""), bad.rule))
                return None

        def required(limit):
            def fn(raw):
                if not raw:
                    raise _Bad("必填，不能为空")
                if len(raw) > limit:
                    raise _Bad(f"不能超过{limit}个字符")
                return raw

            return fn

        def district_of(raw):
            if not raw:
                return None
            if raw not in districts:
                raise _Bad("不是本市的区县名称或区划代码")
            return districts[raw]

        def email_of(raw):
            if raw:
                try:
                    validate_email(raw)
                except Exception:
                    raise _Bad("不是有效的电子邮箱地址") from None
            return raw

        def bool_of(raw):
            word = raw.lower()
            if not word or word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise _Bad("应为 是 或 否")

        def user_of(raw):
            if not raw:
                return None
            if raw not in users:
                raise _Bad("没有这个专家角色的登录账号")
            return users[raw]

        name = check("name", required(64))
        org_name = check("organisation", required(200))
        district = check("district", district_of)
        title = check("title", lambda raw: _lookup(raw, TITLES))
        email = check("email", email_of)
        disciplines = check("disciplines", lambda raw: _codes(raw, _DISCIPLINE, "学科代码应为3、5或7位数字"))
        industries = check(
            "industries", lambda raw: _codes(raw, _INDUSTRY, "行业代码应为门类字母加2至4位数字")
        )
        available = check("available", bool_of)
        integrity = check("integrity", lambda raw: _lookup(raw, INTEGRITY) if raw else "good")
        account = check("username", user_of)
        if len(rec.get("achievements", "")) > 2000:
            errs.append(RowError(row, "achievements", rec["achievements"][:20] + "…", "不能超过2000字"))
        if len(rec.get("keywords", "")) > 500:
            errs.append(RowError(row, "keywords", rec["keywords"][:20] + "…", "不能超过500字"))
        if org_name and org_name not in orgs and district is None and not errs:
            errs.append(RowError(row, "district", "", "该单位不在机构库中，须填写所在区县以便建档"))
        if name and org_name:
            key = (name, org_name)
            if key in seen:
                errs.append(
                    RowError(row, "name", name, f"与第{seen[key]}行重复：同一单位的同名专家只能有一行")
                )
            seen.setdefault(key, row)
        if account is not None:
            if account.username in seen_users:
                errs.append(
                    RowError(row, "username", account.username, f"与第{seen_users[account.username]}行重复")
                )
            seen_users.setdefault(account.username, row)
            current = existing.get((name, org_name))
            owner = linked_users.get(account.pk)
            if owner is not None and (current is None or current.pk != owner):
                errs.append(RowError(row, "username", account.username, "该账号已关联其他专家"))
        if errs:
            outcome.errors.extend(errs)
            continue
        plan.append(
            {
                "name": name, "org_name": org_name, "district": district, "title": title, "email": email,
                "position": rec.get("position", "")[:64], "phone": rec.get("phone", "")[:32],
                "keywords": rec.get("keywords", ""), "achievements": rec.get("achievements", ""),
                "available": available, "integrity": integrity, "user": account,
                "fields": [("discipline", c) for c in disciplines] + [("industry", c) for c in industries],
            }
        )  # fmt: skip
    if outcome.errors:
        return _close(run, outcome, len(records))
    counts = {"created": 0, "updated": 0, "unchanged": 0, "organisations_created": 0}
    touched: list[Expert] = []
    reason = _("导入专家信息：%(file)s") % {"file": filename}
    with transaction.atomic():
        for p in plan:
            org = orgs.get(p["org_name"])
            if org is None:
                org = Organisation(name=p["org_name"], kind=Organisation.Kind.OTHER, district=p["district"])
                org._change_reason = reason[:100]
                org.save()
                orgs[org.name] = org
                counts["organisations_created"] += 1
            values = {
                "district": p["district"] or org.district, "title": p["title"], "position": p["position"],
                "phone": p["phone"], "email": p["email"], "keywords": p["keywords"],
                "achievements": p["achievements"], "available": p["available"], "integrity": p["integrity"],
            }  # fmt: skip
            if p["user"] is not None:
                values["user"] = p["user"]
            expert = existing.get((p["name"], p["org_name"]))
            fields = sorted(set(p["fields"]))
            if expert is None:
                expert = Expert(name=p["name"], organisation=org, status=Expert.Status.APPROVED, **values)
                expert.reviewed_by, expert.reviewed_at = user, timezone.now()
                expert._change_reason = reason[:100]
                expert.save()
                counts["created"] += 1
            else:
                old_fields = sorted(expert.fields.values_list("kind", "code"))
                changed = [k for k, v in values.items() if getattr(expert, k) != v]
                if not changed and old_fields == fields:
                    counts["unchanged"] += 1
                    continue
                for k in changed:
                    setattr(expert, k, values[k])
                if changed:
                    expert._change_reason = reason[:100]
                    expert.save()
                counts["updated"] += 1
                expert.fields.all().delete()
            ExpertField.objects.bulk_create(
                [
                    ExpertField(expert=expert, kind=kind, code=code, name=field_name(kind, code))
                    for kind, code in fields
                ]
            )
            touched.append(expert)
        outcome.counts = counts
        _close(run, outcome, len(records))
        services.publish_to_matching(touched)
    return outcome


# GB/T 13745 first-level disciplines and GB/T 4754 divisions the demo and the forms name most often.
DISCIPLINES = {
    "410": "信息科学与系统科学", "416": "自然科学相关工程与技术", "420": "测绘科学技术",
    "430": "材料科学", "460": "机械工程", "470": "动力与电气工程", "480": "能源科学技术",
    "510": "电子与通信技术", "520": "计算机科学技术", "530": "化学工程", "535": "产品应用相关工程与技术",
    "540": "纺织科学技术", "550": "食品科学技术", "560": "土木建筑工程", "610": "环境科学技术及资源科学技术",
    "150": "化学", "180": "生物学", "310": "基础医学", "320": "临床医学", "350": "药学", "210": "农学",
    "630": "管理学", "790": "经济学",
}  # fmt: skip
INDUSTRIES = {
    "C26": "化学原料和化学制品制造业", "C27": "医药制造业", "C30": "非金属矿物制品业",
    "C31": "黑色金属冶炼和压延加工业", "C32": "有色金属冶炼和压延加工业", "C34": "通用设备制造业",
    "C35": "专用设备制造业", "C36": "汽车制造业", "C38": "电气机械和器材制造业",
    "C39": "计算机、通信和其他电子设备制造业", "C40": "仪器仪表制造业", "C29": "橡胶和塑料制品业",
    "I65": "软件和信息技术服务业", "M73": "研究和试验发展", "M75": "科技推广和应用服务业",
}  # fmt: skip


def field_name(kind: str, code: str) -> str:
    table = DISCIPLINES if kind == "discipline" else INDUSTRIES
    return table.get(code) or table.get(code[:3]) or ""


# ------------------------------------------------------------------------------------- review items


def parse_members(raw: str) -> list[dict]:
    out = []
    for part in _MEMBER_SPLIT.split(raw or ""):
        part = part.strip()
        if not part:
            continue
        m = _MEMBER.match(part)
        if not m:
            raise _Bad("成员应写成 姓名（单位），多人用分号分隔")
        out.append({"name": m.group("name").strip(), "organisation": (m.group("org") or "").strip()})
    return out


def import_items(rnd: SelectionRound, data: bytes, filename: str, user) -> Outcome:
    """Add review items to a round that is not locked; all-or-nothing like the expert import."""
    services.can_manage(user).enforce()
    if not rnd.editable:
        raise PermissionDenied(_("该批次已锁定或正在遴选，不能导入项目"))
    run = _open_run(ITEM_KIND, data, filename, user)
    outcome = Outcome(run)
    try:
        records, errors = _records(read_table(data, filename), ITEM_COLUMNS, ("title", "applicant"))
    except _Bad as bad:
        outcome.errors = [RowError(0, "", filename, bad.rule)]
        return _close(run, outcome, 0)
    outcome.errors = errors
    if errors:
        return _close(run, outcome, len(records))
    districts = _district_index()
    orgs = {o.name: o for o in Organisation.objects.all()}
    titles = set(rnd.items.values_list("title", flat=True))
    seen: dict[str, int] = {}
    items = []
    for row, rec in records:
        errs = []
        title, applicant = rec.get("title", ""), rec.get("applicant", "")
        for col, value, limit in (
            ("title", title, 200),
            ("applicant", applicant, 200),
            ("code", rec.get("code", ""), 32),
        ):
            if col != "code" and not value:
                errs.append(RowError(row, col, "", "必填，不能为空"))
            elif len(value) > limit:
                errs.append(RowError(row, col, value[:20] + "…", f"不能超过{limit}个字符"))
        district = None
        if rec.get("district"):
            district = districts.get(rec["district"])
            if district is None:
                errs.append(RowError(row, "district", rec["district"], "不是本市的区县名称或区划代码"))
        try:
            members = parse_members(rec.get("members", ""))
        except _Bad as bad:
            errs.append(RowError(row, "members", rec.get("members", ""), bad.rule))
            members = []
        if title and (title in titles or title in seen):
            where = f"与第{seen[title]}行重复" if title in seen else "本批次已有同名项目"
            errs.append(RowError(row, "title", title, where))
        seen.setdefault(title, row)
        if errs:
            outcome.errors.extend(errs)
            continue
        org = orgs.get(applicant)
        items.append(
            ReviewItem(
                round=rnd, code=rec.get("code", ""), title=title, text=rec.get("text", ""),
                applicant_name=applicant, applicant=org,
                district=district or (org.district if org else None), members=members,
                link=rec.get("link", "")[:300],
            )
        )  # fmt: skip
    if outcome.errors:
        return _close(run, outcome, len(records))
    with transaction.atomic():
        ReviewItem.objects.bulk_create(items)
        outcome.counts = {"created": len(items)}
        _close(run, outcome, len(records))
    return outcome


def template_rows(columns: dict, example: dict):
    headers = [zh for zh, _rule in columns.values()]
    return headers, [[example[k] for k in columns]]


def label_of(columns: dict, column: str) -> str:
    return columns.get(column, (column,))[0]
