"""run_turn, ask and read_prompt against the scripted engine."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import time

import pytest

from gruchat.config import Settings
from gruchat.engine.base import AnswerDelta, Finished, Sampling, Usage
from gruchat.engine.fake import FakeEngine
from gruchat.errors import (
    ContextOverflowError,
    EngineDeadError,
    EngineError,
    ExitStatus,
    UsageError,
)
from gruchat.one_question import answer_one, json_result, read_prompt
from gruchat.render import StreamRenderer
from gruchat.session import Session, Turn
from gruchat.turn_runner import run_turn

ANSWER = "A GRU has an update gate and a reset gate."


def renderer_for(environment, mode="show"):
    return StreamRenderer(environment.out, environment.err, markdown=False, reasoning_mode=mode)


def new_session(**sampling):
    return Session.start("You are a tutor.", Sampling(**sampling))


USAGE = Usage(
    prompt_tokens=30, completion_tokens=13, cached_tokens=3, prompt_seconds=0.5,
    decode_seconds=1.0, prompt_tps=60.0, decode_tps=13.0, speeds_measured_by="engine",
)  # fmt: skip
PAUSE = 0.05  # SlowFake's wait before its first delta


class SlowFake(FakeEngine):
    """A fake whose answer starts after PAUSE, so measured timings have a known floor."""

    def stream(self, messages, sampling):
        time.sleep(PAUSE)
        yield from super().stream(messages, sampling)


# -- run_turn ---------------------------------------------------------------------------------


def test_run_turn_records_answer_reasoning_and_usage(fake_engine, env):
    """A finished turn keeps answer, reasoning, usage and timings, and joins the history."""
    fake_engine = SlowFake().enqueue(ANSWER, reasoning="Think about gates.", usage=USAGE)
    environment = env()
    session = new_session()
    turn = run_turn(fake_engine, session, "What is a GRU?", renderer_for(environment))

    sent, sampling = fake_engine.requests[0]
    assert sent == [
        {"role": "system", "content": "You are a tutor."},
        {"role": "user", "content": "What is a GRU?"},
    ]
    assert sampling == session.sampling
    assert turn.answer == ANSWER
    assert turn.reasoning == "Think about gates."
    assert turn.finish_reason == "stop"
    assert turn.usage == USAGE  # what the engine reported, unchanged
    assert turn.cache_hit
    assert PAUSE <= turn.ttft <= turn.total_seconds  # measured here, on the first delta
    assert turn.reasoning_tokens == 5  # one per reasoning delta (18 chars in 4-char chunks)
    assert session.messages == [
        {"role": "user", "content": "What is a GRU?"},
        {"role": "assistant", "content": ANSWER},
    ]
    assert session.turns == [turn]
    assert environment.stdout.getvalue() == ANSWER + "\n"
    assert "Think about gates." in environment.stderr.getvalue()


def test_second_turn_sends_history(fake_engine, env):
    """The next request carries the system prompt, the previous exchange and the new prompt."""
    fake_engine.enqueue("First.").enqueue("Second.")
    session = new_session()
    run_turn(fake_engine, session, "one", renderer_for(env()))
    run_turn(fake_engine, session, "two", renderer_for(env()))
    assert [m["content"] for m in fake_engine.requests[1][0]] == [
        "You are a tutor.",
        "one",
        "First.",
        "two",
    ]


class NotesStub:
    """A grounder with one note; flags any sentence that says 'three gates'."""

    def __init__(self):
        self.asked = []

    def ground(self, question, previous=(), context=()):
        self.asked.append(question)
        return f"NOTES\n\n{question}", ["gates", "equations"]

    def note(self, name):
        return (
            ("The gates", "A GRU has an update gate and a reset gate.") if name == "gates" else None
        )

    def verify(self, answer, question="", known_numbers=None):
        if "three gates" in answer:
            return [("A GRU has three gates.", "A GRU has two gates.", "gates")]
        return []


def test_grounder_changes_what_is_sent_not_what_is_recorded(fake_engine, env):
    """The grounded text goes to the engine; the history shows the user's own words and
    sends the grounded text again (so the next prompt begins with what is cached)."""
    fake_engine.enqueue(ANSWER).enqueue(ANSWER)
    grounder = NotesStub()
    session = new_session()
    turn = run_turn(fake_engine, session, "What is a GRU?", renderer_for(env()), grounder)
    assert fake_engine.requests[0][0][-1]["content"] == "NOTES\n\nWhat is a GRU?"
    assert turn.sources == ["gates", "equations"]
    assert session.messages[0] == {
        "role": "user",
        "content": "What is a GRU?",
        "sent": "NOTES\n\nWhat is a GRU?",
    }

    session.grounding = False
    turn = run_turn(fake_engine, session, "again", renderer_for(env()), grounder)
    assert fake_engine.requests[1][0][-1]["content"] == "again"
    assert fake_engine.requests[1][0][-3]["content"] == "NOTES\n\nWhat is a GRU?"
    assert turn.sources == []
    assert grounder.asked == ["What is a GRU?"]


def test_grounded_answer_is_prefaced_by_the_verified_note(fake_engine, env):
    """In plain mode the first source's note is printed, labelled, before the model's words."""
    fake_engine.enqueue(ANSWER)
    environment = env()
    run_turn(fake_engine, new_session(), "What is a GRU?", renderer_for(environment), NotesStub())
    out = environment.stdout.getvalue()
    assert out.startswith("[verified note: The gates]\nA GRU has an update gate and a reset gate.")
    assert out.endswith(ANSWER + "\n")
    assert out.count(ANSWER) == 2  # once in the note, once as the answer
    assert out.index("[verified note:") < out.rindex(ANSWER)


def test_answer_contradicting_the_notes_is_flagged(fake_engine, env):
    """verify() findings are kept on the turn and shown on the meta console."""
    fake_engine.enqueue("A GRU has three gates. It is fast.")
    environment = env()
    turn = run_turn(fake_engine, new_session(), "q", renderer_for(environment), NotesStub())
    assert turn.flags == ["A GRU has three gates. -> A GRU has two gates."]
    err = environment.stderr.getvalue()
    assert "A GRU has three gates." in err and "A GRU has two gates." in err

    fake_engine.enqueue(ANSWER)
    assert run_turn(fake_engine, new_session(), "q", renderer_for(env()), NotesStub()).flags == []


def test_max_tokens_reached_is_length(fake_engine, env):
    """The engine's "length" finish is kept and the renderer says so."""
    fake_engine.enqueue("one two three", finish_reason="length")
    environment = env()
    turn = run_turn(fake_engine, new_session(max_tokens=3), "q", renderer_for(environment))
    assert turn.finish_reason == "length"
    assert "[stopped: reached max tokens]" in environment.stderr.getvalue()


