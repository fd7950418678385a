"""engines/finance throughput: how many voucher awards, loan compensations and recovery nettings per
second the exact-Decimal engine computes (the settlement of a whole year's vouchers is a few thousand
calls). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/finance_engine.py [--n 100000]
"""

import argparse
import random
import time
from decimal import Decimal

from kechuang.engines.finance import cents, loan_compensation, recovery_netting, split_tranches, voucher_award


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    n = parser.parse_args().n
    rng = random.Random(2026)
    fees = [Decimal(rng.randint(1, 10**8)) / 100 for _ in range(n)]
    share = Decimal("0.5")

    def timed(label, fn):
        started = time.perf_counter()
        fn()
        s = time.perf_counter() - started
        print(f"{label:<40} {n:>9,} calls  {s:6.2f} s  {n / s:>10,.0f} /s")

    timed("voucher_award (3 caps)", lambda: [voucher_award(f, share, voucher_cap=Decimal("100000"),
          firm_year_remaining=Decimal("200000"), budget_remaining=Decimal("5000000")) for f in fees])  # fmt: skip
    timed("loan_compensation (2 caps)", lambda: [loan_compensation(f, Decimal("0.4"), loan_cap=Decimal("2000000"),
          bank_year_remaining=Decimal("5000000")) for f in fees])  # fmt: skip
    timed("recovery_netting (3 recoveries)", lambda: [recovery_netting(f, [cents(f / 4)] * 3, Decimal("0.4")) for f in fees])  # fmt: skip
    timed("split_tranches (3 weights)", lambda: [split_tranches(f, [4, 3, 3]) for f in fees])


if __name__ == "__main__":
    main()
