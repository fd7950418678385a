"""Argon2id parameters: time and memory per password hash, and what a burst of sign-ins costs.

Each candidate is hashed in a fresh child process whose peak resident memory is reset (Linux
/proc/self/clear_refs) just before hashing, so peak minus the resident memory before is what one hash
holds; a burst of N parallel failed sign-ins holds N times that. Times depend on the machine's load:
compare the rows of one run, not runs on different days.

    .venv/bin/python benchmarks/argon2_params.py
    .venv/bin/python benchmarks/argon2_params.py --repeat 5 --burst 30
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time

# (label, time_cost, memory_cost in KiB, parallelism)
CANDIDATES = [
    ("Django 5.2 default (before)", 2, 102400, 8),
    ("OWASP m=19 MiB t=2 p=1", 2, 19456, 1),
    ("OWASP m=46 MiB t=1 p=1", 1, 47104, 1),
    ("m=32 MiB t=4 p=1", 4, 32768, 1),
    ("m=32 MiB t=6 p=1", 6, 32768, 1),
    ("m=64 MiB t=3 p=1", 3, 65536, 1),
]


def _measure(args, queue) -> None:
    from argon2 import PasswordHasher

    time_cost, memory_cost, parallelism, repeat = args
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    hasher.hash("warm-up")  # the library's own first-call costs are not the hash's
    before = _status("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # reset VmHWM, the peak, to the current resident size
    seconds = []
    for i in range(repeat):
        start = time.perf_counter()
        hasher.hash(f"Kechuang-Password-{i}")
        seconds.append(time.perf_counter() - start)
    queue.put((statistics.median(seconds), (_status("VmHWM") - before) / 1024))


def _status(field: str) -> int:
    """A /proc/self/status figure in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--burst", type=int, default=30, help="parallel failed sign-ins to cost out")
    options = parser.parse_args()
    from kechuang.core.hashers import Argon2PasswordHasher as Chosen

    candidates = [*CANDIDATES, ("chosen (kechuang.core.hashers)", Chosen.time_cost, Chosen.memory_cost, 1)]
    print(
        f"{'setting':34} {'t':>2} {'MiB':>5} {'p':>2} {'s/hash':>7} {'peak MiB':>9} {f'{options.burst} at once MiB':>16}"
    )
    context = mp.get_context("spawn")
    for label, t, m, p in candidates:
        queue = context.Queue()
        child = context.Process(target=_measure, args=((t, m, p, options.repeat), queue))
        child.start()
        seconds, mib = queue.get()
        child.join()
        print(
            f"{label:34} {t:>2} {m / 1024:>5.0f} {p:>2} {seconds:>7.3f} {mib:>9.0f} {mib * options.burst:>16,.0f}"
        )


if __name__ == "__main__":
    main()
