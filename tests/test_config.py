"""Settings from four layers: default < user file < GRUCHAT_* env < flags."""

from __future__ import annotations

import re

import pytest

from gruchat import config, options
from gruchat.config import Settings, load_settings, system_prompt_text, user_config_path
from gruchat.errors import ExitStatus, UsageError
from gruchat.resources import read_text


@pytest.fixture
def user_file(tmp_path):
    """Write a user config file; returns (path, env pointing GRUCHAT_CONFIG at it)."""

    def write(text):
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        return path, {"GRUCHAT_CONFIG": str(path)}

    return write


@pytest.fixture
def no_user_file(tmp_path):
    """An environment whose user config location holds nothing."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "empty-xdg")}


def test_defaults_come_from_the_shipped_file(no_user_file):
    """With no other layer, every setting is the shipped default and says so (isq: the
    default model's preset names its own)."""
    settings = load_settings({}, no_user_file)
    shipped, plain = settings.as_dict(), Settings().as_dict()
    shipped.pop("isq"), plain.pop("isq")  # the default model's preset sets isq (below)
    assert shipped == plain
    assert set(settings.sources) == set(settings.as_dict())
    preset_isq = settings.sources.pop("isq")
    assert set(settings.sources.values()) == {"default"}
    assert preset_isq == f"preset {settings.model}"


def test_preset_isq_applies_when_the_user_did_not_set_isq(no_user_file):
    """The 1.5B preset turns ISQ off; gruchat config says the preset chose it."""
    settings = load_settings({"model": "qwen2.5-coder-1.5b"}, no_user_file)
    assert settings.isq is None
    assert settings.sources["isq"] == "preset qwen2.5-coder-1.5b"


@pytest.mark.parametrize("layer", ["flag", "env", "file"])
def test_an_explicit_isq_beats_the_preset(layer, no_user_file, user_file):
    """A user's --isq, GRUCHAT_ISQ or config file isq wins over the preset's."""
    flags, env = {"model": "qwen2.5-coder-1.5b"}, dict(no_user_file)
    if layer == "flag":
        flags["isq"] = "Q4K"
    elif layer == "env":
        env["GRUCHAT_ISQ"] = "Q4K"
    else:
        _path, file_env = user_file('isq = "Q4K"\n')
        env.update(file_env)
    settings = load_settings(flags, env)
    assert settings.isq == "Q4K"
    assert not settings.sources["isq"].startswith("preset")


def test_a_model_path_keeps_the_shipped_isq(no_user_file, tmp_path):
    """A .gguf path has no preset, so the shipped default ISQ stays."""
    settings = load_settings({"model": str(tmp_path / "x.gguf")}, no_user_file)
    assert (settings.isq, settings.sources["isq"]) == ("Q8_0", "default")


def test_precedence_default_file_env_flags(user_file):
    """Each layer overrides the one before, and sources names the winning layer."""
    path, env = user_file("temperature = 0.3\ntop_k = 10\ntop_p = 0.8\nreasoning = 'hide'\n")
    env.update(GRUCHAT_TOP_K="20", GRUCHAT_TOP_P="0.5", GRUCHAT_MAX_TOKENS="64")
    settings = load_settings({"top_p": 0.7, "max_tokens": None}, env)
    assert settings.temperature == 0.3
    assert settings.reasoning == "hide"
    assert settings.top_k == 20
    assert settings.top_p == 0.7
    assert settings.max_tokens == 64  # a flag given as None is not given
    assert settings.think is False
    assert settings.sources["temperature"] == str(path)
    assert settings.sources["reasoning"] == str(path)
    assert settings.sources["top_k"] == "env GRUCHAT_TOP_K"
    assert settings.sources["max_tokens"] == "env GRUCHAT_MAX_TOKENS"
    assert settings.sources["top_p"] == "flag --top-p"
    assert settings.sources["think"] == "default"


def test_env_values_are_parsed(no_user_file):
    """Environment strings become typed values (on/off, choices, isq none)."""
    env = dict(no_user_file, GRUCHAT_THINK="on", GRUCHAT_DEVICE="CPU", GRUCHAT_ISQ="none")
    env["GRUCHAT_STATS"] = "off"
    settings = load_settings({}, env)
    assert settings.think is True
    assert settings.stats is False
    assert settings.device == "cpu"
    assert settings.isq is None
    assert settings.sources["isq"] == "env GRUCHAT_ISQ"


def test_xdg_config_home_locates_the_user_file(tmp_path):
    """Without GRUCHAT_CONFIG the file is $XDG_CONFIG_HOME/gruchat/config.toml."""
    path = tmp_path / "gruchat" / "config.toml"
    path.parent.mkdir()
    path.write_text("max_tokens = 77\n", encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert user_config_path(env) == path
    settings = load_settings({}, env)
    assert (settings.max_tokens, settings.sources["max_tokens"]) == (77, str(path))


def test_gruchat_config_wins_over_xdg(tmp_path, user_file):
    """GRUCHAT_CONFIG names the file even when XDG_CONFIG_HOME is set."""
    path, env = user_file("max_tokens = 5\n")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "elsewhere")
    assert user_config_path(env) == path
    assert load_settings({}, env).max_tokens == 5


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("temperature = 2.5\n", "temperature"),
        ("top_k = 0\n", "top_k"),
        ("top_p = 0.0\n", "top_p"),
        ("max_tokens = 1.5\n", "max_tokens"),
        ("reasoning = 'loud'\n", "reasoning"),
        ("think = 'maybe'\n", "think"),
        ("prefix_cache_n = -1\n", "prefix_cache_n"),
    ],
)
def test_invalid_value_in_user_file_names_file_and_key(user_file, text, key):
    """A bad value in the user file is a usage error naming the file and the key."""
    path, env = user_file(text)
    with pytest.raises(UsageError) as info:
        load_settings({}, env)
    assert info.value.status == ExitStatus.USAGE
    assert info.value.message.startswith((f"{path}: {key} must ", f"{path}: {key}: expected"))


