"""Reliability cases through the command line (child processes) and the real engine.

Named ``test_caseNN_…`` after the case list in docs/reliability.md. Tests that load the real
default model are marked ``integration`` (and ``pty`` when they use a pseudo-terminal);
real answers are kept tiny (``--max-tokens`` ≤ 24, greedy, no grounding, short system
prompt) because the CI machine is small and shared.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import helpers
import pexpect
import pytest

from gruchat import models
from gruchat.engine.base import Sampling
from gruchat.errors import ContextOverflowError, ModelError
from gruchat.session import Session, Turn
from gruchat.shell import Shell

integration = pytest.mark.integration
TINY = ["--max-tokens", "4", "--temperature", "0", "--no-grounding", "--system", "Be brief."]


def run_gruchat(subprocess_env: dict, *args: str, **options) -> subprocess.CompletedProcess:
    """``python -m gruchat ARGS`` with bytes in and out, so encodings are ours to check."""
    return helpers.run_gruchat(subprocess_env, *args, text=False, **options)


def err_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return proc.stderr.decode("utf-8", "replace").strip().splitlines()


def assert_no_traceback(proc: subprocess.CompletedProcess) -> None:
    for stream in (proc.stdout, proc.stderr):
        text = stream.decode("utf-8", "replace")
        assert "Traceback" not in text
        assert "panicked at" not in text


def assert_one_error_line(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exactly one line on stderr, starting with ``error:``, holding every fragment."""
    assert_no_traceback(proc)
    lines = err_lines(proc)
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# -- case 1: a --model path that does not exist ------------------------------------------------

_NO_NETWORK = """
import atexit, os, socket, sys
_log = os.environ["RELIABILITY_LOG"]


def _note(what):
    with open(_log, "a", encoding="utf-8") as handle:
        handle.write(what + "\\n")


def _blocked(*args, **kwargs):
    _note(f"network: {args!r}")
    raise OSError("network use is blocked by the test")


socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
atexit.register(lambda: _note("engine imported: " + str("mistralrs" in sys.modules)))
"""


@pytest.mark.parametrize(
    "spec",
    [
        "{tmp}/missing.gguf",
        "missing.gguf",
        "sub/missing.gguf",
        "./a/b/missing.gguf",
        "{tmp}/nothing/model.bin",
    ],
)
def test_case01_missing_model_path_exit_3(subprocess_env, tmp_path, spec):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_NO_NETWORK)
    log = tmp_path / "log.txt"
    spec = spec.format(tmp=tmp_path)
    proc = run_gruchat(
        subprocess_env,
        "ask",
        "What is a GRU?",
        "--model",
        spec,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "RELIABILITY_LOG": str(log), "HF_HUB_OFFLINE": None},
        timeout=60,
    )
    assert proc.returncode == 3
    assert proc.stdout == b""
    expected = Path(os.path.normpath(tmp_path / spec))  # an absolute spec stays as it is
    assert_one_error_line(proc, "model file not found", str(expected))
    assert log.read_text().splitlines() == ["engine imported: False"]  # no network, no engine


# -- case 2: a file that is not GGUF -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"", "empty file"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>\n", "starts with b'<!DO'"),
        (b"GGML\x00\x00\x00\x01" + b"\x00" * 64, "starts with b'GGML'"),
        (b"PK\x03\x04" + b"\x00" * 64, "starts with b'PK\\x03\\x04'"),
        (b"GG", "starts with b'GG'"),
    ],
    ids=["empty", "html", "ggml", "zip", "two-bytes"],
)
def test_case02_not_a_gguf_file_exit_3(subprocess_env, tmp_path, content, what):
    model = tmp_path / "model.gguf"
    model.write_bytes(content)
    proc = run_gruchat(subprocess_env, "ask", "hi", "--model", str(model), timeout=60)
    assert proc.returncode == 3
    assert_one_error_line(proc, "not a GGUF file", what, str(model))


# -- case 3: a GGUF cut short ------------------------------------------------------------------


