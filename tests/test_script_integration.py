"""`gruchat run` as a user runs it: the shipped suites on the real default model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gruchat.script.parser import load

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
SUITES = [
    ROOT / "prompts" / "regression" / name
    for name in ("commands.gru", "gru-basics.gru", "gru-quiz.gru")
]
SLOW = 1800  # seconds; the machine may be busy, and nothing here asserts time


def test_shipped_suites_pass(gruchat_cmd, default_model_path, tmp_path):
    junit = tmp_path / "suites.xml"
    args = ("run", "--quiet", "--golden", "--junit", str(junit), *map(str, SUITES))
    # The engine's prefix cache off: with it on, a greedy answer late in gru-quiz.gru
    # changed between runs whose requests were identical up to that turn (session 9: on an
    # idle machine with hash seed 3, not with seed 0 nor with seed 3 beside a CPU hog), so
    # it depends on cache state left by earlier turns and their timing, not on a set order
    # (session 8 blamed the hash seed); with the cache off, seeds 0 and 3 gave the same
    # requests and answers (seed 7 beside a hog too, as far as it ran). The goldens are
    # recorded with GRUCHAT_PREFIX_CACHE_N=0 as well.
    proc = gruchat_cmd(*args, timeout=SLOW, env={"GRUCHAT_PREFIX_CACHE_N": "0"})
    # A deliberate change to the prompt or grounding moves the answers: review the diff in
    # this output, then
    # `GRUCHAT_PREFIX_CACHE_N=0 gruchat run --update prompts/regression/*.gru`.
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 failed" in proc.stdout
    root = ET.parse(junit).getroot()
    expected = sum(len(load(suite).checks) for suite in SUITES) + len(SUITES)  # + goldens
    assert (root.get("tests"), root.get("failures")) == (str(expected), "0")
    assert len(root.findall("testsuite")) == len(SUITES)


def test_a_failing_file_exits_1_with_a_readable_report(gruchat_cmd, default_model_path, tmp_path):
    script = tmp_path / "failing.gru"
    script.write_text(
        "# sampling: max_tokens=8\n"
        "\\grounding off\n"
        "What are the two gates of a GRU called?\n"
        '\\expect contains "text no answer will hold"\n'
        "\\params\n"
        '\\expect contains "max tokens 8"\n',
        encoding="utf-8",
    )
    junit = tmp_path / "report.xml"
    proc = gruchat_cmd("run", "--junit", str(junit), str(script), timeout=SLOW)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "> What are the two gates of a GRU called?" in proc.stdout  # the transcript
    assert "Failed checks:" in proc.stdout
    expected = f'{script}:4: \\expect contains "text no answer will hold": expected the answer'
    assert expected in proc.stdout
    assert "2 checks in 1 file: 1 passed, 1 failed" in proc.stdout
    root = ET.parse(junit).getroot()
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert (suite.get("tests"), suite.get("failures"), len(cases)) == ("2", "1", 2)
    failed = [case for case in cases if case.find("failure") is not None]
    assert [case.get("line") for case in failed] == ["4"]


def test_syntax_error_exits_2_before_loading_the_model(gruchat_cmd, tmp_path):
    script = tmp_path / "bad.gru"
    script.write_text('Q\n\\expect contians "x"\n', encoding="utf-8")
    proc = gruchat_cmd("run", "--model", str(tmp_path / "absent.gguf"), str(script))
    assert proc.returncode == 2
    assert f"{script}:2:9: error: unknown check 'contians'" in proc.stderr
    assert "Loaded" not in proc.stderr


def test_missing_model_exits_3(gruchat_cmd, tmp_path):
    script = tmp_path / "ok.gru"
    script.write_text("Q\n", encoding="utf-8")
    proc = gruchat_cmd("run", "--model", str(tmp_path / "absent.gguf"), str(script))
    assert proc.returncode == 3
    assert "model file not found" in proc.stderr


def test_repl_refuses_expect(gruchat_cmd, default_model_path):
    proc = gruchat_cmd("--max-tokens", "4", input='\\expect contains "x"\n', timeout=SLOW)
    assert proc.returncode == 0
    assert "unknown command \\expect" in proc.stdout + proc.stderr