@pytest.mark.parametrize(
    ("var", "value", "accepted"),
    [
        ("GRUCHAT_TEMPERATURE", "abc", "number from 0.0 to 2.0"),
        ("GRUCHAT_TOP_K", "1.5", "whole number greater than 0"),
        ("GRUCHAT_DEVICE", "tpu", "auto, cpu, cuda"),
        ("GRUCHAT_GROUNDING", "perhaps", "on or off"),
    ],
)
def test_invalid_env_value_names_the_variable(no_user_file, var, value, accepted):
    """A bad GRUCHAT_* value is a usage error naming the variable and the accepted form."""
    with pytest.raises(UsageError) as info:
        load_settings({}, dict(no_user_file, **{var: value}))
    assert info.value.message.startswith((f"env {var} must ", f"env {var}: expected"))
    assert accepted in info.value.message


@pytest.mark.parametrize(
    ("flags", "prefix"),
    [
        ({"max_tokens": 0}, "flag --max-tokens must be a whole number"),
        ({"top_p": 1.5}, "flag --top-p must be a number greater than"),
        ({"temperature": float("nan")}, "flag --temperature must be a number"),
        ({"device": "gpu"}, "flag --device must be one of"),
    ],
)
def test_invalid_flag_names_the_flag(no_user_file, flags, prefix):
    """A bad flag value is a usage error naming the flag as typed on the command line."""
    with pytest.raises(UsageError) as info:
        load_settings(flags, no_user_file)
    assert info.value.message.startswith(prefix)


def test_valid_flag_does_not_hide_invalid_env_value(user_file):
    """Flags are applied last, so a later valid flag cannot hide an invalid env value."""
    _, env = user_file("")
    env["GRUCHAT_TOP_K"] = "-3"
    with pytest.raises(UsageError, match="env GRUCHAT_TOP_K"):
        load_settings({"top_k": 5}, env)


