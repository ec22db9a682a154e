"""The runner on the FakeEngine: exit codes, golden files, reports. No model is loaded."""

from __future__ import annotations

import dataclasses
import json
import os
import xml.etree.ElementTree as ET

import pytest

from gruchat.engine.base import Usage
from gruchat.engine.fake import FakeEngine, fake_info
from gruchat.errors import UsageError
from gruchat.script import golden
from gruchat.script.parser import parse_text
from gruchat.script.runner import RunOptions, run_files, settings_for


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch, tmp_path):
    """No user config or GRUCHAT_* overrides; relative paths land in tmp_path."""
    for key in list(os.environ):
        if key.startswith("GRUCHAT_") and key != "GRUCHAT_HOME":
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))  # no user file
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def run(tmp_path, env):
    """Write prompt files, run them on ``engine``; (status, stdout, stderr, engine loads)."""

    def go(files, engine, options=None, flags=None):
        if isinstance(files, str):
            files = {"t.gru": files}
        paths = []
        for name, text in files.items():
            path = tmp_path / name
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
            paths.append(path)
        loads = []

        def factory(settings, console):
            loads.append(settings)
            return engine

        streams = env()
        status = run_files(
            paths,
            flags or {},
            options or RunOptions(),
            streams,
            engine_factory=factory,
            grounder_factory=lambda settings: None,
        )
        return status, streams.stdout.getvalue(), streams.stderr.getvalue(), loads

    return go


GOOD = 'What are the gates of a GRU?\n\\expect icontains "update"\n\\expect finish stop\n'


# -- exit codes -------------------------------------------------------------------------------
def test_all_checks_pass_exits_0_with_a_transcript_and_a_report(run):
    engine = FakeEngine().enqueue("The update gate and the reset gate.")
    status, out, _, loads = run(GOOD, engine)
    assert status == 0
    assert "> What are the gates of a GRU?" in out
    assert "The update gate and the reset gate." in out
    assert "[pass] \\expect icontains" in out
    assert "2 checks in 1 file: 2 passed, 0 failed" in out
    assert len(loads) == 1


def test_a_failing_check_exits_1_and_names_its_place(run, tmp_path):
    engine = FakeEngine().enqueue("The forget gate.")
    status, out, _, _ = run(GOOD, engine)
    assert status == 1
    assert f"{tmp_path / 't.gru'}:2" in out
    assert "FAIL" in out
    assert 'expected the answer to contain "update" (any case)' in out
    assert "2 checks in 1 file: 1 passed, 1 failed" in out


def test_a_syntax_error_exits_2_and_runs_nothing(run, tmp_path):
    engine = FakeEngine()
    files = {"a.gru": GOOD, "b.gru": 'Q\n\\expect contains "open\n'}
    status, out, err, loads = run(files, engine)
    assert status == 2
    assert f"{tmp_path / 'b.gru'}:2:18: error: unterminated string" in err
    assert loads == [] and engine.requests == []
    assert out == ""


def test_every_file_with_an_error_is_reported(run):
    status, _, err, _ = run({"a.gru": "\\nosuch\n", "b.gru": b"ok\n\xff\n"}, FakeEngine())
    assert status == 2
    assert "a.gru:1:1: error: unknown command \\nosuch" in err
    assert "b.gru:2:1: error: not UTF-8 text (byte 0xff)" in err


def test_an_unreadable_file_exits_2(env, tmp_path):
    streams = env()
    status = run_files([tmp_path / "missing.gru"], {}, RunOptions(), streams, lambda s, c: None)
    assert status == 2
    assert "missing.gru: error: cannot read" in streams.stderr.getvalue()


def test_no_files_is_a_usage_error(env):
    with pytest.raises(UsageError):
        run_files([], {}, RunOptions(), env())


