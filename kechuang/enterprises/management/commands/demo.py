"""``kechuang demo``: load the demo city (淄博市) into an empty database and print its sign-ins.

Runs every step in ``kechuang.core.registry.DEMO_STEPS`` in order, in one transaction: the base steps
of ``kechuang.enterprises.demo_load`` (districts, sections, institutes, enterprises with facts, users)
and whatever other apps registered. The run is recorded as an ImportRun of kind "demo", which is how a
second run knows the demo is already there.
"""

import hashlib
import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import registry
from kechuang.core.models import District, ImportRun, Organisation, User
from kechuang.enterprises import demo, demo_load

MARKER_KIND = "demo"


class Command(BaseCommand):
    help = "载入演示城市（淄博市）：区县、科室、高校院所、企业及三个年度的数据、各角色用户。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises", type=int, default=demo.DEFAULT_ENTERPRISES, help="企业数量（默认 %(default)s）"
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子（默认 %(default)s）"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库已有数据时不做任何改动，只打印演示账号（make demo 使用）",
        )

    def handle(self, *args, enterprises: int, seed: int, if_empty: bool, **options):
        if not 1 <= enterprises <= 200_000:
            raise CommandError(_("--enterprises 应在 1 至 200000 之间"))
        if seed < 0:
            raise CommandError(_("--seed 应为非负整数"))
        marker = ImportRun.objects.filter(kind=MARKER_KIND).order_by("-created_at").first()
        if marker is not None:
            loaded = (marker.counts.get("enterprises"), marker.counts.get("seed"))
            if not if_empty and loaded != (enterprises, seed):
                raise CommandError(
                    _(
                        "数据库中已载入演示城市（企业 {n} 家，种子 {seed}），未做改动。"
                        "如需其他参数，请换一个空数据库（例如设置新的 KECHUANG_DATA_DIR）。"
                    ).format(n=loaded[0], seed=loaded[1])
                )
            self.stdout.write(
                _("演示城市已载入（企业 {n} 家，种子 {seed}），未做改动。").format(
                    n=loaded[0], seed=loaded[1]
                )
            )
            self._print_signins(marker.counts.get("signins", []))
            return
        if District.objects.exists() or Organisation.objects.exists() or User.objects.exists():
            message = _("数据库中已有区县、机构或用户数据，演示城市只能载入空数据库，未做改动。")
            if if_empty:
                self.stdout.write(message)
                return
            raise CommandError(message)

        started = time.perf_counter()
        self.stdout.write(
            _("正在载入演示城市 {city}：企业 {n} 家，随机种子 {seed}").format(
                city=demo.CITY, n=enterprises, seed=seed
            )
        )
        today = timezone.localdate()
        rng_for = demo_load.rng_factory(seed)
        ctx = {
            "seed": seed,
            "n_enterprises": enterprises,
            "today": today,
            "years": demo.fact_years(today),
            "rng": rng_for("later-steps"),
            "rng_for": rng_for,
            "password": demo_load.DEMO_PASSWORD,
            "signins": [],
        }
        demo_load.register()
        with transaction.atomic():
            for _order, step in list(registry.DEMO_STEPS):
                step_started = time.perf_counter()
                self.stdout.write(f"· {step.__module__}.{step.__name__}")
                step(ctx, self.stdout)
                self.stdout.write(_("  用时 {s:.1f} 秒").format(s=time.perf_counter() - step_started))
            ImportRun.objects.create(
                kind=MARKER_KIND,
                filename=f"kechuang demo --enterprises {enterprises} --seed {seed}",
                sha256=hashlib.sha256(f"{enterprises}:{seed}".encode()).hexdigest(),
                status=ImportRun.Status.ACCEPTED,
                rows=enterprises,
                counts={"enterprises": enterprises, "seed": seed, "signins": ctx["signins"]},
                finished_at=timezone.now(),
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(_("演示城市载入完成，用时 {s:.1f} 秒。").format(s=elapsed)))
        self._print_signins(ctx["signins"])

    def _print_signins(self, signins: list[dict]) -> None:
        if not signins:
            return
        self.stdout.write(
            _("\n演示账号（密码均为 {password}，如未修改）：").format(password=demo_load.DEMO_PASSWORD)
        )
        header = {"username": _("用户名"), "password": _("密码"), "role": _("角色"), "scope": _("范围")}
        rows = [header] + [{**s, "password": demo_load.DEMO_PASSWORD} for s in signins]
        cols = ("username", "password", "role", "scope")
        widths = {c: max(_width(r[c]) for r in rows) for c in cols[:-1]}
        for r in rows:
            line = "  ".join(_pad(r[c], widths[c]) for c in cols[:-1]) + "  " + r["scope"]
            self.stdout.write("  " + line)


def _width(text: str) -> int:
    """Columns the text takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
