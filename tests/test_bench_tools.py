"""The benchmark's own arithmetic and measurement (not timed): medians, ratios, peak RSS."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from child import last_json_line, run_child
from report import ratio_table, set_table, summarise


def run(load: float, ttfts: list[float], decode: float, answer: str = "a") -> dict:
    turns = [
        {
            "ttft_s": t,
            "prompt_tokens": 100 + i,
            "completion_tokens": 8,
            "prompt_tps": 200.0,
            "decode_tps": decode,
            "answer": f"{answer}{i}",
        }
        for i, t in enumerate(ttfts)
    ]
    return {"load_s": load, "turns": turns, "peak_rss_mb": 300.0}


def test_summary_takes_medians_and_min_max_and_later_turns():
    runs = [
        run(0.5, [1.0, 0.2, 0.4], 90),
        run(0.7, [1.2, 0.3, 0.3], 100),
        run(0.6, [3.0, 1.0, 1.0], 95),
    ]
    s = summarise(runs)
    assert s["load_s"] == {"median": 0.6, "min": 0.5, "max": 0.7}
    assert s["ttft_s"] == {"median": 1.2, "min": 1.0, "max": 3.0}
    assert s["later_ttft_s"]["median"] == pytest.approx(0.3)
    assert s["decode_tps"]["median"] == 95
    assert s["prompt_tokens"] == [100, 101, 102]
    assert s["same_answers_every_run"]
    table = set_table({"raw": s}, multi_turn=True)
    assert "| raw | 100/101/102 | 0.60 (0.50–0.70) | 1.20 (1.00–3.00) |" in table


def test_ratios_compare_medians_of_each_contender():
    fast = summarise([run(0.5, [1.0], 100)])
    slow = summarise([run(0.5, [2.0], 50)])
    table = ratio_table({"short": {"ours": fast, "base": slow}}, "ours", ["base"])
    assert "| short | base | 2.00× | 1.00× | 0.50× | 1.00× |" in table


def test_child_peak_rss_is_the_childs_own_and_errors_are_one_line():
    grow = "b = bytearray(150 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); print('{}')"
    result = run_child([sys.executable, "-c", grow])
    assert result.returncode == 0
    assert result.peak_rss_mb > 150
    assert last_json_line(result, "grow") == {}
    small = run_child([sys.executable, "-c", "print('{}')"])
    assert small.peak_rss_mb < 100  # its own, not this (large) test process's
    failed = run_child([sys.executable, "-c", "raise SystemExit('no model')"])
    with pytest.raises(RuntimeError, match=r"^fail failed \(exit 1\): no model$"):
        last_json_line(failed, "fail")
