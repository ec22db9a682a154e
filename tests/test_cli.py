"""The gruchat command in a subprocess, for what needs one: lazy imports, the module entry
point, model files the engine module checks, a closed stdout (the rest: test_cli_inprocess)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from helpers import run_with_closed_stdout

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


def test_models_lists_presets_without_loading_the_engine(subprocess_env):
    """`gruchat models` lists the default preset and does not import mistralrs."""
    proc, code, mistralrs, engine = probe(subprocess_env, "models")
    assert code == "0"
    assert "smollm2-135m" in proc.stdout
    assert "qwen3-0.6b" in proc.stdout
    assert not mistralrs and not engine


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


@pytest.mark.parametrize("command", ["models", "config"])
def test_closed_stdout_exits_quietly_with_0(subprocess_env, command):
    """A reader that went away (`| head`) is not an error: exit 0 and nothing on stderr."""
    proc = run_with_closed_stdout(subprocess_env, command)
    assert proc.stderr == ""
    assert proc.returncode == 0
