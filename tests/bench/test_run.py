"""The bench's own arithmetic (the bench itself is `make bench`, never a unit test)."""

from __future__ import annotations

import math

from tests.bench.run import busy_share, cpu_times, percentile

# /proc/stat's first line: user nice system idle iowait irq softirq steal guest guest_nice
BEFORE = "cpu  100 0 50 800 50 0 0 0 20 0\ncpu0 1 2 3\n"
AFTER = "cpu  400 0 150 900 50 0 0 0 90 0\n"


def test_cpu_busy_is_the_share_of_non_idle_ticks_guests_counted_once() -> None:
    before, after = cpu_times(BEFORE), cpu_times(AFTER)
    assert before == (150, 1000)
    assert after == (550, 1500)
    assert busy_share(before, after) == 80.0


def test_cpu_busy_is_unknown_without_ticks() -> None:
    assert math.isnan(busy_share((0, 0), (0, 0)))


def test_this_machine_reports_its_ticks() -> None:
    busy, total = cpu_times()
    assert 0 < busy < total


def test_percentile_picks_from_the_sorted_values() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.95) == 96.0
    assert math.isnan(percentile([], 0.5))