def test_keyboard_interrupt_mid_stream_keeps_partial_answer(fake_engine, env):
    """Ctrl-C from the engine after two chunks: cancelled, partial kept and marked."""
    fake_engine.enqueue("abcdefghijklmnop", error=KeyboardInterrupt(), error_after=2)
    environment = env()
    session = new_session()
    turn = run_turn(fake_engine, session, "q", renderer_for(environment))
    assert turn.finish_reason == "cancelled"
    assert turn.answer == "abcdefgh"
    assert turn.usage is None
    assert session.messages[-1] == {
        "role": "assistant",
        "content": "abcdefgh [cancelled]",
        "sent": "",  # shown and saved, never sent again
    }
    assert session.turns == [turn]
    assert environment.stdout.getvalue() == "abcdefgh\n"
    assert "[cancelled]" in environment.stderr.getvalue()


def test_keyboard_interrupt_in_renderer_closes_engine_stream_first(fake_engine, env):
    """Ctrl-C while drawing: the engine's iterator is closed (cancelling the sequence)
    before the renderer reports the cancellation."""
    state = {"closed": False, "closed_when_reported": None}

    class Engine(type(fake_engine)):
        def stream(self, messages, sampling):
            try:
                for piece in ("one", " two", " three", " four"):
                    yield AnswerDelta(piece)
                yield Finished(Usage(), "stop")
            finally:
                state["closed"] = True

    class Renderer(StreamRenderer):
        def answer(self, text):
            super().answer(text)
            if text == " two":
                raise KeyboardInterrupt

        def cancelled(self):
            state["closed_when_reported"] = state["closed"]
            super().cancelled()

    environment = env()
    session = new_session()
    renderer = Renderer(environment.out, environment.err, markdown=False)
    turn = run_turn(Engine(), session, "q", renderer)
    assert state["closed_when_reported"] is True
    assert turn.finish_reason == "cancelled"
    assert turn.answer == "one two"
    assert session.messages[-1]["content"] == "one two [cancelled]"


def test_engine_error_mid_stream(fake_engine, env):
    """An EngineError after one chunk: finish_reason error, message kept and printed."""
    fake_engine.enqueue("abcdefgh", error=EngineError("engine error: boom"), error_after=1)
    environment = env()
    turn = run_turn(fake_engine, new_session(), "q", renderer_for(environment))
    assert turn.finish_reason == "error"
    assert turn.error == "engine error: boom"
    assert turn.answer == "abcd"
    assert "error: engine error: boom" in environment.stderr.getvalue().splitlines()


