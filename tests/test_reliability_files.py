"""Reliability 2, cases 33-45: bad transcripts, nothing overwritten silently, bounded and
non-blocking inputs. FakeEngine and in-memory streams, plus ``python -m gruchat`` child
processes for what needs no model (each with a timeout, so a hang is a failure)."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gruchat import config, inputs, repl, transcript
from gruchat.engine.base import Sampling, Usage
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment
from gruchat.errors import ExitStatus, ModelError, UsageError
from gruchat.models import check_gguf
from gruchat.script import golden, parser
from gruchat.script.checks import evaluate
from gruchat.script.runner import RunOptions, run_files
from gruchat.session import Session, Turn
from gruchat.shell import Shell

QUICK = 60  # seconds: only there to turn a hang into a failure
ROOT = Path(__file__).resolve().parents[1]


def within(seconds: float, func, *args):
    """Run ``func`` in a thread; fail (not hang) when it does not return in time."""
    box: dict = {}

    def target():
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{func.__name__} blocked for more than {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def make_shell(tmp_path: Path, engine: FakeEngine | None = None):
    engine = engine or FakeEngine()
    environment = Environment.in_memory(width=400)
    session = Session.start("You are a tutor.", Sampling(temperature=0.3, top_k=20))
    return Shell(engine, session, environment), session, environment


def chatted_shell(tmp_path: Path):
    engine = FakeEngine().enqueue("A GRU has two gates.")
    shell, session, environment = make_shell(tmp_path, engine)
    shell.handle("What is a GRU?")
    return shell, session, environment


def snapshot(session: Session) -> dict:
    return copy.deepcopy(
        {
            "messages": session.messages,
            "sampling": session.sampling,
            "system": session.system_prompt,
            "turns": [t.as_dict() for t in session.turns],
        }
    )


def good_doc() -> dict:
    return {
        "version": 1,
        "system_prompt": "Be brief.",
        "sampling": {"temperature": 0.5, "top_k": 5, "top_p": 0.9, "max_tokens": 64, "think": True},
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a"},
        ],
        "turns": [
            {
                "prompt": "q",
                "answer": "a",
                "finish_reason": "stop",
                "usage": {"prompt_tokens": 12, "completion_tokens": 3, "decode_tps": 9.5},
                "sources": ["gates"],
            }
        ],
    }


def load_reply(shell: Shell, path: Path):
    return shell.handle(f"\\load {path}").reply


# -- case 33: transcripts with wrong types are refused whole, with the field's path ------------

BAD_FIELDS = [
    (lambda d: d.update(turns=[{}]), "turns[0].prompt: expected text, it is missing"),
    (
        lambda d: d["turns"][0]["usage"].update(prompt_tokens="12"),
        'turns[0].usage.prompt_tokens: expected a whole number, got "12"',
    ),
    (
        lambda d: d["sampling"].update(think="false"),
        'sampling.think: expected true or false, got "false"',
    ),
    (
        lambda d: d["sampling"].update(top_k=True),
        "sampling.top_k: expected a whole number, got true",
    ),
    (
        lambda d: d["sampling"].update(temperature=7),
        "sampling.temperature: expected a number from 0.0 to 2.0, got 7",
    ),
    (lambda d: d["turns"][0].update(ttft=float("nan")), "turns[0].ttft: expected a finite number"),
    (
        lambda d: d["turns"][0].update(finish_reason="done"),
        "turns[0].finish_reason: expected one of stop",
    ),
    (
        lambda d: d["turns"][0].update(sources="gates"),
        'turns[0].sources: expected a list of text, got "gates"',
    ),
    (lambda d: d["turns"][0].update(sources=[1]), "turns[0].sources[0]: expected text, got 1"),
    (lambda d: d["turns"][0].update(usage=[]), "turns[0].usage: expected an object, got a list"),
    (lambda d: d.update(turns={}), "turns: expected a list of turns, got an object"),
    (lambda d: d["messages"].reverse(), 'messages[0].role: expected "user"'),
    (lambda d: d["messages"].pop(), "messages[0]: expected an answer after the last question"),
    (
        lambda d: d["messages"][1].update(content=None),
        "messages[1].content: expected text, got null",
    ),
    (lambda d: d.update(system_prompt=["x"]), "system_prompt: expected text, got a list"),
    (lambda d: d.update(version=99), "version: expected 2 or lower"),
    (lambda d: d.pop("messages"), "messages: expected a list of messages, it is missing"),
    (lambda d: d.update(sampling="greedy"), 'sampling: expected an object, got "greedy"'),
]


@pytest.mark.parametrize("breaks,message", BAD_FIELDS)
def test_case33_wrong_types_refused_with_path_state_unchanged(tmp_path, breaks, message):
    shell, session, _ = chatted_shell(tmp_path)
    before = snapshot(session)
    doc = good_doc()
    breaks(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    reply = load_reply(shell, path)
    assert reply.error
    assert reply.text.startswith(f"{path}: {message}"), reply.text
    assert reply.text.endswith("nothing was changed")
    assert snapshot(session) == before
    # the REPL goes on: stats, save and a new turn all work on the unchanged state
    shell.engine.enqueue("still here")
    reply = shell.handle("\\stats").reply
    assert not reply.error
    assert shell.send("next?").turn.answer == "still here"


def test_case33_control_a_valid_transcript_loads_typed(tmp_path):
    shell, session, _ = chatted_shell(tmp_path)
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good_doc()), encoding="utf-8")
    assert not load_reply(shell, path).error
    assert session.sampling == Sampling(
        temperature=0.5, top_k=5, top_p=0.9, max_tokens=64, think=True
    )
    assert session.system_prompt == "Be brief."
    assert session.turns[0].usage == Usage(prompt_tokens=12, completion_tokens=3, decode_tps=9.5)
    reply = shell.handle("\\stats").reply  # what used to crash later on a string token count
    assert "Prompt: 12 tokens" in reply.text


def test_case33_own_save_round_trips_through_the_schema(tmp_path):
    shell, session, _ = chatted_shell(tmp_path)
    session.turns[0].usage = Usage(prompt_tokens=7, completion_tokens=2)
    path = tmp_path / "mine.json"
    shell.handle(f"\\save {path}")
    fresh, other, _ = make_shell(tmp_path)
    assert not load_reply(fresh, path).error
    assert other.messages == session.messages
    assert [t.as_dict() for t in other.turns] == [t.as_dict() for t in session.turns]


# -- case 34: deep nesting, huge numbers, broken JSON -------------------------------------------

DEEP = [
    ("[" * 200_000 + "]" * 200_000, "JSON nested too deeply"),
    (
        json.dumps({"messages": [], "extra": [[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]}),
        "nested too deeply",
    ),
    ('{"messages": [], "version": 1' + "0" * 5000 + "}", "not usable JSON"),
    ('{"messages": [}', "not valid JSON (line 1"),
    ("", "not valid JSON"),
]


@pytest.mark.parametrize(
    "text,message", DEEP, ids=["deep", "deep-unknown-key", "huge-int", "broken", "empty"]
)
def test_case34_deep_or_broken_json_refused_state_unchanged(tmp_path, text, message):
    shell, session, _ = chatted_shell(tmp_path)
    before = snapshot(session)
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    reply = load_reply(shell, path)
    assert reply.error and message in reply.text, reply.text
    assert snapshot(session) == before


# -- case 35: \load of an over-large file, a FIFO, a device ------------------------------------


def test_case35_load_over_the_size_limit_refused_without_reading(tmp_path):
    shell, session, _ = chatted_shell(tmp_path)
    before = snapshot(session)
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(inputs.TRANSCRIPT_LIMIT + 1)  # sparse: nothing to read if we tried
    reply = within(QUICK, load_reply, shell, path)
    assert reply.error and "larger than the 16 MiB limit" in reply.text
    assert snapshot(session) == before


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_case35_load_of_a_non_regular_file_refused_without_blocking(tmp_path, kind):
    shell, session, _ = chatted_shell(tmp_path)
    before = snapshot(session)
    path = tmp_path / "odd.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    reply = within(QUICK, load_reply, shell, path)
    expected = {
        "fifo": "a FIFO (named pipe)",
        "dev-zero": "a character device",
        "directory": "a directory",
    }
    assert reply.error and f"it is {expected[kind]}, not a regular file" in reply.text
    assert snapshot(session) == before


# -- case 36: lone surrogates are cleaned wherever text comes in ------------------------------


def _strict(text: str) -> str:
    text.encode("utf-8")  # raises on any lone surrogate
    return text


def test_case36_surrogates_in_typed_system_and_commands_are_cleaned(tmp_path):
    engine = FakeEngine().enqueue("ok")
    shell, session, environment = make_shell(tmp_path, engine)
    shell.handle("\\system be \udcff brief")
    assert _strict(session.system_prompt) == "be ? brief"
    reply = shell.handle("\\nosuch\ud800").reply
    assert _strict(str(reply.text)).startswith("unknown command \\nosuch?")
    shell.handle("what \udcfe is z?")
    sent = engine.requests[0][0]
    assert _strict(sent[0]["content"]) == "be ? brief"
    assert sent[-1]["content"] == "what ? is z?"
    _strict(environment.stdout.getvalue())


def test_case36_surrogates_in_loaded_history_are_cleaned(tmp_path):
    shell, session, _ = chatted_shell(tmp_path)
    path = tmp_path / "escaped.json"
    doc = good_doc()
    doc["messages"][0]["content"] = "q \ud800"
    doc["system_prompt"] = "sys \udfff"
    doc["turns"][0]["answer"] = "a \ud83d"
    path.write_text(json.dumps(doc), encoding="utf-8")  # ASCII: the surrogates are \u escapes
    assert "\\ud800" in path.read_text()
    assert not load_reply(shell, path).error
    assert session.messages[0]["content"] == "q ?"
    assert session.system_prompt == "sys ?"
    assert session.turns[0].answer == "a ?"
    reply = shell.handle(f"\\save {tmp_path / 'again.json'}").reply
    assert not reply.error
    _strict((tmp_path / "again.json").read_text(encoding="utf-8"))


def test_case36_surrogates_in_system_flag_and_ask_argument_are_cleaned(env):
    settings = config.load_settings({"system_prompt": "flag \udcff text"}, env={})
    assert config.system_prompt_text(settings) == "flag ? text"
    from gruchat.one_question import read_prompt

    assert read_prompt("argv \udcff", env()) == "argv ?"


def test_case36_system_file_with_bad_bytes_is_a_usage_error(tmp_path):
    path = tmp_path / "system.md"
    path.write_bytes(b"be \xff brief")
    settings = config.load_settings({"system_prompt_file": str(path)}, env={})
    with pytest.raises(UsageError, match=r"not UTF-8 text \(byte 3\)"):
        config.system_prompt_text(settings)


# -- case 37: \save never replaces a file that is not this session's transcript ---------------


@pytest.mark.parametrize("name", ["notes.md", "data.json"])
def test_case37_save_onto_an_unrelated_file_refused_then_forced(tmp_path, name):
    shell, _, _ = chatted_shell(tmp_path)
    path = tmp_path / name
    path.write_bytes(b"my own notes, not a transcript\n")
    reply = shell.handle(f"\\save {path}").reply
    assert reply.error
    assert f"\\save {path} --force replaces it" in reply.text
    assert path.read_bytes() == b"my own notes, not a transcript\n"
    reply = shell.handle(f"\\save {path} --force").reply
    assert not reply.error
    assert "A GRU has two gates." in path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temp file left


def test_case37_another_sessions_transcript_is_not_replaced(tmp_path):
    first, _, _ = chatted_shell(tmp_path)
    path = tmp_path / "chat.json"
    first.handle(f"\\save {path}")
    saved = path.read_bytes()
    second, _, _ = chatted_shell(tmp_path)
    second_reply = second.handle(f"\\save {path}").reply
    assert second_reply.error and "not a transcript saved in this session" in second_reply.text
    assert path.read_bytes() == saved
    second_reply = second.handle(f"\\save --force {path}").reply  # the flag may come first too
    assert not second_reply.error


def test_case37_own_transcript_is_saved_over_and_a_loaded_one_too(tmp_path):
    shell, _, _ = chatted_shell(tmp_path)
    path = tmp_path / "chat.md"
    shell.handle(f"\\save {path}")
    shell.engine.enqueue("More.")
    shell.handle("And?")
    reply = shell.handle(f"\\save {path}").reply
    assert not reply.error and "More." in path.read_text(encoding="utf-8")
    json_path = tmp_path / "chat.json"
    shell.handle(f"\\save {json_path}")
    other, _, _ = make_shell(tmp_path)
    other.handle(f"\\load {json_path}")
    other_reply = other.handle(f"\\save {json_path}").reply  # continuing a loaded conversation
    assert not other_reply.error
    # the file this session saved was replaced by someone else's: refused again
    path.write_text("someone else's file\n")
    reply = shell.handle(f"\\save {path}").reply
    assert reply.error and path.read_text() == "someone else's file\n"


# -- case 38: \save onto a symbolic link -------------------------------------------------------


def test_case38_save_onto_a_symlink_refused_forced_writes_through(tmp_path):
    shell, _, _ = chatted_shell(tmp_path)
    target = tmp_path / "real.json"
    target.write_text("precious\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    reply = shell.handle(f"\\save {link}").reply
    assert reply.error
    assert f"is a symbolic link to {target}" in reply.text
    assert f"\\save {link} --force writes to {target}" in reply.text
    assert link.is_symlink() and target.read_text() == "precious\n"
    reply = shell.handle(f"\\save {link} --force").reply
    assert not reply.error
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["messages"][1]["content"] == "A GRU has two gates."


def test_case38_forced_save_through_a_dangling_link_creates_its_target(tmp_path):
    shell, _, _ = chatted_shell(tmp_path)
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "new.md")
    reply = shell.handle(f"\\save {link}").reply
    assert reply.error and not (tmp_path / "new.md").exists()
    shell.handle(f"\\save {link} --force")
    assert link.is_symlink() and (tmp_path / "new.md").read_text().startswith("# gruchat")


# -- case 39: never replace a FIFO, a device or a directory, forced or not --------------------


@pytest.mark.parametrize("force", ["", " --force"])
def test_case39_save_onto_fifo_or_device_refused_even_forced(tmp_path, force):
    shell, _, _ = chatted_shell(tmp_path)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    reply = within(QUICK, shell.handle, f"\\save {fifo}{force}").reply
    assert reply.error and "it is a FIFO (named pipe), not a regular file" in reply.text
    assert fifo.is_fifo()
    null_link = tmp_path / "null.json"
    null_link.symlink_to(os.devnull)
    reply = within(QUICK, shell.handle, f"\\save {null_link}{force}").reply
    assert reply.error
    assert Path(os.devnull).is_char_device()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.json", "pipe.json"]


def test_case39_atomic_write_refuses_non_regular_targets(tmp_path):
    fifo = tmp_path / "report.xml"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="it is a FIFO"):
        within(QUICK, transcript.atomic_write, fifo, "x")
    assert fifo.is_fifo()
    folder = tmp_path / "dir.json"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        transcript.atomic_write(folder, "x")


# -- case 40: gruchat run never writes a report over an input ----------------------------------


@pytest.fixture
def gru(tmp_path, monkeypatch):
    monkeypatch.delenv("GRUCHAT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "x.gru"
    path.write_text('hi\n\\expect contains "hi"\n', encoding="utf-8")
    return path


def _never_loaded(settings, console):
    raise AssertionError("the model was loaded although the run is a usage error")


@pytest.mark.parametrize(
    "junit,json_path,what",
    [
        ("x.gru", None, "--junit x.gru is the prompt file"),
        (None, "x.gru", "--json x.gru is the prompt file"),
        (None, "x.gru.golden.json", "is the golden file of"),
        ("./sub/../x.gru", None, "is the prompt file"),
        ("hard.gru", None, "is the prompt file"),
        ("r.xml", "r.xml", "--junit and --json both name r.xml"),
        ("sys.md", None, "is the system prompt file"),
    ],
)
def test_case40_report_over_an_input_is_a_usage_error(gru, tmp_path, env, junit, json_path, what):
    (tmp_path / "sub").mkdir()
    os.link(gru, tmp_path / "hard.gru")
    (tmp_path / "sys.md").write_text("Be brief.")
    before = gru.read_bytes()
    options = RunOptions(
        junit=Path(junit) if junit else None, json_path=Path(json_path) if json_path else None
    )
    flags = {"system_prompt_file": "sys.md"}
    with pytest.raises(UsageError) as info:
        run_files([gru], flags, options, env(), _never_loaded, lambda s: None)
    assert what in info.value.message and info.value.status == ExitStatus.USAGE
    assert gru.read_bytes() == before
    assert not (tmp_path / "x.gru.golden.json").exists()
    assert (tmp_path / "sys.md").read_text() == "Be brief."


def test_case40_cli_junit_onto_the_prompt_file_exit_2_file_intact(gruchat_cmd, tmp_path):
    path = tmp_path / "x.gru"
    path.write_text('hi\n\\expect contains "hi"\n', encoding="utf-8")
    before = path.read_bytes()
    # the worktree's gruchat even from tmp_path; a missing check would fail on the model (3)
    in_tmp = {"cwd": tmp_path, "timeout": QUICK, "env": {"PYTHONPATH": str(ROOT)}}
    proc = gruchat_cmd("run", "x.gru", "--junit", "x.gru", "--model", "/no/such.gguf", **in_tmp)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: --junit x.gru is the prompt file x.gru; a report is never written over an "
        "input, choose another path"
    ]
    assert path.read_bytes() == before
    proc = gruchat_cmd(
        "run", "x.gru", "--json", "x.gru.golden.json", "-m", "/no/such.gguf", **in_tmp
    )
    assert proc.returncode == 2 and "golden file of x.gru" in proc.stderr
    assert not (tmp_path / "x.gru.golden.json").exists()


def test_case40_control_a_report_beside_the_input_is_written(gru, tmp_path, env):
    engine = FakeEngine().enqueue("hi there")
    options = RunOptions(quiet=True, junit=tmp_path / "r.xml", json_path=tmp_path / "r.json")
    status = run_files([gru], {}, options, env(), lambda s, c: engine, lambda s: None)
    assert status == ExitStatus.OK
    assert json.loads((tmp_path / "r.json").read_text())["passed"] is True
    assert "<testsuites" in (tmp_path / "r.xml").read_text()


# -- case 41: a FIFO, device, socket or directory as --model -----------------------------------


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "socket", "directory"])
def test_case41_non_regular_model_refused_from_its_stat(tmp_path, kind):
    path = tmp_path / "m.gguf"
    server = None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    else:
        path.mkdir()
    try:
        with pytest.raises(ModelError, match=r"^model path is a .*, not a GGUF file: "):
            within(QUICK, check_gguf, path)
    finally:
        if server is not None:
            server.close()


def test_case41_fifo_model_exits_3_quickly(gruchat_cmd, tmp_path):
    fifo = tmp_path / "m.gguf"
    os.mkfifo(fifo)
    started = time.monotonic()
    proc = gruchat_cmd("ask", "--model", str(fifo), "hi", timeout=QUICK)
    assert proc.returncode == 3, proc.stderr
    assert (
        proc.stderr.strip() == f"error: model path is a FIFO (named pipe), not a GGUF file: {fifo}"
    )
    assert time.monotonic() - started < QUICK


# -- case 42: the history file is a FIFO, /dev/zero or huge ------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_case42_non_regular_history_warns_and_uses_memory(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("GRUCHAT_HOME", str(tmp_path))
    path = tmp_path / "history"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    environment = Environment.in_memory(width=400)
    history = within(QUICK, repl.make_history, environment.err)
    warning = environment.stderr.getvalue()
    assert f"warning: history file {path} is a" in warning and "continuing without it" in warning
    history.append_string("kept in memory")
    assert list(history.get_strings()) == ["kept in memory"]


def test_case42_history_turned_fifo_later_never_blocks(tmp_path):
    path = tmp_path / "history"
    os.mkfifo(path)
    environment = Environment.in_memory(width=400)
    history = repl.SafeFileHistory(str(path), environment.err)
    assert within(QUICK, history.load_history_strings) == []
    within(QUICK, history.store_string, "a line")  # no reader: O_NONBLOCK gives ENXIO
    assert environment.stderr.getvalue().count("warning: history file") == 1


def test_case42_huge_history_loads_only_its_newest_part(tmp_path, monkeypatch):
    path = tmp_path / "history"
    environment = Environment.in_memory(width=400)
    writer = repl.SafeFileHistory(str(path), environment.err)
    for i in range(200):
        writer.store_string(f"entry {i}\nsecond line {i}")
    monkeypatch.setattr(repl, "HISTORY_LIMIT", 2000)
    strings = list(repl.SafeFileHistory(str(path), environment.err).load_history_strings())
    assert strings[0] == "entry 199\nsecond line 199"
    assert 10 < len(strings) < 200
    expected = {f"entry {i}\nsecond line {i}" for i in range(200)}
    assert set(strings) <= expected  # no entry cut in half at the start
    assert environment.stderr.getvalue() == ""


# -- case 43: unbounded stdin, system prompt, config and prompt files --------------------------


def test_case43_ask_stdin_dev_zero_refused_quickly(subprocess_env):
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run(
            [sys.executable, "-m", "gruchat", "ask", "-"],
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=QUICK,
            env=subprocess_env,
            check=False,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "error: cannot read the question on stdin: it is longer than the 1 MiB limit"
    )


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "huge"])
def test_case43_system_file_refused_before_the_model_loads(gruchat_cmd, tmp_path, kind):
    path = tmp_path / "system.md"
    if kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        with path.open("wb") as handle:
            handle.truncate(inputs.TEXT_LIMIT + 1)
    proc = gruchat_cmd(
        "ask", "--system-file", str(path), "--model", "/no/such.gguf", "hi", timeout=QUICK
    )
    assert proc.returncode == 2, proc.stderr
    reason = {
        "dev-zero": "it is a character device, not a regular file",
        "fifo": "it is a FIFO (named pipe), not a regular file",
        "huge": "it is larger than the 1 MiB limit",
    }[kind]
    assert proc.stderr.strip() == f"error: cannot read system prompt file {path}: {reason}"


def test_case43_piped_repl_input_without_newlines_is_bounded(tmp_path):
    class Zero:
        """/dev/zero as a text stream."""

        def readline(self, size=-1):
            assert 0 < size <= inputs.TEXT_LIMIT + 1, "an unbounded readline"
            return "\0" * size

    environment = Environment.in_memory()
    environment.stdin = Zero()
    with pytest.raises(UsageError, match="stdin: a line is longer than the 1 MiB limit"):
        within(QUICK, list, repl.piped_lines(environment))


def test_case43_unclosed_block_is_bounded(tmp_path):
    line = "x" * 1000 + "\n"
    environment = Environment.in_memory('"""\n' + line * 1100)
    with pytest.raises(UsageError, match='a """ block: it is longer than the 1 MiB limit'):
        list(repl.piped_lines(environment))


