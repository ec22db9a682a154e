"""The one option declaration (gruchat/options.py): each option reaches every surface it
declares with the same value and the same refusal, its default comes from
configs/default.toml alone, and min_p (added as one declaration) works end to end."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mistralrs
import pytest
import typer
from typer.testing import CliRunner

from gruchat import options
from gruchat.all_commands import build_table
from gruchat.cli_options import engine_options
from gruchat.config import Settings, load_settings
from gruchat.engine import mistral
from gruchat.engine.base import AnswerDelta, Finished, Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment
from gruchat.errors import UsageError
from gruchat.one_question import answer_one
from gruchat.options import BY_KEY, OPTIONS, SAMPLING_OPTIONS
from gruchat.resources import read_text
from gruchat.script import parser
from gruchat.script.runner import file_sampling
from gruchat.session import Session
from gruchat.shell import Shell

ROOT = Path(__file__).resolve().parent.parent

# A value for every option (as typed, and as gruchat holds it), each unlike its default.
SAMPLES: dict[str, tuple[str, Any]] = {
    "model": ("smollm2-135m", "smollm2-135m"),
    "device": ("cpu", "cpu"),
    "isq": ("q4k", "Q4K"),
    "system_prompt": ("Be brief.", "Be brief."),
    "system_prompt_file": ("/tmp/tutor.md", "/tmp/tutor.md"),
    "temperature": ("0.7", 0.7),
    "top_k": ("5", 5),
    "top_p": ("0.5", 0.5),
    "min_p": ("0.1", 0.1),
    "max_tokens": ("77", 77),
    "think": ("on", True),
    "stats": ("off", False),
    "reasoning": ("hide", "hide"),
    "grounding": ("off", False),
    "grounding_notes": ("3", 3),
    "on_contradiction": ("mark", "mark"),
    "prefix_cache_n": ("4", 4),
    "cache_budget_tokens": ("0", 0),
    "history_tokens": ("1000", 1000),
    "warmup": ("off", False),
    "log": ("off", False),
    "endpoint": ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    "api_key_env": ("MY_SERVER_KEY", "MY_SERVER_KEY"),
    "connect_timeout": ("2.5", 2.5),
    "idle_timeout": ("60", 60.0),
}
# Values of the right type but out of range, for the numeric sampling options.
BAD = {"temperature": "5", "top_k": "0", "top_p": "1.5", "min_p": "2", "max_tokens": "0"}
NUMERIC = [BY_KEY[key] for key in BAD]


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # numbers as they are, text double-quoted


def _message(option: options.Option, text: str) -> str:
    with pytest.raises(ValueError) as info:
        option.parse(text)
    return str(info.value)


@pytest.fixture
def no_layers(tmp_path):
    """An environment with no user file and no GRUCHAT_* variables."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "empty")}


@pytest.fixture
def shell():
    session = Session.start("", Sampling())
    return Shell(FakeEngine(), session, Environment.in_memory())


def given_flags(*args: str) -> dict[str, Any]:
    """The flags dict a command decorated with ``engine_options`` receives for ``args``."""
    seen: dict[str, Any] = {}
    probe = typer.Typer()

    @probe.command()
    @engine_options
    def grab(flags: dict[str, Any], verbose: bool) -> int:
        seen.update(flags)
        return 0

    result = CliRunner().invoke(probe, list(args))
    assert result.exit_code == 0, result.output
    return seen


# -- one declaration, one default -------------------------------------------------------


def test_the_samples_cover_every_declared_option():
    """Adding an option means giving it a sample here, so every test below reaches it."""
    assert set(SAMPLES) == set(BY_KEY)
    for key, (text, value) in SAMPLES.items():
        assert BY_KEY[key].parse(text) == value
        assert value != options.default(key), key


def test_every_option_has_its_default_in_default_toml_and_nothing_else_is_there():
    shipped = tomllib.loads(read_text(options.DEFAULTS_FILE))
    assert list(shipped) == [o.key for o in OPTIONS]  # same keys, same order
    for key, raw in shipped.items():
        assert options.default(key) == BY_KEY[key].parse(raw)


