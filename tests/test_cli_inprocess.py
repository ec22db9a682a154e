"""The gruchat command run in-process through ``main(argv, env)``: what needs no engine
(help, flags, errors, completion, models, config, logs) is tested without a subprocess."""

from __future__ import annotations

import re

import pytest

from gruchat import __version__, cli
from gruchat.environment import Environment
from gruchat.errors import ExitStatus

COMMANDS = sorted(cli.SUBCOMMANDS)


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    env = Environment.in_memory(stdin)
    status = cli.main(list(argv), env)
    return status, env.stdout.getvalue(), env.stderr.getvalue()


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_the_command_list_is_the_apps():
    """SUBCOMMANDS (the default-command rule) names exactly the registered commands."""
    names = {info.name or info.callback.__name__ for info in cli.app.registered_commands}
    assert names == cli.SUBCOMMANDS


def test_main_returns_the_status_and_writes_to_the_environment(capsys):
    status, out, err = run("--version")
    assert status == ExitStatus.OK
    assert out.strip() == f"gruchat {__version__}" and err == ""
    assert capsys.readouterr() == ("", "")  # nothing reached the real streams


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_no_type_noise(command):
    """--help of the app and of every command: exit 0, no <bool> after a flag, no
    <list[…]> after an argument; the value types that mean something stay."""
    argv = ["--help"] if command is None else [command, "--help"]
    status, out, err = run(*argv)
    assert status == ExitStatus.OK, err
    assert "Usage" in out and err == ""
    assert "<bool>" not in out
    assert "list[" not in out
    if command in ("ask", "chat", "run", "config"):
        assert re.search(r"--temperature\s+<float>", out)
        assert re.search(r"--debug\s+Show tracebacks", out)
    if command == "run":
        assert re.search(r"files\.\.\.\s+<path>", out)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_accepts_debug(command):
    """--debug is declared once and every command takes it (parsing fails on an
    unknown option before the eager --help runs)."""
    status, out, err = run(command, "--debug", "--help")
    assert status == ExitStatus.OK, err
    assert "--debug" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("models", "--debug"),
        ("gru", "--debug"),
        ("gru", "step", "--debug"),
        ("logs", "--path", "--debug"),
        ("completion", "bash", "--debug"),
        ("config", "--debug"),
        ("pull", "qwen3-0.6b", "--debug"),  # a hub preset: nothing is downloaded
    ],
)
def test_commands_run_with_debug(argv):
    status, out, err = run(*argv)
    assert status == ExitStatus.OK, err
    assert out or err


def test_debug_shows_the_traceback_then_the_line():
    status, _, err = run("gru", "bogus")
    assert status == ExitStatus.USAGE
    assert one_line(err).startswith("error: unknown argument 'bogus'")
    status, _, err = run("gru", "bogus", "--debug")
    assert status == ExitStatus.USAGE
    assert err.startswith("Traceback")
    assert err.strip().splitlines()[-1].startswith("error: unknown argument 'bogus'")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("--bogus",), r"error: No such option: --bogus.*; see `gruchat chat --help`"),
        (("models", "--nope"), r"error: No such option: --nope; see `gruchat models --help`"),
        (("ask", "--temperature", "abc", "x"), r"error: Invalid value for '--temperature': "),
        (("run",), r"error: Missing argument 'files'\."),
        (("frobnicate",), r"error: Got unexpected extra argument"),
        (("ask", "--resume"), r"error: Option '--resume' requires an argument"),
        (("completion",), r"error: Missing argument 'shell'"),
        (("logs", "-n", "many"), r"error: Invalid value for '-n'"),
    ],
)
def test_click_errors_are_one_line_and_exit_2(argv, expected):
    """click's own errors (by type: NoSuchOption, BadParameter, MissingParameter,
    BadOptionUsage, UsageError) are one line and the usage status, no usage block."""
    status, out, err = run(*argv)
    assert status == ExitStatus.USAGE
    assert re.match(expected, one_line(err)), err
    assert out == ""


def test_quoted_input_in_click_errors_is_made_safe():
    status, _, err = run("models", "--no\x1b[31mpe")
    assert status == ExitStatus.USAGE
    assert "\x1b" not in err and "No such option" in one_line(err)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--top-k", "0"), "error: flag --top-k must be a whole number greater than 0"),
        (("--temperature", "5"), "error: flag --temperature must be a number from 0.0 to 2.0"),
        (("--max-tokens", "0"), "error: flag --max-tokens must be a whole number from 1 to"),
        (("--device", "tpu"), "error: flag --device must be one of: auto, cpu, cuda"),
        (("--model", " "), "error: flag --model must not be empty"),
    ],
)
def test_flag_value_errors_name_the_flag_once(argv, message):
    status, _, err = run("config", *argv)
    assert status == ExitStatus.USAGE
    assert one_line(err).startswith(message)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GRUCHAT_TEMPERATURE", "abc", "error: env GRUCHAT_TEMPERATURE must be a number from"),
        ("GRUCHAT_TOP_P", "0", "error: env GRUCHAT_TOP_P must be a number greater than 0.0"),
        ("GRUCHAT_THINK", "maybe", "error: env GRUCHAT_THINK: expected on or off"),
        ("GRUCHAT_ON_CONTRADICTION", "x", "error: env GRUCHAT_ON_CONTRADICTION must be one of"),
    ],
)
def test_env_value_errors_name_the_variable_once(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    status, _, err = run("config")
    assert status == ExitStatus.USAGE
    assert one_line(err).startswith(message)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("temperature = 9\n", ": temperature must be a number from 0.0 to 2.0"),
        ("top_k = 'x'\n", ": top_k must be a whole number greater than 0"),
        ("model = 3\n", ": model must be text"),
        ("prefix_cache_n = -1\n", ": prefix_cache_n must be a whole number of 0 or more"),
        ("think = 'maybe'\n", ": think: expected on or off"),
    ],
)
def test_config_file_errors_name_the_file_and_key_once(monkeypatch, tmp_path, body, message):
    user = tmp_path / "config.toml"
    user.write_text(body, encoding="utf-8")
    monkeypatch.setenv("GRUCHAT_CONFIG", str(user))
    status, _, err = run("config")
    assert status == ExitStatus.USAGE
    assert one_line(err) == f"error: {user}{message}"