@pytest.mark.integration  # the real model's bytes, cut short, through the real engine
@pytest.mark.parametrize(
    "size",
    [1_000_000, 2_000_000, 40_000_000],
    ids=["in-metadata", "in-first-tensor", "in-later-tensors"],
)
def test_case03_truncated_gguf_clear_load_error_exit_3(
    subprocess_env, default_model_path, tmp_path, size
):
    model = tmp_path / "truncated.gguf"
    with default_model_path.open("rb") as src, model.open("wb") as dst:
        dst.write(src.read(size))
    proc = run_gruchat(subprocess_env, "ask", "hi", *TINY, "--model", str(model), timeout=120)
    assert proc.returncode == 3
    assert_one_error_line(proc, f"could not load {model}")
    assert proc.stdout == b""


class PanicException(BaseException):
    """Named like pyo3's PanicException (a BaseException), which is what a Rust panic is."""


@pytest.fixture
def restored_environ():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize(
    "error",
    [PanicException("called `Option::unwrap()` on a `None` value"), ValueError("bad tensor")],
    ids=["panic", "value-error"],
)
def test_case03_engine_panic_during_load_is_a_model_error(
    monkeypatch, tmp_path, restored_environ, error
):
    """The engine's constructor is replaced, so no model is needed: any failure it
    raises (a Rust panic is a BaseException) becomes one ModelError line."""
    import mistralrs

    def runner(**kwargs):
        raise error

    monkeypatch.setattr(mistralrs, "Runner", runner)
    from gruchat.engine.mistral import load

    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + b"\x00" * 64)
    ref = models.resolve(str(model))
    with pytest.raises(ModelError) as caught:
        load(ref, device="cpu")
    assert caught.value.status == 3
    assert caught.value.message.startswith(f"could not load {model}: ")
    assert "\n" not in caught.value.message


# -- case 4: a model file that cannot be read --------------------------------------------------


def _unreadable(kind: str, tmp_path: Path) -> tuple[Path, str]:
    if kind == "directory":
        path = tmp_path / "x.gguf"
        path.mkdir()
        return path, "model path is a directory"
    if kind == "parent-is-a-file":
        parent = tmp_path / "model-dir"
        parent.write_text("a file, not a directory")
        return parent / "x.gguf", str(parent / "x.gguf")
    if kind == "proc-mem":
        path = tmp_path / "mem.gguf"
        path.symlink_to("/proc/self/mem")  # exists, is a file, and read(0..4) fails with EIO
        return path, "model file is not readable"
    if kind == "symlink-loop":
        path = tmp_path / "loop.gguf"
        path.symlink_to(path)
        return path, str(path)
    if kind == "chmod-000":
        if os.geteuid() == 0:
            pytest.skip("root reads a file whatever its mode; the other kinds cover root")
        path = tmp_path / "x.gguf"
        path.write_bytes(b"GGUF" + b"\x00" * 64)
        path.chmod(0)
        return path, "permission denied"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "directory",
        "parent-is-a-file",
        pytest.param(
            "proc-mem",
            marks=pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc"),
        ),
        "symlink-loop",
        "chmod-000",
    ],
)
def test_case04_unreadable_model_exit_3(subprocess_env, tmp_path, kind):
    path, fragment = _unreadable(kind, tmp_path)
    proc = run_gruchat(subprocess_env, "ask", "hi", "--model", str(path), timeout=60)
    assert proc.returncode == 3, err_lines(proc)
    assert_one_error_line(proc, fragment)


# -- case 11: Ctrl-C while the model loads -----------------------------------------------------


