"""Reliability 2, cases 26-32: text gruchat did not write never reaches the terminal raw.

Model answers, loaded transcripts, prompt files, paths and typed values may hold terminal
control sequences (window title, OSC 52 clipboard, clear screen, C1 CSI, lone CR, bidi
overrides). Every output mode must show them visibly (``gruchat.safe_text``), and paths or
names must never be read as rich markup. Named ``test_caseNN_…`` after docs/reliability.md.
The FakeEngine and in-memory streams stand in for the model and the terminal; the
subprocess tests need no model (they fail before one would load).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import helpers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from gruchat import model_list, repl, runtime
from gruchat import one_question as ask_mod
from gruchat.config import load_settings
from gruchat.engine import mistral
from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment, write_out
from gruchat.render import StreamRenderer
from gruchat.safe_text import json_line, literal, safe
from gruchat.script import golden
from gruchat.script.runner import RunOptions, run_files
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat.tutor import notes as notes_mod

# One member of each kind of hostile text, and how it must look on the screen.
HOSTILE = {
    "window title (OSC 0)": ("\x1b]0;pwned\x07", "␛]0;pwned␇"),
    "clipboard write (OSC 52)": ("\x1b]52;c;cm0gLXJmIH4=\x07", "␛]52;c;cm0gLXJmIH4=␇"),
    "clear screen (CSI 2J)": ("\x1b[2J\x1b[H", "␛[2J␛[H"),
    "colour (CSI m)": ("\x1b[38;5;196mred", "␛[38;5;196mred"),
    "C1 CSI": ("\x9b2J", "\\x9b2J"),
    "C1 OSC with ST": ("\x9d0;t\x9c", "\\x9d0;t\\x9c"),
    "lone CR": ("safe\roverwritten", "safe␍overwritten"),
    "backspaces": ("abc\x08\x08\x08xyz", "abc␈␈␈xyz"),
    "bidi override": ("\u202egnp.exe", "\\u202egnp.exe"),
    "bidi isolate": ("\u2066x\u2069", "\\u2066x\\u2069"),
    "DEL and NUL": ("a\x7fb\x00c", "a␡b␀c"),
}
PAYLOADS = [raw for raw, _ in HOSTILE.values()]
SHOWN = [shown for _, shown in HOSTILE.values()]
# Every character safe() must never let through (C0 less \n \t, DEL, C1, bidi controls).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What rich itself writes on a terminal: colours, Live's cursor moves, CR to column 0.
RICH_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[2K|\x1b\[\d*A|\r")
MARKUP_PATHS = ("cfg[old].toml", "a[/]b", "[bold]x[/bold]", "[link=file:///etc]y")


def hostile_answer() -> str:
    """Each payload in a sentence of its own, one paragraph each (Markdown keeps them)."""
    return "\n\n".join(f"Part {n}: {raw} end." for n, raw in enumerate(PAYLOADS))


def raw_controls(output: str, terminal: bool) -> list[str]:
    """Control characters in ``output`` that gruchat's renderer did not write itself."""
    if terminal:
        output = RICH_OWN.sub("", output)
    return sorted(set(UNSAFE.findall(output)))


def assert_safe_and_visible(output: str, terminal: bool, shown=SHOWN) -> None:
    """No raw control character, and each hostile text in its visible form (looked for
    in the text without rich's own colour codes, which split per-chunk styled output)."""
    assert raw_controls(output, terminal) == []
    text = RICH_OWN.sub("", output) if terminal else output
    for visible in shown:
        assert visible in text, visible


def make_shell(engine, *, tty: bool, width: int = 200, grounder=None):
    env = Environment.in_memory(stdout_isatty=tty, width=width)
    session = Session.start("You are a tutor.", Sampling())
    return Shell(engine, session, env, grounder), session, env