def test_engine_error_before_any_text_is_not_added_to_history(fake_engine, env):
    """A failed turn with no answer is counted as a turn but leaves the messages alone."""
    fake_engine.enqueue("abcd", error=EngineError("engine error: boom"))
    session = new_session()
    turn = run_turn(fake_engine, session, "q", renderer_for(env()))
    assert turn.finish_reason == "error"
    assert session.messages == []
    assert session.turns == [turn]


def test_dead_engine_propagates_and_records_nothing(fake_engine, env):
    """EngineDeadError is raised to the caller after the renderer printed it."""
    fake_engine.enqueue("abcdefgh", error=EngineDeadError("the engine stopped"), error_after=1)
    environment = env()
    session = new_session()
    with pytest.raises(EngineDeadError):
        run_turn(fake_engine, session, "q", renderer_for(environment))
    assert "error: the engine stopped" in environment.stderr.getvalue()
    assert session.messages == [] and session.turns == []


def test_context_overflow_from_engine_leaves_session_unchanged(fake_engine, env):
    """The engine refusing an over-long prompt raises; nothing is recorded or printed."""
    fake_engine.enqueue("", error=ContextOverflowError(40, 5))  # as a real engine raises it
    environment = env()
    session = new_session()
    session.record(Turn(prompt="old", answer="x"))
    before = copy.deepcopy(session.exchanges)
    with pytest.raises(ContextOverflowError) as info:
        run_turn(fake_engine, session, "a long question about gates", renderer_for(environment))
    assert (info.value.prompt_tokens, info.value.context) == (40, 5)
    assert session.exchanges == before
    assert environment.stdout.getvalue() == ""


def test_context_overflow_checked_before_sending(fake_engine, env):
    """When the model's context is known to be too small, nothing is sent at all."""
    fake_engine.info = dataclasses.replace(fake_engine.info, context_length=8)
    fake_engine.token_count = 8  # a prompt that fills the context leaves no room to answer
    session = new_session()
    with pytest.raises(ContextOverflowError) as info:
        run_turn(fake_engine, session, "What is a GRU?", renderer_for(env()))
    assert fake_engine.requests == []
    assert session.turns == []
    assert "use \\clear" in info.value.message


# -- ask --------------------------------------------------------------------------------------


def test_ask_answer_on_stdout_stats_on_stderr(fake_engine, env):
    """ask: the answer alone on stdout, the Stats block on stderr."""
    fake_engine.enqueue(ANSWER, usage=USAGE)
    environment = env()
    status = answer_one(fake_engine, Settings(), "What is a GRU?", environment)
    assert status == ExitStatus.OK
    assert environment.stdout.getvalue() == ANSWER + "\n"
    err = environment.stderr.getvalue().splitlines()
    start = err.index("Stats:")
    assert err[start + 1].startswith("Time to first token: 0.")
    assert err[start + 2 : start + 4] == [
        "Prompt: 30 tokens, 60.00 T/s",
        "Decode: 13 tokens, 13.00 T/s",
    ]
    assert ANSWER not in environment.stderr.getvalue()


def test_ask_uses_settings_for_sampling_and_system_prompt(fake_engine, env):
    """The request carries the settings' sampling and the inline system prompt."""
    fake_engine.enqueue(ANSWER)
    settings = Settings(temperature=0.7, top_k=5, top_p=0.5, max_tokens=99, system_prompt="S!")
    answer_one(fake_engine, settings, "q", env())
    messages, sampling = fake_engine.requests[0]
    assert messages[0] == {"role": "system", "content": "S!"}
    assert sampling == Sampling(temperature=0.7, top_k=5, top_p=0.5, max_tokens=99, think=False)


def test_ask_without_stats_and_hidden_reasoning(fake_engine, env):
    """stats off and reasoning hide: stderr has neither the Stats block nor the reasoning."""
    fake_engine.enqueue(ANSWER, reasoning="secret thoughts")
    environment = env()
    answer_one(fake_engine, Settings(stats=False, reasoning="hide"), "q", environment)
    assert "Stats:" not in environment.stderr.getvalue()
    assert "secret" not in environment.stderr.getvalue()
    assert environment.stdout.getvalue() == ANSWER + "\n"


