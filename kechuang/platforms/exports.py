"""The rows of this app's .xlsx exports (written by core.spreadsheets through core.audit)."""

from django.utils.translation import gettext as _

from kechuang.core.money import wan
from kechuang.core.spreadsheets import Column


def platform_rows(qs):
    columns = [
        Column(_("平台名称")), Column(_("平台类型")), Column(_("级别")), Column(_("依托单位")), Column(_("区县")),
        Column(_("技术领域")), Column(_("认定日期"), "date"), Column(_("认定文件")), Column(_("固定人员（人）"), "int"),
        Column(_("高级职称人员（人）"), "int"), Column(_("仪器设备原值（万元）"), "wan_yuan"), Column(_("状态")),
    ]  # fmt: skip
    rows = (
        [
            p.name, p.get_kind_display(), p.get_level_display(), p.host.name, p.host.district.name, p.tech_field,
            p.recognised_on, p.document, p.staff, p.senior_staff, wan(p.equipment_yuan), p.get_status_display(),
        ]
        for p in qs.iterator(chunk_size=2000)
    )  # fmt: skip
    return columns, rows


def incubator_rows(qs):
    columns = [
        Column(_("载体名称")), Column(_("载体类型")), Column(_("级别")), Column(_("运营机构")), Column(_("区县")),
        Column(_("认定日期"), "date"), Column(_("场地面积（平方米）"), "number"), Column(_("在孵企业（家）"), "int"),
        Column(_("毕业企业（家）"), "int"), Column(_("在孵企业获得投融资（万元）"), "wan_yuan"), Column(_("状态")),
    ]  # fmt: skip

    def rows():
        for i in qs.prefetch_related("tenants"):
            tenants = list(i.tenants.all())
            yield [
                i.name, i.get_kind_display(), i.get_level_display(), i.operator.name, i.operator.district.name,
                i.recognised_on, i.area_m2, sum(1 for t in tenants if not t.graduated_on),
                sum(1 for t in tenants if t.graduated_on), wan(i.investment_yuan), i.get_status_display(),
            ]  # fmt: skip

    return columns, rows()


def report_rows(qs):
    columns = [
        Column(_("年度"), "int"), Column(_("对象")), Column(_("名称")), Column(_("依托单位（运营机构）")),
        Column(_("状态")), Column(_("版本"), "int"), Column(_("评价得分"), "number"), Column(_("评价等级")),
        Column(_("处理结果")),
    ]  # fmt: skip
    rows = (
        [
            r.year, r.get_subject_display_text(), r.carrier.name,
            (r.platform.host.name if r.platform_id else r.incubator.operator.name), r.get_status_display(),
            r.version, r.score, r.grade, r.get_decision_display(),
        ]
        for r in qs
    )  # fmt: skip
    return columns, rows