@integration
@pytest.mark.pty
def test_case11_ctrl_c_during_model_load_exit_130(subprocess_env, default_model_path):
    child = helpers.spawn_gruchat(
        ["ask", "What is a GRU?", *TINY],
        {**subprocess_env, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"},
    )
    child.expect("Loading")  # the spinner on stderr (a terminal here)
    child.kill(signal.SIGINT)
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.signalstatus is None, f"killed by signal {child.signalstatus}"
    assert child.exitstatus == 130
    assert "Traceback" not in output
    assert "Stats:" not in output  # it did not go on to answer


# -- case 12: end of piped stdin and \exit exit 0 with transcripts written ---------------------


@integration
def test_case12_piped_stdin_end_exit_0_transcript_flushed(subprocess_env, tmp_path):
    saved = tmp_path / "chat.json"
    proc = run_gruchat(
        subprocess_env, *TINY, input=f"\\params\n\\save {saved}\n".encode(), cwd=tmp_path
    )
    assert proc.returncode == 0, err_lines(proc)
    assert_no_traceback(proc)
    assert b"temperature 0.0" in proc.stdout
    assert json.loads(saved.read_text())["messages"] == []


@integration
def test_case12_piped_exit_command_exit_0(subprocess_env, tmp_path):
    before, after = tmp_path / "before.md", tmp_path / "after.md"
    script = f"\\save {before}\n\\exit\n\\save {after}\n"
    proc = run_gruchat(subprocess_env, *TINY, input=script.encode(), cwd=tmp_path)
    assert proc.returncode == 0, err_lines(proc)
    assert before.read_text().startswith("# gruchat transcript")
    assert not after.exists()  # nothing after \exit runs


# -- case 13: a reader that goes away (| head -1) ----------------------------------------------


def test_case13_card_into_head_exit_0(subprocess_env):
    """Deterministic broken pipe without the engine: the card is longer than one line."""
    proc = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m gruchat gru | head -1; exit ${{PIPESTATUS[0]}}'],
        capture_output=True,
        env=subprocess_env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr == b""
    assert len(proc.stdout.splitlines()) == 1


# Widens the window in which interpreter shutdown races the engine's worker thread (which is
# still inside Rust, waiting for the next token): any slow finaliser does this in real life.
_SLOW_SHUTDOWN = """
import time


class _SlowFinaliser:
    def __del__(self):
        time.sleep(1.0)


_keep = _SlowFinaliser()
"""


@integration
def test_case13_ask_into_head_exit_0(subprocess_env, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_SLOW_SHUTDOWN)
    question = "List three colours, one per line, like a) b) c)."
    command = (
        f'"{sys.executable}" -m gruchat ask "{question}" --max-tokens 24 --temperature 0 '
        '--no-grounding --system "Be brief." | head -1; exit ${PIPESTATUS[0]}'
    )
    proc = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        env={**subprocess_env, "PYTHONPATH": str(site)},
        timeout=300,
        check=False,
    )
    assert_no_traceback(proc)
    assert b"FATAL" not in proc.stderr
    assert proc.returncode == 0, err_lines(proc)
    assert len(proc.stdout.splitlines()) == 1


# -- case 14: output that the locale cannot encode ---------------------------------------------