def test_a_model_error_propagates_for_exit_3(env, tmp_path):
    from gruchat.errors import ModelError

    def broken(settings, console):
        raise ModelError("model file not found: /x.gguf")

    path = tmp_path / "t.gru"
    path.write_text("Q\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        run_files([path], {}, RunOptions(), env(), broken, lambda settings: None)
    assert info.value.status == 3


# -- commands, \expect error, \retry, \exit ---------------------------------------------------
def test_expect_error_on_a_refused_command_passes(run):
    text = '\\temperature abc\n\\expect error "temperature must be a number"\n'
    status, out, _, _ = run(text, FakeEngine())
    assert status == 0
    assert "error: temperature must be a number from 0.0 to 2.0" in out  # as the REPL shows it


def test_expect_error_on_an_accepted_command_fails(run):
    status, out, _, _ = run('\\temperature 0.5\n\\expect error "temperature"\n', FakeEngine())
    assert status == 1
    assert 'it was accepted: "Temperature set to 0.5."' in out


def test_table_refusals_are_checkable_not_syntax_errors(run):
    text = '\\exit extra\n\\expect error "\\\\exit takes no arguments"\nQ\n'
    status, _, _, _ = run(text, FakeEngine().enqueue("A"))
    assert status == 0  # and \exit extra did not end the file: Q was asked


def test_an_unexpected_refusal_fails_the_run(run):
    status, out, _, _ = run("\\undo\n\\params\n", FakeEngine())
    assert status == 1
    assert "\\undo (accepted)" in out and "refused: nothing to undo" in out


def test_retry_answer_is_what_the_checks_see(run):
    engine = FakeEngine().enqueue("first").enqueue("second answer")
    text = 'Q\n\\expect equals "first"\n\\retry\n\\expect equals "second answer"\n'
    status, _, _, _ = run(text, engine)
    assert status == 0
    assert len(engine.requests) == 2


def test_exit_ends_the_file_and_later_checks_fail_as_not_run(run):
    text = 'Q\n\\exit\nR\n\\expect contains "x"\n'
    engine = FakeEngine().enqueue("A").enqueue("B")
    status, out, _, _ = run(text, engine)
    assert status == 1
    assert len(engine.requests) == 1
    assert "not run: \\exit on line 2 ended the file" in out


def test_a_prompt_that_does_not_fit_fails(run):
    engine = FakeEngine(info=fake_info(context_length=5), token_count=12)
    status, out, _, _ = run("a long question about gates\n", engine)
    assert status == 1
    assert "no answer: prompt is" in out


def test_an_engine_error_fails_the_prompt(run):
    from gruchat.errors import EngineError

    engine = FakeEngine().enqueue("partial answer", error=EngineError("boom"), error_after=1)
    status, out, _, _ = run("Q\n", engine)
    assert status == 1
    assert "the engine failed: boom" in out


def test_ctrl_c_during_an_answer_stops_the_run(run):
    engine = FakeEngine().enqueue("partial", error=KeyboardInterrupt(), error_after=1)
    with pytest.raises(KeyboardInterrupt):
        run('Q\n\\expect contains "x"\n', engine)


# -- one engine, fresh sessions, sampling -----------------------------------------------------
def test_one_engine_for_all_files_and_a_fresh_session_each(run):
    engine = FakeEngine().enqueue("A").enqueue("B")
    status, _, _, loads = run({"a.gru": "first question\n", "b.gru": "second question\n"}, engine)
    assert status == 0
    assert len(loads) == 1
    second = engine.requests[1][0]
    assert not any("first question" in m["content"] for m in second)


def test_greedy_unless_the_file_or_a_flag_says_otherwise(run, monkeypatch):
    monkeypatch.setenv("GRUCHAT_TEMPERATURE", "0.9")
    engine = FakeEngine().enqueue("A").enqueue("B").enqueue("C")
    files = {
        "a.gru": "Q\n",
        "b.gru": "# sampling: temperature=0.4 max_tokens=33 top_k=3\nQ\n",
    }
    run(files, engine)
    assert engine.requests[0][1].temperature == 0.0
    assert (engine.requests[1][1].temperature, engine.requests[1][1].max_tokens) == (0.4, 33)
    assert engine.requests[1][1].top_k == 3
    engine = FakeEngine().enqueue("A")
    run(
        {"c.gru": "# sampling: max_tokens=33\nQ\n\\reset\n\\params\n"},
        engine,
        flags={"max_tokens": 7},
    )
    assert engine.requests[0][1].max_tokens == 7


def test_reset_goes_back_to_the_files_sampling(run):
    text = '# sampling: top_k=3\n\\topk 9\n\\reset\n\\expect contains "temperature 0.0, top-k 3,"\n'
    assert run(text, FakeEngine())[0] == 0


def test_model_pragma_and_the_model_flag():
    a = parse_text("# model: /models/a.gguf\nQ\n", "a.gru")
    b = parse_text("# model: /models/b.gguf\nQ\n", "b.gru")
    assert settings_for({}, [a]).model == "/models/a.gguf"
    with pytest.raises(UsageError, match="different models"):
        settings_for({}, [a, b])
    assert settings_for({"model": "smollm2-135m"}, [a, b]).model == "smollm2-135m"


# -- golden files -----------------------------------------------------------------------------
def _two_answers(first: str = "one answer", second: str = "two") -> FakeEngine:
    fake = FakeEngine().enqueue(first, reasoning="hmm", usage=Usage(40, 3))
    return fake.enqueue(second, usage=Usage(38, 1))


def test_record_then_compare_then_diff(run, tmp_path):
    text = "Q1\n\\clear\nQ2\n"
    status, out, _, _ = run(text, _two_answers(), RunOptions(record=True))
    assert status == 0
    path = golden.golden_path(tmp_path / "t.gru")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [t["answer"] for t in data["turns"]] == ["one answer", "two"]
    first = data["turns"][0]
    assert first["reasoning"] == "hmm" and first["finish_reason"] == "stop"
    assert (first["prompt_tokens"], first["completion_tokens"]) == (40, 3)  # as reported
    assert data["model_sha256"] is None  # the fake model is no local file
    assert (data["backend"], data["engine"]) == ("fake", None)  # which backend answered
    assert "gruchat" in data
    assert "ttft" not in json.dumps(data) and "seconds" not in json.dumps(data)
    assert "recorded 2 answers" in out

    status, out, _, _ = run(text, _two_answers())
    assert status == 0
    assert "2 answers match" in out

    status, out, _, _ = run(text, _two_answers(second="changed"))
    assert status == 1
    assert "answers differ from the golden file" in out
    assert "-    two" in out and "+    changed" in out
    assert "(golden)" in out and "(this run)" in out
    assert json.loads(path.read_text(encoding="utf-8")) == data  # untouched without --update


def test_record_does_not_overwrite_update_does(run, tmp_path):
    text = "Q1\n"
    run(text, FakeEngine().enqueue("old"), RunOptions(record=True))
    path = golden.golden_path(tmp_path / "t.gru")
    status, _, _, _ = run(text, FakeEngine().enqueue("new"), RunOptions(record=True))
    assert status == 1
    assert "old" in path.read_text(encoding="utf-8")
    status, out, _, _ = run(text, FakeEngine().enqueue("new"), RunOptions(update=True))
    assert status == 0
    assert "updated 1 answers" in out and "+    new" in out
    assert json.loads(path.read_text(encoding="utf-8"))["turns"][0]["answer"] == "new"
    assert run(text, FakeEngine().enqueue("new"))[0] == 0


def test_golden_flag_makes_a_missing_golden_file_fail(run):
    status, out, _, _ = run("Q\n", FakeEngine().enqueue("A"), RunOptions(golden=True))
    assert status == 1
    assert "no golden file" in out and "--record" in out
    assert run("Q\n", FakeEngine().enqueue("A"), RunOptions(golden=True, record=True))[0] == 0


def test_a_broken_golden_file_fails_cleanly(run, tmp_path):
    golden.golden_path(tmp_path / "t.gru").write_text("{not json", encoding="utf-8")
    status, out, _, _ = run("Q\n", FakeEngine().enqueue("A"))
    assert status == 1
    assert "cannot read golden file" in out


def test_golden_ignores_line_numbers_but_not_the_model_hash(run, tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF fake weights")
    engine = FakeEngine().enqueue("A")
    engine.info = dataclasses.replace(engine.info, path=str(model))
    run("Q\n", engine, RunOptions(record=True))
    data = json.loads(golden.golden_path(tmp_path / "t.gru").read_text(encoding="utf-8"))
    assert len(data["model_sha256"]) == 64
    engine = FakeEngine().enqueue("A")
    engine.info = dataclasses.replace(engine.info, path=str(model))
    assert run("# a new comment\n\nQ\n", engine)[0] == 0
    model.write_bytes(b"GGUF other weights")
    engine = FakeEngine().enqueue("A")
    engine.info = dataclasses.replace(engine.info, path=str(model))
    status, out, _, _ = run("Q\n", engine)
    assert status == 1 and "model sha256" in out


# -- reports ----------------------------------------------------------------------------------
def test_junit_and_json_reports(run, tmp_path):
    files = {
        "a.gru": 'Q\n\\expect contains "A"\n\\expect contains "nope"\n',
        "b.gru": '\\topk 0\n\\expect error "top-k"\n',
    }
    options = RunOptions(junit=tmp_path / "out.xml", json_path=tmp_path / "out.json")
    status, _, _, _ = run(files, FakeEngine().enqueue("A"), options)
    assert status == 1
    root = ET.parse(tmp_path / "out.xml").getroot()
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "3", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(tmp_path / "a.gru"), str(tmp_path / "b.gru")]
    assert [len(s.findall("testcase")) for s in suites] == [2, 1]
    assert [s.get("failures") for s in suites] == ["1", "0"]
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failed) == 1
    assert failed[0].get("name") == 'line 3: \\expect contains "nope"'
    assert failed[0].get("line") == "3"
    assert 'contain "nope"' in failed[0].find("failure").get("message")
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert (data["passed"], data["checks"], data["failures"]) == (False, 3, 1)
    assert data["files"][0]["checks"][1]["line"] == 3
    assert data["files"][0]["checks"][1]["passed"] is False