def test_defaults_come_from_default_toml_alone(monkeypatch):
    """Change the file and Settings, Sampling, load_settings and the docs change with it:
    no other default is written down anywhere."""
    shipped = read_text(options.DEFAULTS_FILE)
    edited = re.sub(r"(?m)^top_k = 40$", "top_k = 7", shipped)
    edited = re.sub(r"(?m)^min_p = 0\.0", "min_p = 0.05", edited)
    assert edited.count("top_k = 7") == 1 and "min_p = 0.05" in edited
    monkeypatch.setattr(options, "read_text", lambda _name: edited)
    options.defaults.cache_clear()
    try:
        assert (Settings().top_k, Settings().min_p) == (7, 0.05)
        assert (Sampling().top_k, Sampling().min_p) == (7, 0.05)
        settings = load_settings({}, {"XDG_CONFIG_HOME": "/nonexistent"})
        assert settings.top_k == 7 and settings.sources["top_k"] == "default"
        assert "| `top_k` | `7` |" in options.docs_table()
    finally:
        options.defaults.cache_clear()
    monkeypatch.undo()
    assert Sampling().top_k == 40  # the shipped file again


def test_a_declared_option_missing_from_default_toml_is_an_error(monkeypatch):
    shipped = read_text(options.DEFAULTS_FILE)
    monkeypatch.setattr(options, "read_text", lambda _name: shipped.replace("min_p =", "#"))
    options.defaults.cache_clear()
    try:
        with pytest.raises(UsageError, match="no default for min_p"):
            Settings()
    finally:
        options.defaults.cache_clear()


def test_sampling_has_a_field_per_sampling_option():
    engine_only = [name for name, _kind, _value in options.ENGINE_ONLY]
    assert [f.name for f in fields(Sampling)] == [o.key for o in SAMPLING_OPTIONS] + engine_only
    assert [f.name for f in fields(Settings)] == [o.key for o in OPTIONS] + ["sources"]


def test_readme_has_the_generated_option_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert options.docs_table() in readme
    assert "Every default lives in `configs/default.toml`" in readme


# -- every surface ---------------------------------------------------------------------------


def test_every_option_is_a_config_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("".join(f"{k} = {_toml(v)}\n" for k, (_t, v) in SAMPLES.items()))
    settings = load_settings({}, {"GRUCHAT_CONFIG": str(path)})
    for key, (_text, value) in SAMPLES.items():
        assert (getattr(settings, key), settings.sources[key]) == (value, str(path)), key


def test_every_option_is_an_env_var(no_layers):
    env = {**no_layers, **{BY_KEY[k].env: text for k, (text, _v) in SAMPLES.items()}}
    assert "GRUCHAT_MIN_P" in env and "GRUCHAT_TOP_K" in env
    settings = load_settings({}, env)
    for key, (_text, value) in SAMPLES.items():
        assert (getattr(settings, key), settings.sources[key]) == (
            value,
            f"env GRUCHAT_{key.upper()}",
        )


def test_every_declared_flag_reaches_the_settings(no_layers):
    args: list[str] = []
    for option in (o for o in OPTIONS if o.flag):
        text, value = SAMPLES[option.key]
        if option.type is bool:
            args.append(option.flag_name if value else f"--no-{option.flag_name[2:]}")
        else:
            args += [option.flag_name, text]
    assert "--min-p" in args and "--system" in args and "--no-grounding" in args
    flags = given_flags(*args)
    assert set(flags) == {o.key for o in OPTIONS if o.flag}
    settings = load_settings(flags, no_layers)
    for option in (o for o in OPTIONS if o.flag):
        assert getattr(settings, option.key) == SAMPLES[option.key][1], option.key
        assert settings.sources[option.key] == f"flag {option.flag_name}"


def test_the_short_model_flag_and_the_system_file_rule():
    assert given_flags("-m", "x.gguf") == {"model": "x.gguf"}
    # a file given beats a configured inline prompt
    assert given_flags("--system-file", "") == {"system_prompt_file": "", "system_prompt": ""}