@pytest.mark.parametrize(
    "locale_env",
    [
        {"PYTHONIOENCODING": "ascii"},
        {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
    ],
    ids=["PYTHONIOENCODING=ascii", "LC_ALL=C-no-coercion"],
)
def test_case14_ascii_stdout_card_replaced_no_crash(subprocess_env, locale_env):
    proc = run_gruchat(subprocess_env, "gru", env=locale_env, timeout=60)
    assert proc.returncode == 0, err_lines(proc)
    assert_no_traceback(proc)
    assert proc.stderr == b""
    proc.stdout.decode("ascii")  # only ASCII reached the stream
    assert b"?" in proc.stdout  # sigma and the circled dot were replaced
    assert b"update gate" in proc.stdout


def test_case14_lang_c_card_exit_0(subprocess_env):
    """Plain LANG=C (Python coerces it to UTF-8): the card prints as it is."""
    proc = run_gruchat(subprocess_env, "gru", env={"LANG": "C", "LC_ALL": "C"}, timeout=60)
    assert proc.returncode == 0
    assert_no_traceback(proc)
    assert "σ" in proc.stdout.decode("utf-8")


@integration
def test_case14_ascii_stdout_notes_in_repl(subprocess_env):
    proc = run_gruchat(
        subprocess_env, *TINY, input=b"\\notes gates\n", env={"PYTHONIOENCODING": "ascii"}
    )
    assert proc.returncode == 0, err_lines(proc)
    assert_no_traceback(proc)
    proc.stdout.decode("ascii")
    assert b"verified note: gates" in proc.stdout
    assert b"?" in proc.stdout


# -- case 15: invalid UTF-8 in input -----------------------------------------------------------

BAD_BYTES = b"What is \xff\xfe a GRU \xed\xa0\x80 gate?\n"


@integration
def test_case15_invalid_utf8_piped_to_ask_is_replaced(subprocess_env):
    proc = run_gruchat(subprocess_env, "ask", "-", *TINY, "--json", input=BAD_BYTES)
    assert proc.returncode == 0, err_lines(proc)
    assert_no_traceback(proc)
    result = json.loads(proc.stdout)
    assert result["error"] is None
    assert result["usage"]["completion_tokens"] >= 1


@integration
def test_case15_invalid_utf8_piped_to_repl_is_replaced(subprocess_env, tmp_path):
    saved = tmp_path / "chat.json"
    script = BAD_BYTES + f"\\save {saved}\n".encode()
    proc = run_gruchat(subprocess_env, *TINY, input=script)
    assert proc.returncode == 0, err_lines(proc)
    assert_no_traceback(proc)
    messages = json.loads(saved.read_text(encoding="utf-8"))["messages"]
    assert messages[0]["role"] == "user"
    assert messages[0]["content"] == "What is \ufffd\ufffd a GRU \ufffd\ufffd\ufffd gate?"
    assert messages[1]["role"] == "assistant"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"# model: smollm2-135m\nWhat is \xff a GRU?\n", "2:9"),
        (b"\\temperature 0\n\\maxtokens 4\nok\n\xed\xa0\x80\n", "4:1"),
        (b"\xef\xbb\xbfHi \xc3(\n", "1:4"),
    ],
    ids=["0xff", "encoded-surrogate", "after-bom"],
)
def test_case15_invalid_utf8_prompt_file_exit_2_with_place(subprocess_env, tmp_path, body, where):
    script = tmp_path / "bad.gru"
    script.write_bytes(body)
    proc = run_gruchat(subprocess_env, "run", str(script), "--max-tokens", "4", timeout=120)
    assert proc.returncode == 2, err_lines(proc)
    assert_no_traceback(proc)
    text = proc.stderr.decode("utf-8", "replace")
    assert f"{script}:{where}: error: not UTF-8 text" in text
    assert "Loaded" not in text  # rejected before the model was loaded


# -- cases 17 and 18 with the real engine in-process -------------------------------------------


def _real_shell(real_engine, env, **sampling) -> tuple[Shell, Session, object]:
    environment = env(width=400)
    session = Session.start("Be brief.", Sampling(temperature=0.0, **sampling))
    return Shell(real_engine, session, environment), session, environment


@integration
def test_case17_real_engine_prompt_longer_than_context(real_engine, env):
    shell, session, environment = _real_shell(real_engine, env, max_tokens=4)
    session.record(Turn(prompt="What is a GRU?", answer="A gated recurrent unit."))
    before = session.messages
    prompt = "gate " * 10_000
    tokens = real_engine.count_tokens(session.request_messages(prompt.strip()))
    context = real_engine.info.context_length
    assert context and tokens > context
    assert shell.handle(prompt).going
    output = environment.stdout.getvalue()
    assert f"error: prompt is {tokens} tokens, the context holds {context}; use \\clear" in output
    assert session.messages == before
    assert len(session.turns) == 1  # the earlier exchange, nothing added


@integration
def test_case17_real_engine_overflow_error_reports_the_real_size(real_engine):
    """When the engine itself refuses (the estimate was under), N must still be the truth."""
    messages = [{"role": "user", "content": "gate " * 10_000}]
    with pytest.raises(ContextOverflowError) as caught:
        list(real_engine.stream(messages, Sampling(max_tokens=4)))
    assert caught.value.context == real_engine.info.context_length
    assert caught.value.prompt_tokens >= 10_000


@integration
def test_case18_real_engine_length_finish_is_shown(real_engine, env):
    shell, session, environment = _real_shell(real_engine, env, max_tokens=4)
    shell.handle("Write a long essay about recurrent neural networks.")
    assert session.last_turn.finish_reason == "length"
    assert session.last_turn.usage.completion_tokens == 4
    assert "[stopped: reached max tokens]" in environment.stdout.getvalue()
