"""Benchmark of the fines engine: quotes per second on one core.

Usage: ``.venv/bin/python bench/engine_bench.py [--n 1000000] [--seed 2025] [--repeat 1]``

Generates ``n`` positions lazily and deterministically (violations from a realistic table of
2019 edictal amounts, some verbali with two violations, notification dates over two years,
payment dates from day 0 to well past day 60, one to three cost lines, partial payments) and
times (CPU time of this process, one core) the same generator loop doing:

* ``generator only`` — nothing (the cost of producing the positions, for reference);
* ``baseline`` — only the Decimal additions (sanction minimum + costs − paid);
* ``quote`` — the full quote: tier, amount on the payment date and breakdown
  (``quote(..., timeline=False)``);
* ``quote + timeline`` — the full quote with the timeline of windows and the next change date.

Prints a markdown table: operations per second, microseconds per operation and the ratio of
each run's time to the baseline's.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.fines.amounts import NATIONAL_RULES, Cost, Violation, quote  # noqa: E402

D = Decimal
# (weight, minimum, maximum, reduced_payment_allowed, discount_30_allowed) — 2019 tables
VIOLATION_TABLE = [
    (30, "42.00", "173.00", True, True),  # art. 7 c.15 parking / art. 142 c.7 speed ≤ 10 km/h
    (10, "26.00", "102.00", True, True),  # art. 7 c.15 parking beyond paid time
    (20, "173.00", "694.00", True, True),  # art. 142 c.8 speed 10–40 km/h
    (4, "543.00", "2170.00", True, True),  # art. 142 c.9 speed 40–60 km/h
    (1, "845.00", "3382.00", True, False),  # art. 142 c.9-bis > 60 km/h (suspension)
    (10, "167.00", "665.00", True, True),  # art. 146 c.3 red light
    (5, "83.00", "332.00", True, True),  # art. 172 seat belt
    (5, "165.00", "660.00", True, True),  # art. 173 c.2 phone
    (5, "173.00", "694.00", True, True),  # art. 80 c.14 missing roadworthiness test
    (3, "866.00", "3464.00", True, True),  # art. 193 c.2 no insurance
    (1, "430.00", "1731.00", False, False),  # art. 180 c.8 documents not shown (Prefetto)
]
COST_LINES = [
    (Cost("notification", "Postal notification", D("9.50")),),
    (Cost("notification", "Postal notification", D("9.50")),
     Cost("procedure", "Procedure", D("5.00"))),
    (Cost("notification", "PEC notification", D("2.00")),),
    (Cost("assessment", "Assessment", D("1.50")),
     Cost("notification", "Postal notification", D("12.60")),
     Cost("procedure", "Procedure", D("4.90"))),
    (),
]
PARTIAL = [D("0.00")] * 12 + [D("10.00"), D("29.40"), D("42.00"), D("121.10")]


def _lookup(weights: list[int], size: int = 1024) -> list[int]:
    """A table of ``size`` indices distributed by ``weights`` (for cheap sampling)."""
    total = sum(weights)
    table: list[int] = []
    for index, weight in enumerate(weights):
        table.extend([index] * round(weight * size / total))
    return (table + [0] * size)[:size]


def positions(n: int, seed: int) -> Iterator[tuple]:
    """Lazily yield ``n`` positions ``(violations, day0, on, costs, paid)``."""
    rng = random.Random(seed)
    singles = [(Violation(D(lo), D(hi), r, d),) for _, lo, hi, r, d in VIOLATION_TABLE]
    pick = _lookup([w for w, *_ in VIOLATION_TABLE])
    doubles = [a + b for a in singles[:3] for b in singles[2:6]]
    start = date(2024, 1, 1)
    day0s = [start + timedelta(days=i) for i in range(731)]
    # payment offsets: 35 % within 5 days, 40 % days 6–60, 25 % later (up to ~3 years)
    offsets = [rng.randint(0, 5) for _ in range(358)] + [rng.randint(6, 60) for _ in range(410)]
    offsets += [rng.randint(61, 1100) for _ in range(1024 - len(offsets))]
    getrandbits = rng.getrandbits
    for _ in range(n):
        r = getrandbits(64)
        if r & 15 == 0:
            violations = doubles[(r >> 4) % len(doubles)]
        else:
            violations = singles[pick[(r >> 4) & 1023]]
        day0 = day0s[(r >> 14) % 731]
        on = day0 + timedelta(days=offsets[(r >> 24) & 1023])
        costs = COST_LINES[(r >> 34) % len(COST_LINES)]
        paid = PARTIAL[(r >> 40) & 15]
        yield violations, day0, on, costs, paid


def run_generator(n: int, seed: int) -> float:
    begin = time.process_time()
    for _ in positions(n, seed):
        pass
    return time.process_time() - begin


def run_baseline(n: int, seed: int) -> float:
    begin = time.process_time()
    checksum = D(0)
    for violations, _day0, _on, costs, paid in positions(n, seed):
        total = D("0.00")
        for v in violations:
            total += v.minimum
        for c in costs:
            total += c.amount
        checksum += total - paid
    elapsed = time.process_time() - begin
    assert checksum > 0
    return elapsed


def run_quotes(n: int, seed: int, timeline: bool) -> float:
    rules = NATIONAL_RULES
    begin = time.process_time()
    checksum = D(0)
    for violations, day0, on, costs, paid in positions(n, seed):
        checksum += quote(violations, day0, on, costs, paid, rules, None, timeline).total
    elapsed = time.process_time() - begin
    assert checksum > 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of positions")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=1, help="keep the best of N runs")
    args = parser.parse_args()
    n, seed, repeat = args.n, args.seed, max(1, args.repeat)

    def best(run, *extra) -> float:
        return min(run(n, seed, *extra) for _ in range(repeat))

    baseline = best(run_baseline)
    runs = [
        ("generator only (no arithmetic)", best(run_generator)),
        ("baseline (Decimal additions only)", baseline),
        ("quote (amount + breakdown)", best(run_quotes, False)),
        ("quote + timeline + next change", best(run_quotes, True)),
    ]
    print(f"{n:,} positions, best of {repeat}, Python {platform.python_version()}, "
          f"{platform.machine()}, one core\n")
    print("| loop | ops/s | µs/op | time ÷ baseline |")
    print("|---|---:|---:|---:|")
    for name, elapsed in runs:
        print(f"| {name} | {n / elapsed:,.0f} | {elapsed / n * 1e6:.2f} | "
              f"{elapsed / baseline:.1f}× |")


if __name__ == "__main__":
    main()