def test_invalid_value_in_shipped_defaults_names_default(monkeypatch, no_user_file):
    """Even the shipped layer is validated, and named 'default'."""
    shipped = read_text(config.DEFAULTS_FILE)
    broken = re.sub(r"(?m)^top_k = .*$", "top_k = -1", shipped)
    assert broken != shipped
    monkeypatch.setattr(options, "read_text", lambda _name: broken)
    options.defaults.cache_clear()
    try:
        with pytest.raises(UsageError) as info:
            load_settings({}, no_user_file)
    finally:
        options.defaults.cache_clear()
    assert info.value.message.startswith("default: top_k must be a whole number")


def test_unknown_key_in_user_file(user_file):
    """A key gruchat does not know is an error, not silently ignored."""
    path, env = user_file("temprature = 0.5\n")
    with pytest.raises(UsageError) as info:
        load_settings({}, env)
    assert info.value.message == f"{path}: unknown setting 'temprature'"


def test_bad_toml_in_user_file(user_file):
    """A file that is not TOML is a usage error naming the file."""
    path, env = user_file("temperature = = 1\n")
    with pytest.raises(UsageError) as info:
        load_settings({}, env)
    assert info.value.message.startswith(f"{path}: not valid TOML: ")
    assert info.value.status == ExitStatus.USAGE


def test_undecodable_user_file(tmp_path):
    """A user file that is not UTF-8 is a usage error, not a crash."""
    path = tmp_path / "config.toml"
    path.write_bytes(b"model = '\xff'\n")
    with pytest.raises(UsageError, match="cannot read config file"):
        load_settings({}, {"GRUCHAT_CONFIG": str(path)})


def test_system_prompt_text_reads_the_shipped_prompt(no_user_file, tmp_path, monkeypatch):
    """By default the system prompt is the shipped tutor prompt, from any working directory."""
    monkeypatch.chdir(tmp_path)
    text = system_prompt_text(load_settings({}, no_user_file))
    assert text == read_text("prompts/system/gru-tutor.md").strip()
    assert text.startswith("You are gruchat")


def test_inline_system_prompt_wins(user_file, tmp_path):
    """--system text is used even when a system prompt file is configured."""
    prompt_file = tmp_path / "mine.md"
    prompt_file.write_text("From my file.\n", encoding="utf-8")
    _, env = user_file(f"system_prompt_file = '{prompt_file}'\n")
    assert system_prompt_text(load_settings({}, env)) == "From my file."
    settings = load_settings({"system_prompt": "Be terse."}, env)
    assert system_prompt_text(settings) == "Be terse."


def test_missing_system_prompt_file(no_user_file):
    """A system prompt file that does not exist is a usage error naming it."""
    settings = load_settings({"system_prompt_file": "/nonexistent/prompt.md"}, no_user_file)
    with pytest.raises(UsageError, match=r"cannot read system prompt file /nonexistent/prompt\.md"):
        system_prompt_text(settings)


def test_empty_system_prompt_file_setting_means_no_prompt(no_user_file):
    """system_prompt_file = '' and no inline text: no system prompt at all."""
    assert system_prompt_text(load_settings({"system_prompt_file": ""}, no_user_file)) == ""


def test_on_contradiction_is_a_setting_that_reaches_the_session(user_file):
    from gruchat.runtime import new_session

    path, env = user_file('on_contradiction = "Strike"\n')
    settings = load_settings({}, env)
    assert settings.on_contradiction == "strike"
    assert settings.sources["on_contradiction"] == str(path)
    assert new_session(settings).on_contradiction == "strike"
    env["GRUCHAT_ON_CONTRADICTION"] = "sometimes"
    with pytest.raises(
        UsageError, match="GRUCHAT_ON_CONTRADICTION must be one of: mark, strike, regen"
    ):
        load_settings({}, env)
