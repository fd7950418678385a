"""The evaluation system and grade bands the bureau starts with (data: staff change them later)."""

from decimal import Decimal

from django.db import migrations

INDICATORS = [
    # subject, code, name, unit, weight, benefit
    ("platform", "rd_expense_yuan", "年度研发投入", "元", 25, True),
    ("platform", "staff", "固定研发人员", "人", 15, True),
    ("platform", "invention_patents", "当年授权发明专利", "件", 20, True),
    ("platform", "projects", "承担省级以上科技项目", "项", 15, True),
    ("platform", "transfers", "成果转化与技术服务", "项", 15, True),
    ("platform", "services", "对外开放共享服务", "次", 10, True),
    ("incubator", "tenants", "在孵企业", "家", 20, True),
    ("incubator", "graduated", "当年毕业企业", "家", 20, True),
    ("incubator", "investment_yuan", "在孵企业获得投融资", "元", 20, True),
    ("incubator", "high_tech", "在孵高新技术企业", "家", 15, True),
    ("incubator", "area_m2", "孵化场地面积", "平方米", 10, True),
    ("incubator", "services", "创业服务活动", "次", 15, True),
]
BANDS = [
    # Scores are relative (each figure min-max normalised over the year's reports), so the bands sit
    # lower than on an absolute 100-point scale: about one in ten reports falls below 合格.
    ("excellent", "优秀", 70, "support"),
    ("good", "良好", 50, "support"),
    ("pass", "合格", 25, "support"),
    ("fail", "不合格", 0, "warning"),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("platforms", "EvaluationIndicator")
    Band = apps.get_model("platforms", "GradeBand")
    for order, (subject, code, name, unit, weight, benefit) in enumerate(INDICATORS):
        Indicator.objects.update_or_create(
            subject=subject,
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "weight": Decimal(weight),
                "benefit": benefit,
                "order": order,
            },
        )
    for code, name, low, suggested in BANDS:
        Band.objects.update_or_create(
            code=code, defaults={"name": name, "min_score": Decimal(low), "suggested": suggested}
        )


class Migration(migrations.Migration):
    dependencies = [("platforms", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