def test_every_declared_command_is_in_the_table():
    for option in (o for o in OPTIONS if o.command):
        assert build_table().lookup[option.command].name == option.command
    assert {o.key for o in OPTIONS if o.command} >= {o.key for o in SAMPLING_OPTIONS}


@pytest.mark.parametrize(
    "option", [o for o in SAMPLING_OPTIONS if not o.handwritten], ids=lambda o: o.key
)
def test_generated_commands_and_their_ollama_alias_set_the_option(shell, option):
    text, value = SAMPLES[option.key]
    reply = shell.handle(f"\\{option.command} {text}").reply
    assert reply.text == f"{option.label.capitalize()} set to {value}."
    assert getattr(shell.session.sampling, option.key) == value
    shell.session.reset_sampling()
    shell.handle(f"/set parameter {option.ollama or option.key} {text}")
    assert getattr(shell.session.sampling, option.key) == value
    assert f"{option.label} {value}" in _params(shell)


def _params(shell: Shell) -> str:
    reply = shell.handle("\\params").reply
    return reply.text


@pytest.mark.parametrize("option", SAMPLING_OPTIONS, ids=lambda o: o.key)
def test_every_sampling_option_is_a_pragma_key(option):
    text, value = SAMPLES[option.key]
    for key in option.pragma_keys:
        script = parser.parse_text(f"# sampling: {key}={text}\nhi\n")
        assert script.sampling == {option.key: value}
        assert getattr(file_sampling(Settings(), script), option.key) == value


def test_the_pragma_error_names_every_sampling_key():
    with pytest.raises(UsageError) as info:
        parser.parse_text("# sampling: speed=9\nhi\n", "f.gru")
    keys = ", ".join(o.key for o in SAMPLING_OPTIONS)
    assert info.value.message == f"f.gru:1:13: error: expected KEY=VALUE with KEY one of {keys}"
    assert "min_p" in keys


def test_every_sampling_option_is_in_ask_json_and_reaches_the_engine(fake_engine):
    settings = Settings(**{o.key: SAMPLES[o.key][1] for o in SAMPLING_OPTIONS}, grounding=False)
    environment = Environment.in_memory()
    answer_one(fake_engine.enqueue("An answer."), settings, "q", environment, as_json=True)
    data = json.loads(environment.stdout.getvalue())
    sent = fake_engine.requests[0][1]
    for option in SAMPLING_OPTIONS:
        value = SAMPLES[option.key][1]
        assert data["sampling"][option.key] == value == getattr(sent, option.key), option.key
    assert set(data["sampling"]) == {o.key for o in SAMPLING_OPTIONS}


def test_every_sampling_option_survives_a_transcript():
    saved = Session.start("", Sampling(**{o.key: SAMPLES[o.key][1] for o in SAMPLING_OPTIONS}))
    loaded = Session.start("", Sampling())
    loaded.load_json(json.loads(json.dumps(saved.to_json())))
    assert loaded.sampling == saved.sampling


# -- one refusal everywhere --------------------------------------------------------------------


@pytest.mark.parametrize("option", NUMERIC, ids=lambda o: o.key)
def test_a_bad_value_gets_the_same_line_on_every_surface(option, shell, tmp_path, no_layers):
    bad = BAD[option.key]
    message = _message(option, bad)
    assert "\n" not in message and message.startswith(f"{option.label} must be ")

    before = shell.session.sampling
    reply = shell.handle(f"\\{option.command} {bad}").reply
    assert (reply.error, reply.text) == (True, message)
    assert shell.session.sampling == before  # nothing changed

    with pytest.raises(UsageError) as info:
        parser.parse_text(f"# sampling: {option.key}={bad}\n", "f.gru")
    assert info.value.message == f"f.gru:1:{14 + len(option.key)}: error: {message}"

    path = tmp_path / "config.toml"
    path.write_text(f"{option.key} = {bad}\n")
    with pytest.raises(UsageError) as info:
        load_settings({}, {"GRUCHAT_CONFIG": str(path)})
    rest = message.removeprefix(f"{option.label} ")  # the place names the setting instead
    assert info.value.message == f"{path}: {option.key} {rest}"

    with pytest.raises(UsageError) as info:
        load_settings({}, {**no_layers, option.env: bad})
    assert info.value.message == f"env {option.env} {rest}"

    with pytest.raises(UsageError) as info:
        load_settings(given_flags(option.flag_name, bad), no_layers)
    assert info.value.message == f"flag {option.flag_name} {rest}"

    document = {"messages": [], "sampling": {option.key: option.type(bad)}}
    with pytest.raises(ValueError) as info:
        Session().load_json(document)
    expected = message.split(" must be ", 1)[1]
    assert str(info.value) == f"sampling.{option.key}: expected {expected}, got {option.type(bad)}"