class HostileGrounder:
    """A grounder whose note, note name and flagged sentence are all hostile text."""

    title = "Gates [bold]x[/] \x1b]0;t\x07"

    def ground(self, question: str, previous=(), context=()) -> tuple[str, list[str]]:
        return question, ["gate[s]\x1b[2J"]

    def note(self, name: str) -> tuple[str, str]:
        return self.title, "z keeps the old state.\x1b]52;c;Zm9v\x07"

    def verify(self, answer: str, question="", known_numbers=None) -> list[tuple[str, str, str]]:
        return [("A GRU has \x1b[2Jthree gates.", "a GRU has two gates \x9b", "gates[/]")]


# -- case 26: the model's answer (and reasoning) in the REPL, Markdown and plain --------------
@pytest.mark.parametrize("tty", [True, False], ids=["markdown-terminal", "plain-pipe"])
@pytest.mark.parametrize("chunk", [1, 3, 10_000])
def test_case26_hostile_answer_shown_visibly_in_the_repl(tty, chunk):
    engine = FakeEngine().enqueue(hostile_answer(), chunk=chunk)
    shell, session, env = make_shell(engine, tty=tty)
    shell.handle("what is a GRU?")
    assert_safe_and_visible(env.stdout.getvalue(), tty)
    assert session.messages[-1]["content"] == hostile_answer()  # the history keeps the data


@pytest.mark.parametrize("tty", [True, False], ids=["markdown-terminal", "plain-pipe"])
def test_case26_hostile_reasoning_note_and_flags_shown_visibly(tty):
    reasoning = " ".join(PAYLOADS)
    engine = FakeEngine().enqueue("A GRU has three gates.", reasoning=reasoning, chunk=2)
    shell, _, env = make_shell(engine, tty=tty, grounder=HostileGrounder())
    shell.handle("how many gates?")
    out = env.stdout.getvalue()
    shown = [*SHOWN, "␛]52;c;Zm9v␇", "␛[2Jthree gates", "\\x9b", "gate[s]␛[2J", "gates[/]"]
    assert_safe_and_visible(out, tty, shown)
    assert "Gates [bold]x[/] ␛]0;t␇" in out  # the note's title, not read as markup


@pytest.mark.parametrize("tty", [True, False], ids=["markdown-terminal", "plain-pipe"])
def test_case26_hostile_answer_through_ask(tty, monkeypatch, tmp_path):
    monkeypatch.delenv("GRUCHAT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))
    settings = load_settings({"grounding": "off"})
    env = Environment.in_memory(stdout_isatty=tty, width=200)
    engine = FakeEngine().enqueue(hostile_answer(), reasoning="\x1b]0;r\x07", chunk=5)
    status = ask_mod.answer_one(engine, settings, "q", env)
    assert status == 0
    assert_safe_and_visible(env.stdout.getvalue(), tty)
    assert raw_controls(env.stderr.getvalue(), False) == []
    assert "␛]0;r␇" in env.stderr.getvalue()  # the reasoning goes to stderr


def test_case26_engine_error_message_with_escapes_is_shown_visibly():
    from gruchat.errors import EngineError

    engine = FakeEngine().enqueue("partial", error=EngineError("boom \x1b]0;t\x07"), chunk=3)
    shell, _, env = make_shell(engine, tty=True)
    shell.handle("q")
    assert_safe_and_visible(env.stdout.getvalue(), True, ["error: boom ␛]0;t␇"])


# -- case 27: ask --json keeps the exact answer, with nothing raw on the terminal -------------
def test_case27_ask_json_escapes_every_control_and_round_trips(monkeypatch, tmp_path):
    monkeypatch.delenv("GRUCHAT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))
    settings = load_settings({"grounding": "off"})
    env = Environment.in_memory(width=200)
    engine = FakeEngine().enqueue(hostile_answer(), reasoning="\x9b\u202e", chunk=4)
    assert ask_mod.answer_one(engine, settings, "q", env, as_json=True) == 0
    line = env.stdout.getvalue()
    assert raw_controls(line, False) == []
    assert "\\u009b" in line and "\\u202e" in line and "\\u007f" in line and "\\u001b" in line
    data = json.loads(line)
    assert data["answer"] == hostile_answer()  # the data is exact; only the bytes are safe
    assert data["reasoning"] == "\x9b\u202e"


# -- case 28: commands that echo typed, loaded or saved text ----------------------------------
@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("\\foo\x1b]0;t\x07", "unknown command \\foo␛]0;t␇"),
        ("\\exit \x1b[2J", "\\exit takes no arguments"),
        ("\\think \x9b1m", "think must be one of"),
        ("\\notes \x1b]52;c;Zm9v\x07", "no note named '\\x1b]52;c;Zm9v\\x07'"),
        ("\\system \x1b]0;sys\x07 be brief", "System prompt:\n␛]0;sys␇ be brief"),
        ("\\load /tmp/\x1b]0;t\x07missing.json", "could not load /tmp/␛]0;t␇missing.json"),
    ],
)
def test_case28_replies_echoing_typed_text_show_it_visibly(line, shown):
    shell, _, env = make_shell(FakeEngine(), tty=True)
    shell.handle(line)
    shell.handle("\\system")
    out = env.stdout.getvalue()
    assert_safe_and_visible(out, True, [shown])