def test_junit_survives_control_characters_in_answers(run, tmp_path):
    options = RunOptions(junit=tmp_path / "out.xml")
    run('Q\n\\expect contains "zzz"\n', FakeEngine().enqueue("bad \x00\x1b char"), options)
    ET.parse(tmp_path / "out.xml")  # well-formed


def test_quiet_shows_only_the_report(run):
    status, out, _, _ = run(GOOD, FakeEngine().enqueue("update"), RunOptions(quiet=True))
    assert status == 0
    assert "> What are" not in out and "[pass]" not in out
    assert "gruchat run" in out and "2 checks in 1 file" in out


def test_an_unwritable_report_path_is_a_usage_error(run, tmp_path):
    options = RunOptions(junit=tmp_path / "no-such-dir" / "out.xml")
    with pytest.raises(UsageError, match="cannot write the report"):
        run("Q\n", FakeEngine().enqueue("A"), options)


def test_an_unwritable_golden_file_fails_the_file(run, tmp_path):
    golden.golden_path(tmp_path / "t.gru").mkdir()  # a directory where the file would go
    status, out, _, _ = run("Q\n", FakeEngine().enqueue("A"), RunOptions(update=True))
    assert status == 1
    assert "cannot write" in out


class SlowFirstEngine(FakeEngine):
    """Answers each prompt with its own text; the first file's answer comes last."""

    def stream(self, messages, sampling):
        import time

        prompt = messages[-1]["content"]
        if "first" in prompt:
            time.sleep(0.3)
        self.enqueue(f"echo {prompt}")
        yield from super().stream(messages, sampling)