# -- min_p end to end --------------------------------------------------------------------------


def test_minp_in_the_repl_reaches_the_engine(shell):
    reply = shell.handle("\\minp 0.2").reply
    assert reply.text == "Min-p set to 0.2."
    shell.engine.enqueue("Two gates.")
    shell.handle("How many gates?")
    assert shell.engine.requests[-1][1].min_p == 0.2
    assert "top-p 0.95, min-p 0.2, max tokens" in _params(shell)
    shell.handle("\\reset")
    assert shell.session.sampling.min_p == 0.0


def test_minp_pragma_and_flag_precedence(no_layers):
    script = parser.parse_text("# sampling: minp=0.3\nhi\n")
    assert file_sampling(load_settings({}, no_layers), script).min_p == 0.3
    flagged = load_settings(given_flags("--min-p", "0.4"), no_layers)
    assert file_sampling(flagged, script).min_p == 0.4  # flags beat the file


class _Runner:
    """Stands in for mistralrs.Runner: one chunk, then done."""

    def send_chat_completion_request(self, request):
        delta = SimpleNamespace(content="Hi", reasoning_content=None)
        yield SimpleNamespace(
            usage=None, choices=[SimpleNamespace(finish_reason="stop", delta=delta)]
        )


@pytest.mark.parametrize(("min_p", "sent"), [(0.25, 0.25), (0.0, None)])
def test_the_mistral_engine_sends_min_p(min_p, sent):
    """The request is built with mistralrs' own ChatCompletionRequest (so the field name and
    type are the engine's); 0 sends none, leaving the engine's default (no min-p)."""
    requests: list[dict[str, Any]] = []

    def request(**kwargs: Any) -> Any:
        requests.append(kwargs)
        return mistralrs.ChatCompletionRequest(**kwargs)

    module = SimpleNamespace(ChatCompletionRequest=request)
    engine = mistral.MistralEngine(_Runner(), module, FakeEngine().info)
    events = list(engine.stream([{"role": "user", "content": "q"}], Sampling(min_p=min_p)))
    assert [e.text for e in events if isinstance(e, AnswerDelta)] == ["Hi"]
    assert isinstance(events[-1], Finished)
    assert requests[0]["min_p"] == sent


def test_minp_through_the_cli(gruchat_cmd):
    """The real command line: flag and env var shown by `gruchat config`, a bad value refused."""
    proc = gruchat_cmd("config", "--min-p", "0.25")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"min_p\W+0\.25\W+flag --min-p", proc.stdout), proc.stdout
    proc = gruchat_cmd("config", env={"GRUCHAT_MIN_P": "0.3"})
    assert re.search(r"min_p\W+0\.3\W+env GRUCHAT_MIN_P", proc.stdout), proc.stdout
    proc = gruchat_cmd("ask", "--min-p", "2", "--model", "/nonexistent/x.gguf", "hi")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: flag --min-p must be a number from 0.0 to 1.0")


@pytest.mark.integration
def test_minp_with_the_real_model(gruchat_cmd, default_model_path):
    """The real engine takes min_p: a sampled answer comes back and --json reports it."""
    args = ("--min-p", "0.5", "--temperature", "0.8", "--max-tokens", "8", "--json")
    proc = gruchat_cmd("ask", "What is a GRU?", *args)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["sampling"]["min_p"] == 0.5
    assert data["answer"].strip() and 0 < data["usage"]["completion_tokens"] <= 8