def test_case43_prompt_golden_and_config_files_must_be_regular(tmp_path, monkeypatch):
    fifo = tmp_path / "x.gru"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=r"cannot read prompt file .*: it is a FIFO"):
        within(QUICK, parser.load, fifo)
    gold = tmp_path / "y.gru.golden.json"
    os.mkfifo(gold)
    with pytest.raises(ValueError, match=r"cannot read golden file .*: it is a FIFO"):
        within(QUICK, golden.load, gold)
    conf = tmp_path / "config.toml"
    os.mkfifo(conf)
    with pytest.raises(UsageError, match=r"cannot read config file .*: it is a FIFO"):
        within(QUICK, config.load_settings, {}, {"GRUCHAT_CONFIG": str(conf)})


# -- case 44: a catastrophic \expect regex fails the check in bounded time ---------------------


@pytest.mark.parametrize("negate", ["", "not "])
def test_case44_catastrophic_regex_fails_within_the_time_limit(negate):
    script = parser.parse_text(f"q\n\\expect {negate}regex /^(a|aa)+$/\n")
    check = script.steps[0].checks[0]
    turn = Turn(prompt="q", answer="a" * 60 + "b", usage=Usage())
    started = time.monotonic()
    result = within(QUICK, evaluate, check, turn)
    assert time.monotonic() - started < 10
    assert not result.passed
    assert "took longer than 1 s on the answer and was stopped" in result.message


