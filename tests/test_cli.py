"""The gruchat command in a subprocess: exit statuses, one-line errors, lazy imports."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from helpers import run_with_closed_stdout

from gruchat import __version__

# Runs gruchat.cli.main in-process, then reports the exit status and what got imported.
PROBE = """
import sys
from gruchat.cli import main
code = main(sys.argv[1:])
sys.stderr.write(f"\\nPROBE exit={code} mistralrs={'mistralrs' in sys.modules} "
                 f"engine={'gruchat.engine.mistral' in sys.modules}\\n")
"""


def probe(subprocess_env, *args):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        env=subprocess_env,
        check=False,
    )
    match = re.search(r"PROBE exit=(\S+) mistralrs=(\w+) engine=(\w+)", proc.stderr)
    assert match, proc.stderr
    return proc, match.group(1), match.group(2) == "True", match.group(3) == "True"


def one_error_line(proc):
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_help_exits_0_without_loading_the_engine(subprocess_env):
    """--help lists the commands and never imports mistralrs."""
    proc, code, mistralrs, engine = probe(subprocess_env, "--help")
    assert code == "0"
    assert not mistralrs and not engine
    for command in ("chat", "ask", "pull", "models", "config"):
        assert command in proc.stdout


def test_help_via_module(gruchat_cmd):
    """python -m gruchat --help exits 0 with usage text on stdout."""
    proc = gruchat_cmd("--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout
    assert proc.stderr == ""


def test_version(gruchat_cmd):
    """--version prints the package version."""
    proc = gruchat_cmd("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"gruchat {__version__}"


def test_models_lists_presets_without_loading_the_engine(subprocess_env):
    """`gruchat models` lists the default preset and does not import mistralrs."""
    proc, code, mistralrs, engine = probe(subprocess_env, "models")
    assert code == "0"
    assert "smollm2-135m" in proc.stdout
    assert "qwen3-0.6b" in proc.stdout
    assert not mistralrs and not engine


def test_models_shows_store_and_local_files(gruchat_cmd, tmp_path):
    """The store honours GRUCHAT_HOME; stray GGUF files there are listed as local files."""
    store = tmp_path / "models"
    store.mkdir()
    (store / "extra.gguf").write_bytes(b"GGUF" + bytes(16))
    proc = gruchat_cmd("models", env={"GRUCHAT_HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert f"model store: {store}" in proc.stdout
    row = next(line for line in proc.stdout.splitlines() if "extra.gguf" in line)
    assert "local file" in row
    default_row = next(line for line in proc.stdout.splitlines() if "smollm2-135m" in line)
    assert re.search(r"\bno\b", default_row)  # not installed in this empty store


def test_ask_missing_model_file(gruchat_cmd):
    """A --model path that does not exist: exit 3, one line naming the path, no traceback."""
    proc = gruchat_cmd("ask", "--model", "/nonexistent/x.gguf", "hi")
    assert proc.returncode == 3
    assert one_error_line(proc) == "error: model file not found: /nonexistent/x.gguf"
    assert proc.stdout == ""


def test_ask_wrong_magic(gruchat_cmd, tmp_path):
    """A file that is not GGUF: exit 3, 'not a GGUF file', and the path."""
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOTGGUF, just text")
    proc = gruchat_cmd("ask", "--model", str(bad), "hi")
    assert proc.returncode == 3
    line = one_error_line(proc)
    assert "not a GGUF file" in line and str(bad) in line


def test_ask_model_directory(gruchat_cmd, tmp_path):
    """A directory given as --model: exit 3 with one line."""
    proc = gruchat_cmd("ask", "--model", str(tmp_path), "hi")
    assert proc.returncode == 3
    assert "is a directory" in one_error_line(proc)


def test_ask_unknown_model_name(gruchat_cmd):
    """An unknown preset name: exit 3, the message lists the presets."""
    proc = gruchat_cmd("ask", "--model", "gpt-17", "hi")
    assert proc.returncode == 3
    line = one_error_line(proc)
    assert "unknown model 'gpt-17'" in line and "smollm2-135m" in line


@pytest.mark.parametrize(
    ("args", "stdin"),
    [(("ask", ""), None), (("ask", "   "), None), (("ask", "-"), " \n"), (("ask",), "")],
)
def test_ask_empty_question_is_usage_error(gruchat_cmd, args, stdin):
    """An empty question (argument or stdin): exit 2 with one line."""
    proc = gruchat_cmd(*args, input=stdin)
    assert proc.returncode == 2
    assert one_error_line(proc) == "error: empty question: nothing to ask"


@pytest.mark.parametrize("args", [("--bogus",), ("ask", "--bogus", "hi"), ("models", "--nope")])
def test_unknown_flag_is_usage_error(gruchat_cmd, args):
    """Unknown options exit 2 with click's message and no traceback."""
    proc = gruchat_cmd(*args)
    assert proc.returncode == 2
    assert "No such option" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_command_is_usage_error(gruchat_cmd):
    """A stray word is not a command: exit 2."""
    proc = gruchat_cmd("frobnicate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--top-k", "0"),
            "error: flag --top-k must be a whole number greater than 0",
        ),
        (("--temperature", "5"), "error: flag --temperature must be"),
        (("--max-tokens", "0"), "error: flag --max-tokens must be"),
        (("--device", "tpu"), "error: flag --device must be one of"),
    ],
)
def test_invalid_flag_values(gruchat_cmd, args, message):
    """Out-of-range flag values exit 2 before any model is touched."""
    proc = gruchat_cmd("ask", *args, "--model", "/nonexistent/x.gguf", "hi")
    assert proc.returncode == 2
    assert one_error_line(proc).startswith(message)


