"""The seam above the engines: the registry, closing on exit, and what \\info, the banner,
--json, golden files and transcripts say about a backend that is not a local GGUF."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from rich.console import Console

from gruchat import cli, repl, transcript_schema
from gruchat.config import Settings, load_settings
from gruchat.engine import registry
from gruchat.engine.base import Capabilities, EngineInfo, Usage
from gruchat.engine.fake import FakeEngine
from gruchat.errors import ModelError, UsageError
from gruchat.info_view import info_lines
from gruchat.one_question import json_result
from gruchat.script import golden
from gruchat.session import Turn
from gruchat.warmup import warmup_wanted

# What a remote backend's info looks like: no file, an endpoint, client-side figures only.
REMOTE = EngineInfo(
    backend="openai",
    model="smollm2",
    location="http://127.0.0.1:8080/v1",
    context_length=4096,
    engine="llama.cpp b4000",
)


class Closing(FakeEngine):
    """A fake whose close() answers ``safe`` (or raises ``error``)."""

    def __init__(self, safe: bool = True, error: Exception | None = None) -> None:
        super().__init__()
        self.safe, self.error = safe, error

    def close(self) -> bool:
        if self.error is not None:
            raise self.error
        self.closed = True
        return self.safe


@pytest.fixture
def backends():
    """Register test backends; whatever was opened is closed and forgotten afterwards."""
    added: list[str] = []

    def add(name: str, engine: FakeEngine) -> FakeEngine:
        registry.register(name, lambda settings, console, verbose: engine)
        added.append(name)
        return engine

    yield add
    registry.close_all()
    for name in added:
        registry.unregister(name)


def quiet() -> Console:
    return Console(file=io.StringIO(), width=100)


# -- the registry --------------------------------------------------------------------------------


def test_an_unknown_backend_is_a_usage_error_naming_the_choices():
    with pytest.raises(UsageError, match="unknown backend 'nope'; choose one of: local"):
        registry.open_backend("nope", Settings(), quiet())


def test_local_is_the_default_and_imports_nothing_until_chosen():
    assert registry.DEFAULT == "local" and "local" in registry.names()
    assert callable(registry.factory("local"))


def test_the_local_backend_checks_the_model_before_loading(tmp_path):
    """A missing file is refused by the local backend with one line, before mistralrs loads."""
    settings = load_settings({"model": str(tmp_path / "no.gguf")}, env={})
    with pytest.raises(ModelError, match="model file not found"):
        registry.open_backend("local", settings, quiet())


def test_close_all_closes_every_opened_engine_and_says_whether_exit_is_safe(backends):
    safe, unsafe = backends("safe", Closing()), backends("busy", Closing(safe=False))
    for name in ("safe", "busy"):
        registry.open_backend(name, Settings(), quiet())
    assert registry.close_all() is False  # one engine still has a native thread running
    assert safe.closed and unsafe.closed
    assert registry.close_all() is True  # nothing left open


def test_a_failing_close_counts_as_unsafe_and_does_not_raise(backends):
    backends("broken", Closing(error=RuntimeError("boom")))
    registry.open_backend("broken", Settings(), quiet())
    assert registry.close_all() is False


@pytest.mark.parametrize(("safe", "hard"), [(True, False), (False, True)])
def test_exit_leaves_with_os_exit_only_when_an_engine_says_so(backends, monkeypatch, safe, hard):
    backends("engine", Closing(safe=safe))
    registry.open_backend("engine", Settings(), quiet())
    calls: list[tuple[str, int]] = []

    def hard_exit(status: int) -> None:
        calls.append(("os._exit", status))
        raise SystemExit(status)

    monkeypatch.setattr(cli.os, "_exit", hard_exit)
    with pytest.raises(SystemExit) as raised:
        cli._exit(0)
    assert raised.value.code == 0
    assert calls == ([("os._exit", 0)] if hard else [])


# -- describing a backend truthfully -------------------------------------------------------------


def test_info_of_a_remote_backend_names_its_endpoint_and_leaves_out_file_fields():
    lines = info_lines(REMOTE)
    assert lines[:3] == [
        "Backend: openai (llama.cpp b4000)",
        "Model: smollm2",
        "Location: http://127.0.0.1:8080/v1",
    ]
    text = "\n".join(lines)
    assert "Context length: 4096 tokens" in text
    assert "Reports: no cache figures, speeds or exact token counts" in text
    for absent in ("File:", "Quantisation", "Load time", "Source:", "Long explanations"):
        assert absent not in text


def test_info_of_the_local_backend_keeps_its_file_lines():
    text = "\n".join(info_lines(FakeEngine().info))
    assert "File: /fake/model.gguf (0.0 MB)" in text and "Quantisation: Q4_1 file" in text
    assert "Reports: prefix-cache figures, speeds, exact token counts" in text


def test_banner_says_where_a_remote_model_runs():
    engine = FakeEngine(info=REMOTE)
    console = Console(file=io.StringIO(), width=200)
    repl.banner(console, engine)
    first = console.file.getvalue().splitlines()[0]
    assert first.endswith("smollm2 at http://127.0.0.1:8080/v1, context 4096 tokens")
    assert "None" not in first


def test_json_of_a_remote_backend_says_null_for_what_it_does_not_have():
    turn = Turn(prompt="q", answer="a", usage=Usage(prompt_tokens=5), ttft=0.1, total_seconds=0.2)
    data = json_result(turn, FakeEngine(info=REMOTE), Settings())
    assert (data["backend"], data["location"], data["model_path"]) == (
        "openai",
        "http://127.0.0.1:8080/v1",
        None,
    )
    assert data["timings"]["load_s"] is None
    assert data["usage"]["completion_tokens"] is None and data["usage"]["prompt_tokens"] == 5


def test_golden_meta_names_the_backend_not_one_library():
    meta = golden.model_meta(FakeEngine(info=REMOTE), golden.model_sha256(FakeEngine(info=REMOTE)))
    assert meta["backend"] == "openai" and meta["engine"] == "llama.cpp b4000"
    assert meta["model_sha256"] is None and "mistralrs" not in meta


def test_shipped_golden_files_record_the_backend_neutrally():
    for path in sorted(golden.Path("prompts/regression").glob("*.golden.json")):
        data = golden.load(path)
        assert (data["backend"], data["engine"]) == ("local", "mistralrs 0.9.5"), path
        assert "mistralrs" not in data, path


def test_warm_up_only_where_the_backend_says_it_helps():
    local = FakeEngine()
    remote = FakeEngine(info=dataclasses.replace(REMOTE, capabilities=Capabilities()))
    assert warmup_wanted(local, setting=True, interactive=True)
    assert not warmup_wanted(remote, setting=True, interactive=True)
    assert not warmup_wanted(local, setting=False, interactive=True)
    assert not warmup_wanted(local, setting=True, interactive=False)


# -- transcripts keep "not reported" -------------------------------------------------------------


def test_a_transcript_keeps_unreported_usage_as_null():
    usage = Usage(prompt_tokens=7, speeds_measured_by="client")
    data = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "turns": [{"prompt": "q", "answer": "a", "usage": json.loads(json.dumps(usage.as_dict()))}],
    }
    loaded = transcript_schema.validate(data)
    [(turn, _)] = loaded.exchanges
    assert turn["usage"] == usage


def test_a_transcript_with_a_bad_speed_source_names_the_field():
    data = {"messages": [], "turns": [{"prompt": "q", "usage": {"speeds_measured_by": "gpu"}}]}
    with pytest.raises(
        transcript_schema.SchemaError, match=r"turns\[0\]\.usage\.speeds_measured_by"
    ):
        transcript_schema.validate(data)