def test_case44_control_ordinary_regexes_still_work():
    script = parser.parse_text("q\n\\expect regex /reset gate/i\n\\expect not regex /peephole/\n")
    turn = Turn(prompt="q", answer="The Reset Gate decides.", usage=Usage())
    assert [evaluate(c, turn).passed for c in script.steps[0].checks] == [True, True]


def test_case44_catastrophic_regex_in_a_run_fails_the_file(tmp_path, monkeypatch, env):
    monkeypatch.delenv("GRUCHAT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))
    path = tmp_path / "slow.gru"
    path.write_text('q\n\\expect regex /^(a|aa)+$/\nq2\n\\expect contains "ok"\n')
    engine = FakeEngine().enqueue("a" * 60 + "b").enqueue("ok")
    streams = env()
    status = within(
        QUICK,
        run_files,
        [path],
        {},
        RunOptions(quiet=True),
        streams,
        lambda s, c: engine,
        lambda s: None,
    )
    assert status == ExitStatus.FAILURE
    out = streams.stdout.getvalue()
    assert f"{path}:2: \\expect regex /^(a|aa)+$/: regex /^(a|aa)+$/ took longer than 1 s" in out
    assert "1 passed, 1 failed" in out  # the next prompt still ran and passed


# -- case 45: golden files and reports never replace a FIFO; links are written through ---------


def test_case45_report_onto_a_fifo_is_an_error_fifo_kept(gru, tmp_path, env):
    fifo = tmp_path / "r.xml"
    os.mkfifo(fifo)
    engine = FakeEngine().enqueue("hi")
    with pytest.raises(UsageError, match=r"cannot write the report .*it is a FIFO"):
        within(
            QUICK,
            run_files,
            [gru],
            {},
            RunOptions(quiet=True, junit=fifo),
            env(),
            lambda s, c: engine,
            lambda s: None,
        )
    assert fifo.is_fifo()


def test_case45_golden_file_through_a_symlink_keeps_the_link(gru, tmp_path, env):
    store = tmp_path / "store.json"
    link = golden.golden_path(gru)
    link.symlink_to(store)
    engine = FakeEngine().enqueue("hi")
    run_files(
        [gru], {}, RunOptions(quiet=True, record=True), env(), lambda s, c: engine, lambda s: None
    )
    assert link.is_symlink()
    assert json.loads(store.read_text())["turns"][0]["answer"] == "hi"