def test_case28_loaded_transcript_system_prompt_and_history_shown_visibly(tmp_path):
    path = tmp_path / "hostile.json"
    system = "Be a tutor.\x1b]0;owned\x07\x1b[2J"
    data = {
        "version": 1,
        "system_prompt": system,
        "messages": [
            {"role": "user", "content": "what is z?\x1b]52;c;Zm9v\x07"},
            {"role": "assistant", "content": "the update gate\x9b2J"},
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    engine = FakeEngine().enqueue("retried \x1b[2J answer")
    shell, session, env = make_shell(engine, tty=True)
    shell.handle(f"\\load {path}")
    shell.handle("\\system")
    shell.handle("\\retry")
    out = env.stdout.getvalue()
    assert_safe_and_visible(out, True, ["Be a tutor.␛]0;owned␇␛[2J", "retried ␛[2J answer"])
    assert session.system_prompt == system  # the state is the file's, unchanged
    assert engine.requests[0][0][0]["content"] == system
    markdown = tmp_path / "again.md"
    shell.handle(f"\\save {markdown}")
    assert "\x1b]0;owned\x07" in markdown.read_text(encoding="utf-8")  # files keep the data


# -- case 29: gruchat run — transcript, report table, failure list, golden diff ----------------
@pytest.fixture
def run_gru(tmp_path, monkeypatch):
    """Write a prompt file, run it on a FakeEngine; (status, stdout, stderr)."""
    monkeypatch.delenv("GRUCHAT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))
    monkeypatch.chdir(tmp_path)

    def go(text: str, engine: FakeEngine, name: str = "t.gru", tty=True, **options):
        path = Path(name)  # relative to tmp_path, as typed; may hold a "/" (in "[/]")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        env = Environment.in_memory(stdout_isatty=tty, width=160)
        status = run_files(
            [path],
            {},
            RunOptions(**options),
            env,
            engine_factory=lambda settings, console: engine,
            grounder_factory=lambda settings: None,
        )
        return status, env.stdout.getvalue(), env.stderr.getvalue()

    return go


HOSTILE_GRU = (
    'What is a GRU?\x1b]0;pwned\x07\n\\expect contains "\x1b[2J"\n\\temperature \x9b5\n\\think on\n'
)


@pytest.mark.parametrize("tty", [True, False])
@pytest.mark.parametrize("quiet", [False, True])
def test_case29_run_transcript_report_and_failures_show_hostile_text_visibly(run_gru, tty, quiet):
    engine = FakeEngine().enqueue("A GRU\x1b]52;c;Zm9v\x07 has two gates.")
    status, out, err = run_gru(HOSTILE_GRU, engine, tty=tty, quiet=quiet)
    assert status == 1
    shown = ['contain "␛[2J"', "\\temperature \\x9b5", "Failed checks:"]
    if not quiet:
        shown += ["> What is a GRU?␛]0;pwned␇", "A GRU␛]52;c;Zm9v␇ has two gates."]
    assert_safe_and_visible(out, tty, shown)
    assert raw_controls(err, False) == []


def test_case29_golden_diff_of_hostile_answers_is_shown_visibly(run_gru, tmp_path):
    text = "Q\x1b]0;t\x07\n"
    assert run_gru(text, FakeEngine().enqueue("old \x1b[2J"), record=True)[0] == 0
    status, out, _ = run_gru(text, FakeEngine().enqueue("new \x1b]52;c;Zm9v\x07\u202e"))
    assert status == 1
    assert_safe_and_visible(out, True, ["-    old ␛[2J", "+    new ␛]52;c;Zm9v␇\\u202e"])
    recorded = json.loads(golden.golden_path(tmp_path / "t.gru").read_text(encoding="utf-8"))
    assert recorded["turns"][0]["answer"] == "old \x1b[2J"  # the golden file keeps the data


def test_case29_syntax_error_echoing_hostile_text_is_shown_visibly(run_gru):
    status, out, err = run_gru("Q\n\\nosuch\x1b]0;t\x07 x\n", FakeEngine())
    assert status == 2
    assert out == ""  # nothing ran
    assert_safe_and_visible(err, False, ["unknown command \\nosuch␛]0;t␇"])


# -- case 30: paths and names are never read as rich markup ----------------------------------
@pytest.mark.parametrize("name", ["t[old].gru", "x[/]y.gru", "[bold]z[/bold].gru"])
def test_case30_prompt_file_names_with_brackets_shown_as_written(run_gru, name):
    status, out, _ = run_gru('Q\n\\expect contains "nope"\n', FakeEngine().enqueue("A"), name)
    assert status == 1  # the check fails: a report with the name in every part
    assert f"== {name} ==" in out
    assert f"{name}:2: \\expect contains" in out  # the failure list
    table = [line for line in out.splitlines() if "│" in line and "FAIL" in line]
    assert table and name[:-4] in table[0]  # the report's where column


@pytest.mark.parametrize("text", MARKUP_PATHS)
def test_case30_save_and_load_paths_with_brackets_shown_as_written(tmp_path, text):
    engine = FakeEngine().enqueue("An answer.")
    shell, _, env = make_shell(engine, tty=True, width=400)
    shell.handle("q")
    folder = tmp_path / text.replace("/", "_")
    folder.mkdir()
    target = folder / "chat.json"
    shell.handle(f"\\save {target}")
    shell.handle(f"\\load {target}")
    shell.handle(f"\\save {folder / 'missing' / 'x.json'}")
    out = env.stdout.getvalue()
    assert f"Saved the transcript (json) to {target}." in out
    assert f"Loaded 1 exchanges from {target}." in out
    assert f"could not save {folder / 'missing' / 'x.json'}" in out


def test_case30_model_name_with_brackets_in_loading_banner_and_info(tmp_path, monkeypatch):
    model = tmp_path / "models[" / "]m[old]x\x1b]0;t\x07.gguf"  # the path holds "[/]"
    model.parent.mkdir()
    model.write_bytes(b"GGUF" + bytes(60))
    engine = FakeEngine()
    engine.info = dataclasses.replace(engine.info, model=model.name, path=str(model))
    monkeypatch.setattr(mistral, "load", lambda ref, **options: engine)
    monkeypatch.delenv("GRUCHAT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))
    env = Environment(
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdin_isatty=False,
        stdout_isatty=True,
        stderr_isatty=True,  # the "Loading …" spinner is drawn only on a terminal
        width=300,
    )
    loaded = runtime.open_engine(load_settings({"model": str(model)}), env.err)
    repl.banner(env.out, loaded)
    shell = Shell(loaded, Session(), env)
    shell.handle("\\info")
    visible = "]m[old]x␛]0;t␇.gguf"
    err, out = env.stderr.getvalue(), env.stdout.getvalue()
    loading = f"Loading {tmp_path}/models[/{visible}"
    assert_safe_and_visible(err, True, [loading, f"Loaded {visible}"])
    info = f"File: {tmp_path}/models[/{visible}"
    assert_safe_and_visible(out, True, [f"your GRU tutor · {visible}", info])
    assert "\x1b[1mgruchat" in out  # the banner's own style still applies


def test_case30_model_store_with_brackets_in_models_list(tmp_path, monkeypatch):
    home = tmp_path / "home[old][" / "]"  # "…/home[old][/]"
    monkeypatch.setenv("GRUCHAT_HOME", str(home))
    (home / "models").mkdir(parents=True)
    (home / "models" / "[red]local.gguf").write_bytes(b"GGUF" + bytes(8))
    env = Environment.in_memory(width=400)
    model_list.print_models(env.out)
    out = env.stdout.getvalue()
    assert f"model store: {home / 'models'}" in out
    assert "[red]local.gguf" in out and "home[old][/]" in out


def test_case30_note_name_and_title_with_brackets_in_notes_panel(monkeypatch):
    note = notes_mod.Note(name="x[/]y", title="T", body="z keeps \x1b[2J the state.")
    monkeypatch.setattr(notes_mod, "get_note", lambda name: note)
    shell, _, env = make_shell(FakeEngine(), tty=True)
    shell.handle("\\notes anything")
    assert_safe_and_visible(env.stdout.getvalue(), True, ["verified note: x[/]y", "␛[2J"])


# -- case 31: error lines from the command line (child processes, no model loaded) ------------
def _assert_clean(proc, *shown: str) -> None:
    for stream in (proc.stdout, proc.stderr):
        text = stream.decode("utf-8", "strict")
        assert raw_controls(text, False) == [], text
        assert "Traceback" not in text
    err = proc.stderr.decode("utf-8")
    for visible in shown:
        assert visible in err, err


def test_case31_missing_model_path_with_escapes_and_brackets(subprocess_env, tmp_path):
    model = tmp_path / "m\x1b]0;t\x07[/]x.gguf"
    proc = helpers.run_gruchat(subprocess_env, "ask", "--model", str(model), "q", text=False)
    assert proc.returncode == 3
    _assert_clean(proc, "error: model file not found: ", "m␛]0;t␇[/]x.gguf")
    assert len(proc.stderr.decode().strip().splitlines()) == 1


def test_case31_debug_traceback_is_made_safe_too(subprocess_env, tmp_path):
    model = tmp_path / "m\x1b[2J.gguf"
    proc = helpers.run_gruchat(
        subprocess_env, "ask", "--debug", "--model", str(model), "q", text=False
    )
    assert proc.returncode == 3
    err = proc.stderr.decode()
    assert "m␛[2J.gguf" in err and raw_controls(err, False) == []


def test_case31_prompt_file_syntax_error_with_hostile_text(subprocess_env, tmp_path):
    bad = tmp_path / "bad\x1b[2J[" / "]x.gru"
    bad.parent.mkdir()
    bad.write_bytes(b"Q\n\\nosuch\x1b]52;c;Zm9v\x07 \xc2\x9b\n")
    proc = helpers.run_gruchat(subprocess_env, "run", str(bad), text=False)
    assert proc.returncode == 2
    _assert_clean(proc, "bad␛[2J[/]x.gru:2:1: error:", "unknown command \\nosuch␛]52;c;Zm9v␇")


def test_case31_unknown_option_echo_is_made_safe(subprocess_env):
    proc = helpers.run_gruchat(subprocess_env, "ask", "--bogus\x1b]0;t\x07", "q", text=False)
    assert proc.returncode == 2
    _assert_clean(proc, "No such option: --bogus")


@pytest.mark.parametrize("name", ["cfg[old].toml", "x[/]cfg.toml", "c\x1b]0;t\x07fg.toml"])
def test_case31_config_path_with_brackets_or_escapes(subprocess_env, tmp_path, name):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# an empty user config\n", encoding="utf-8")
    proc = helpers.run_gruchat(
        subprocess_env, "config", env={"GRUCHAT_CONFIG": str(path)}, text=False
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert f"user config file: {tmp_path}/{safe(name)}" in out
    assert raw_controls(out, False) == []


# -- case 32: the one safe function and the places every output passes through ---------------
def test_case32_safe_shows_each_control_in_the_documented_form():
    for raw, shown in HOSTILE.values():
        assert safe(raw) == shown
    assert safe("a\r\nb") == "a\nb"  # a Windows line end is a line end
    assert safe("tab\tnew\nline, émoji 🙂, 中文") == "tab\tnew\nline, émoji 🙂, 中文"
    assert safe("\x1b\x07\x0d\x00\x7f\x80\x9f") == "␛␇␍␀␡\\x80\\x9f"


def _one_by_one(char: str) -> str:
    """The documented convention, written the slow and obvious way."""
    code = ord(char)
    if char in "\n\t" or not UNSAFE.match(char):
        return char
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    return f"\\x{code:02x}" if code <= 0x9F else f"\\u{code:04x}"


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_case32_safe_output_has_no_controls_and_is_idempotent(text):
    shown = safe(text)
    assert UNSAFE.search(shown) is None
    assert safe(shown) == shown
    if UNSAFE.search(text) is None:
        assert shown == text
    assert shown == "".join(map(_one_by_one, text.replace("\r\n", "\n")))


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_case32_json_line_round_trips_and_is_safe(text):
    dumped = json_line(json.dumps({"answer": text}, ensure_ascii=False))
    assert UNSAFE.search(dumped) is None
    assert json.loads(dumped) == {"answer": text}


@pytest.mark.parametrize("tty", [True, False])
def test_case32_console_net_catches_text_and_markdown_built_from_raw_text(tty):
    """A rich Text or Markdown made from untrusted text without safe() is still caught
    where the console writes, so a missed call cannot leak a sequence."""
    env = Environment.in_memory(stdout_isatty=tty, width=200)
    joined = " | ".join(PAYLOADS)
    env.out.print(Text(joined))
    env.out.print(Markdown(joined))
    env.out.print(Panel("body", title=literal(joined)))
    env.err.print(joined, markup=True)
    write_out(env.stdout, joined + "\n")
    out = env.stdout.getvalue()
    assert raw_controls(out, tty) == []
    assert raw_controls(env.stderr.getvalue(), False) == []
    assert "␛]52;c;cm0gLXJmIH4=" in out and "\\x9b2J" in out and "\\u202egnp" in out


def test_case32_stream_renderer_plain_writer_is_safe_for_split_sequences():
    env = Environment.in_memory(width=200)
    renderer = StreamRenderer(env.out, env.err, markdown=False)
    for piece in ["a\x1b", "]0;t", "\x07b\r", "\nc\x9b", "2J\n"]:
        renderer.answer(piece)
    renderer.close()
    assert env.stdout.getvalue() == "a␛]0;t␇b\nc\\x9b2J\n\n"


def test_case32_no_markup_default_leaves_deliberate_markup_working():
    env = Environment.in_memory(stdout_isatty=True, width=200)
    env.out.print("[bold]styled[/bold] \x1b[2J", markup=True)
    env.out.print("[bold]literal[/bold] cfg[old].toml [/]")
    out = env.stdout.getvalue()
    assert "\x1b[1mstyled\x1b[0m ␛[2J" in out
    assert "[bold]literal[/bold] cfg[old].toml [/]" in out
