"""The policy library's step of ``kechuang demo``: the built-in policies, published and evaluated."""

from django.utils.translation import gettext as _

from . import services
from .models import PolicyRun


def load_policies(ctx: dict, stdout) -> None:
    versions = services.load_builtin()
    # The demo command runs in one transaction with no task consumer: evaluate in-line.
    run = PolicyRun.objects.create(kind=PolicyRun.Kind.ALL)
    run = services.execute_run(run.pk, on=ctx.get("today"))
    counts = run.counts if run else {}
    stdout.write(
        _("  政策 {n} 项已发布；符合 {e}，不符合 {i}，待补数据 {u}（企业×政策）").format(
            n=len(versions),
            e=counts.get("eligible", 0),
            i=counts.get("ineligible", 0),
            u=counts.get("unknown", 0),
        )
    )