def test_invalid_env_value(gruchat_cmd):
    """A bad GRUCHAT_* variable exits 2 naming the variable."""
    proc = gruchat_cmd("config", env={"GRUCHAT_TEMPERATURE": "abc"})
    assert proc.returncode == 2
    assert one_error_line(proc).startswith("error: env GRUCHAT_TEMPERATURE must be ")


def test_config_shows_flag_source(gruchat_cmd):
    """`gruchat config --temperature 0.5` shows the value and 'flag --temperature'."""
    proc = gruchat_cmd("config", "--temperature", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"temperature\W+0\.5\W+flag --temperature", proc.stdout), proc.stdout
    assert re.search(r"top_k\W+40\W+default", proc.stdout), proc.stdout


def test_config_shows_env_and_file_sources(gruchat_cmd, tmp_path):
    """Values from GRUCHAT_* and the user file are attributed to them."""
    user = tmp_path / "config.toml"
    user.write_text("max_tokens = 99\n", encoding="utf-8")
    proc = gruchat_cmd("config", env={"GRUCHAT_TOP_K": "7", "GRUCHAT_CONFIG": str(user)})
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"top_k\W+7\W+env GRUCHAT_TOP_K", proc.stdout), proc.stdout
    assert re.search(r"max_tokens\W+99\W+/", proc.stdout), proc.stdout
    assert f"user config file: {user}" in proc.stdout


def test_bad_user_config_file(gruchat_cmd, tmp_path):
    """A broken user config file exits 2 naming the file."""
    user = tmp_path / "config.toml"
    user.write_text("colour = 'red'\n", encoding="utf-8")
    proc = gruchat_cmd("config", env={"GRUCHAT_CONFIG": str(user)})
    assert proc.returncode == 2
    assert one_error_line(proc) == f"error: {user}: unknown setting 'colour'"


def test_pull_unknown_preset(gruchat_cmd):
    """`gruchat pull NAME` for a name with no preset is a usage error."""
    proc = gruchat_cmd("pull", "gpt-17")
    assert proc.returncode == 2
    assert "unknown preset 'gpt-17'" in one_error_line(proc)


def test_pull_hub_preset_explains_and_succeeds(gruchat_cmd):
    """Pulling a hub preset downloads nothing and says the engine fetches it on first use."""
    proc = gruchat_cmd("pull", "qwen3-0.6b")
    assert proc.returncode == 0
    assert "Hugging Face hub" in proc.stderr


@pytest.mark.parametrize("command", ["models", "config"])
def test_closed_stdout_exits_quietly_with_0(subprocess_env, command):
    """A reader that went away (`| head`) is not an error: exit 0 and nothing on stderr."""
    proc = run_with_closed_stdout(subprocess_env, command)
    assert proc.stderr == ""
    assert proc.returncode == 0


def test_empty_system_file_flag_means_no_system_prompt(gruchat_cmd):
    """`--system-file ""` turns the system prompt off (it used to become the path ".")."""
    proc = gruchat_cmd("config", "--system-file", "")
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "system_prompt_file" in line)
    assert "''" in row and "flag" in row