def test_no_error_repeats_its_prefix(monkeypatch, tmp_path):
    """No surface says a setting's name twice in a row (`x: x: x must …` was the bug)."""
    user = tmp_path / "config.toml"
    user.write_text("max_tokens = 0\n", encoding="utf-8")
    lines = [one_line(run("config", "--temperature", "5")[2])]
    monkeypatch.setenv("GRUCHAT_TOP_K", "0")
    lines.append(one_line(run("config")[2]))
    monkeypatch.delenv("GRUCHAT_TOP_K")
    monkeypatch.setenv("GRUCHAT_CONFIG", str(user))
    lines.append(one_line(run("config")[2]))
    for line in lines:
        words = re.findall(r"[a-z]+(?:[-_][a-z]+)*", line.lower().split(": ", 1)[1])
        names = [w.replace("-", "_") for w in words if w in ("temperature", "top-k", "top_k")]
        assert len(names) <= 1, line
        assert "max_tokens: max" not in line, line


def test_completion_script(monkeypatch):
    for shell in ("bash", "zsh", "fish"):
        status, out, _ = run("completion", shell)
        assert status == ExitStatus.OK
        assert "_GRUCHAT_COMPLETE=complete_" + shell in out
    status, _, err = run("completion", "tcsh")
    assert status == ExitStatus.USAGE
    assert one_line(err) == "error: completion: shell must be one of: bash, zsh, fish"


def test_models_lists_the_store_of_gruchat_home(monkeypatch, tmp_path):
    store = tmp_path / "models"
    store.mkdir()
    (store / "extra.gguf").write_bytes(b"GGUF" + bytes(16))
    monkeypatch.setenv("GRUCHAT_HOME", str(tmp_path))
    status, out, err = run("models")
    assert status == ExitStatus.OK, err
    assert f"model store: {store}" in out
    row = next(line for line in out.splitlines() if "extra.gguf" in line)
    assert "local file" in row


def test_logs_path_and_options(monkeypatch, tmp_path):
    monkeypatch.setenv("GRUCHAT_HOME", str(tmp_path))
    status, out, _ = run("logs", "--path")
    assert status == ExitStatus.OK and out.strip() == str(tmp_path / "logs.db")
    status, _, err = run("logs", "--json", "--markdown")
    assert status == ExitStatus.USAGE
    assert one_line(err) == "error: --json and --markdown cannot be used together"


def test_pull_unknown_preset_and_hub_preset():
    status, _, err = run("pull", "gpt-17")
    assert status == ExitStatus.USAGE and "unknown preset 'gpt-17'" in one_line(err)
    status, _, err = run("pull", "qwen3-0.6b")
    assert status == ExitStatus.OK and "Hugging Face hub" in err


@pytest.mark.parametrize(
    ("args", "stdin"),
    [(("ask", ""), ""), (("ask", "   "), ""), (("ask", "-"), " \n"), (("ask",), "")],
)
def test_ask_empty_question_is_usage_error(args, stdin):
    """An empty question (argument or stdin) is refused before any engine is opened."""
    status, out, err = run(*args, stdin=stdin)
    assert status == ExitStatus.USAGE
    assert one_line(err) == "error: empty question: nothing to ask"
    assert out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--top-k", "0"), "error: flag --top-k must be a whole number greater than 0"),
        (("--temperature", "5"), "error: flag --temperature must be a number from 0.0 to 2.0"),
    ],
)
def test_ask_flag_values_are_checked_before_the_model(args, message):
    status, _, err = run("ask", *args, "--model", "/nonexistent/x.gguf", "hi")
    assert status == ExitStatus.USAGE
    assert one_line(err) == message


def test_config_shows_where_each_value_came_from(monkeypatch, tmp_path):
    user = tmp_path / "config.toml"
    user.write_text("max_tokens = 99\n", encoding="utf-8")
    monkeypatch.setenv("GRUCHAT_TOP_K", "7")
    monkeypatch.setenv("GRUCHAT_CONFIG", str(user))
    status, out, err = run("config", "--temperature", "0.5")
    assert status == ExitStatus.OK, err
    assert re.search(r"temperature\W+0\.5\W+flag --temperature", out), out
    assert re.search(r"top_k\W+7\W+env GRUCHAT_TOP_K", out), out
    assert re.search(r"max_tokens\W+99\W+/", out), out
    assert re.search(r"top_p\W+0\.95\W+default", out), out
    assert f"user config file: {user}" in out


def test_bad_user_config_file_names_the_file(monkeypatch, tmp_path):
    user = tmp_path / "config.toml"
    user.write_text("colour = 'red'\n", encoding="utf-8")
    monkeypatch.setenv("GRUCHAT_CONFIG", str(user))
    status, _, err = run("config")
    assert status == ExitStatus.USAGE
    assert one_line(err) == f"error: {user}: unknown setting 'colour'"


def test_empty_system_file_flag_means_no_system_prompt():
    """`--system-file ""` turns the system prompt off (it used to become the path ".")."""
    status, out, err = run("config", "--system-file", "")
    assert status == ExitStatus.OK, err
    row = next(line for line in out.splitlines() if "system_prompt_file" in line)
    assert "''" in row and "flag" in row