def test_jobs_against_an_endpoint_reports_in_file_order(run):
    files = {
        "a.gru": 'first question\n\\expect contains "first"\n',
        "b.gru": 'second question\n\\expect contains "nowhere"\n',
        "c.gru": 'third question\n\\expect contains "third"\n',
    }
    flags = {"endpoint": "http://127.0.0.1:9"}  # the fake engine stands in for the server
    status, out, err, loads = run(files, SlowFirstEngine(), RunOptions(jobs=3), flags)
    assert status == 1 and len(loads) == 1  # b's check fails; one engine for all files
    heads = [out.index(f"{name} ==") for name in ("a.gru", "b.gru", "c.gru")]
    assert heads == sorted(heads)
    assert "echo first question" in out[heads[0] : heads[1]]  # each transcript whole
    assert "one after another" not in err


def test_jobs_in_process_runs_one_at_a_time_and_says_so(run):
    status, _out, err, _ = run("q\n", FakeEngine(), RunOptions(jobs=4))
    assert status == 0
    assert "--jobs 4: the in-process engine answers one question at a time" in err


def test_help_in_a_prompt_file_lists_expect_and_the_repls_does_not():
    """\\expect is the script parser's, not a command, yet a prompt file's \\help names it."""
    from gruchat.config import Settings
    from gruchat.environment import Environment
    from gruchat.runtime import new_session
    from gruchat.script.runner import run_script
    from gruchat.shell import Shell

    script = parse_text('\\help\n\\expect contains "\\\\expect [not] contains"\n', "help.gru")
    result, _ = run_script(script, FakeEngine(), Settings(), None, Environment.in_memory())
    assert [row.passed for row in result.rows] == [True]
    repl = Shell(FakeEngine(), new_session(Settings()), Environment.in_memory())
    assert "\\expect" not in repl.handle("\\help").reply.text
