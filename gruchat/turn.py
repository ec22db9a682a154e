"""One turn, the same for the REPL, ``ask`` and ``run``: ground, send, stream, record."""

from __future__ import annotations

import time
from typing import Protocol

from gruchat.engine.base import AnswerDelta, Engine, Finished, ReasoningDelta
from gruchat.errors import ContextOverflowError, EngineDeadError, EngineError
from gruchat.inputs import clean_text
from gruchat.render import StreamRenderer
from gruchat.session import Session, Turn
from gruchat.waiting import WAITING, reading


class ComputedBlock(Protocol):
    """An exact answer the tutor computed (gruchat.tutor.compute.Computed), shown first."""

    title: str

    @property
    def body(self) -> str: ...

    @property
    def text(self) -> str: ...


class Grounder(Protocol):
    """The tutor's side of a turn: notes into the question, and a check of the answer.

    A grounder may also have ``computed(question) -> ComputedBlock | None``: an exact
    answer (a parameter count, a shape), shown before the model's words.
    """

    def ground(self, question: str) -> tuple[str, list[str]]:
        """The user message to send and the names of the notes it carries."""
        ...

    def note(self, name: str) -> tuple[str, str] | None:
        """A note's title and verified text, to show beside the model's words."""
        ...

    def verify(self, answer: str) -> list[tuple[str, str, str]]:
        """(sentence, correct fact, note name) for each sentence contradicting the notes."""
        ...


def _computed(grounder: Grounder | None, question: str) -> ComputedBlock | None:
    find = getattr(grounder, "computed", None)
    return find(question) if find is not None else None


def check_fits(engine: Engine, messages: list[dict[str, str]]) -> int | None:
    """Refuse before sending when the prompt alone cannot fit the context; the counted
    prompt size (None when not counted)."""
    context = engine.info.context_length
    if not context:
        return None
    tokens = engine.count_tokens(messages)
    if tokens is not None and tokens >= context:
        raise ContextOverflowError(tokens, context)
    return tokens


def run_turn(
    engine: Engine,
    session: Session,
    prompt: str,
    renderer: StreamRenderer,
    grounder: Grounder | None = None,
) -> Turn:
    """Stream one answer; Ctrl-C keeps the partial answer, marked as cancelled.

    Raises ContextOverflowError (nothing sent, nothing recorded) and EngineDeadError.
    Time to first token counts from here, so it includes grounding and the fit check:
    it is the wait the user sees after pressing Enter.
    """
    submitted = time.perf_counter()
    prompt = clean_text(prompt)  # no lone surrogates reach the engine
    renderer.waiting(WAITING)
    try:
        content, sources = prompt, []
        if grounder is not None and session.grounding:
            content, sources = grounder.ground(prompt)
        messages = session.request_messages(content)
        phase = reading(check_fits(engine, messages))
        renderer.waiting(phase)
        stream = engine.stream(messages, session.sampling)  # may wait for a warm-up
    except KeyboardInterrupt:  # before anything was sent: nothing to keep
        turn = Turn(prompt=prompt, finish_reason="cancelled")
        renderer.cancelled()
        session.turns.append(turn)
        return turn
    except BaseException:
        renderer.close()  # the wait line goes before the error is shown
        raise
    turn = Turn(prompt=prompt, sources=sources)
    computed = _computed(grounder, prompt) if session.grounding else None
    if computed is not None:
        turn.computed = computed.text
        renderer.computed(computed.title, computed.body)
    if grounder is not None and sources:
        top = sources[0]
        shown = grounder.note(top)
        turn.note = shown[1] if shown else ""
        if top in session.shown_notes:
            renderer.preface_seen(top)
        else:
            renderer.preface([shown] if shown else [])
            session.shown_notes.add(top)
    renderer.waiting(phase)  # again, under the note: the model is still reading
    answer: list[str] = []
    reasoning: list[str] = []
    before_engine = time.perf_counter() - submitted
    try:
        for event in stream:
            if isinstance(event, ReasoningDelta):
                reasoning.append(event.text)
                renderer.reasoning(event.text)
            elif isinstance(event, AnswerDelta):
                answer.append(event.text)
                renderer.answer(event.text)
            elif isinstance(event, Finished):
                turn.usage = event.usage
                turn.finish_reason = event.finish_reason
                turn.ttft = before_engine + event.ttft
                turn.total_seconds = event.total_seconds
                renderer.finished(event)
    except KeyboardInterrupt:
        stream.close()  # dropping the engine's iterator cancels the sequence
        turn.finish_reason = "cancelled"
        renderer.cancelled()
    except ContextOverflowError:
        renderer.close()
        raise
    except EngineDeadError as exc:
        renderer.error(exc.message)
        raise
    except EngineError as exc:
        turn.finish_reason = "error"
        turn.error = exc.message
        renderer.error(exc.message)
    except BaseException:
        renderer.close()
        raise
    turn.answer = "".join(answer)
    if grounder is not None and turn.answer:
        found = grounder.verify(turn.answer)
        turn.flags = [f"{sentence} -> {fact}" for sentence, fact, _ in found]
        renderer.flags(found)
    turn.reasoning = "".join(reasoning)
    turn.reasoning_tokens = renderer.reasoning_tokens
    turn.reasoning_seconds = renderer.reasoning_seconds
    session.record(turn)
    return turn


def context_warning(engine: Engine, session: Session) -> str | None:
    """A warning when the next answer may not fit in what is left of the context."""
    context = engine.info.context_length
    last = session.last_turn
    if not context or last is None or last.usage is None:
        return None
    used = last.usage.prompt_tokens + last.usage.completion_tokens
    if used + session.sampling.max_tokens <= context:
        return None
    return (
        f"context nearly full: {used} of {context} tokens used and answers may take "
        f"{session.sampling.max_tokens} more; use \\clear or \\undo"
    )