def test_ask_json_shape(fake_engine, env):
    """--json: one JSON object on stdout with answer, usage, timings, model and sampling."""
    fake_engine = SlowFake().enqueue(ANSWER, reasoning="hmm", usage=USAGE)
    environment = env()
    settings = Settings(temperature=0.2, max_tokens=64)
    status = answer_one(fake_engine, settings, "What is a GRU?", environment, as_json=True)
    assert status == ExitStatus.OK
    text = environment.stdout.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    data = json.loads(text)
    assert {"answer", "reasoning", "finish_reason", "usage", "timings", "model", "device"} <= set(
        data
    )
    assert data["answer"] == ANSWER
    assert data["reasoning"] == "hmm"
    assert data["finish_reason"] == "stop"
    assert data["usage"] == USAGE.as_dict()
    timings = data["timings"]
    assert PAUSE <= timings["ttft_s"] <= timings["total_s"] and timings["load_s"] == 0.0
    assert (data["backend"], data["model"], data["device"]) == ("fake", "fake", "cpu")
    assert data["sampling"] == {
        "temperature": 0.2,
        "top_k": 40,
        "top_p": 0.95,
        "min_p": 0.0,
        "max_tokens": 64,
        "think": False,
    }
    assert data["error"] is None
    assert ANSWER not in environment.stderr.getvalue()
    assert "hmm" not in environment.stderr.getvalue()


def test_ask_json_records_cancellation_and_status(fake_engine, env):
    """A cancelled ask reports finish_reason cancelled, no usage, and exits 130."""
    fake_engine.enqueue("abcdefgh", error=KeyboardInterrupt(), error_after=1)
    environment = env()
    status = answer_one(fake_engine, Settings(), "q", environment, as_json=True)
    assert status == ExitStatus.INTERRUPTED == 130
    data = json.loads(environment.stdout.getvalue())
    assert (data["finish_reason"], data["answer"], data["usage"]) == ("cancelled", "abcd", None)


def test_ask_engine_error_exit_status(fake_engine, env):
    """A failed answer makes ask return the failure status and the JSON carries the error."""
    fake_engine.enqueue("abcdefgh", error=EngineError("engine error: boom"), error_after=1)
    environment = env()
    assert answer_one(fake_engine, Settings(), "q", environment, as_json=True) == ExitStatus.FAILURE
    assert json.loads(environment.stdout.getvalue())["error"] == "engine error: boom"


def test_json_result_of_unfinished_turn_has_null_usage(fake_engine):
    """json_result of a turn that never finished has usage None, not zeros."""
    data = json_result(Turn(prompt="q", finish_reason="cancelled"), fake_engine, Settings())
    assert data["usage"] is None
    assert data["finish_reason"] == "cancelled"


# -- read_prompt ------------------------------------------------------------------------------


def test_read_prompt_argument_is_stripped(env):
    """A prompt argument is used as given, minus surrounding whitespace; stdin is untouched."""
    environment = env("from stdin")
    assert read_prompt("  What is a GRU?\n", environment) == "What is a GRU?"
    assert environment.stdin.read() == "from stdin"


def test_read_prompt_dash_reads_stdin_even_from_a_terminal(env):
    """'-' always reads stdin."""
    assert read_prompt("-", env("piped question\n", stdin_isatty=True)) == "piped question"


def test_read_prompt_none_reads_piped_stdin(env):
    """No prompt and stdin not a terminal: the question is read from stdin."""
    assert read_prompt(None, env("line one\nline two\n")) == "line one\nline two"


def test_read_prompt_none_from_terminal_is_usage_error(env):
    """No prompt at an interactive terminal: a usage error, not a hang on stdin."""
    with pytest.raises(UsageError) as info:
        read_prompt(None, env("never read", stdin_isatty=True))
    assert info.value.status == ExitStatus.USAGE
    assert "no question given" in info.value.message


@pytest.mark.parametrize(("prompt", "stdin"), [("", ""), ("   \n", ""), ("-", " \n\t"), (None, "")])
def test_read_prompt_empty_is_usage_error(env, prompt, stdin):
    """An empty question, from the argument or stdin, is a usage error (exit status 2)."""
    with pytest.raises(UsageError) as info:
        read_prompt(prompt, env(stdin))
    assert info.value.status == ExitStatus.USAGE == 2
    assert "empty question" in info.value.message


def test_read_prompt_invalid_utf8_stdin(env):
    """Undecodable stdin is a usage error naming the byte offset."""
    environment = env()
    environment.stdin = io.TextIOWrapper(io.BytesIO(b"ok \xff"), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        read_prompt("-", environment)
    assert info.value.message == "stdin is not valid UTF-8 (byte 3)"
