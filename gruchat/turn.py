"""One turn, the same for the REPL, ``ask`` and ``run``: ground, send, stream, record."""

from __future__ import annotations

import time
from typing import Protocol

from gruchat.engine.base import AnswerDelta, Engine, Finished, ReasoningDelta, Sampling
from gruchat.errors import ContextOverflowError, EngineDeadError, EngineError
from gruchat.inputs import clean_text
from gruchat.render import StreamRenderer
from gruchat.session import Session, Turn


class Grounder(Protocol):
    """The tutor's side of a turn: notes into the question, and a check of the answer.

    A grounder may also have ``sampling_for(question, sampling) -> Sampling``: this
    turn's sampling (a request for a thorough explanation gets more tokens).
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


def _turn_sampling(grounder: Grounder, question: str, sampling: Sampling) -> Sampling:
    """This turn's sampling: a grounder may change it (a depth request gets more tokens)."""
    adjust = getattr(grounder, "sampling_for", None)
    return adjust(question, sampling) if adjust is not None else sampling


def check_fits(engine: Engine, messages: list[dict[str, str]]) -> None:
    """Refuse before sending when the prompt alone cannot fit the context."""
    context = engine.info.context_length
    if not context:
        return
    tokens = engine.count_tokens(messages)
    if tokens is not None and tokens >= context:
        raise ContextOverflowError(tokens, context)


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
    try:
        content, sources, sampling = prompt, [], session.sampling
        if grounder is not None and session.grounding:
            content, sources = grounder.ground(prompt)
            sampling = _turn_sampling(grounder, prompt, sampling)
        messages = session.request_messages(content)
        check_fits(engine, messages)
        stream = engine.stream(messages, sampling)  # may wait for a warm-up
    except KeyboardInterrupt:  # before anything was sent: nothing to keep
        turn = Turn(prompt=prompt, finish_reason="cancelled")
        renderer.cancelled()
        session.turns.append(turn)
        return turn
    turn = Turn(prompt=prompt, sources=sources)
    if grounder is not None and sources:
        top = sources[0]
        shown = grounder.note(top)
        turn.note = shown[1] if shown else ""
        if top in session.shown_notes:
            renderer.preface_seen(top)
        else:
            renderer.preface([shown] if shown else [])
            session.shown_notes.add(top)
    answer: list[str] = []
    reasoning: list[str] = []
    before_engine = time.perf_counter() - submitted
    try:
        for event in stream:
            if isinstance(event, ReasoningDelta):
                reasoning.append(event.text)
                renderer.reasoning(event.text, prompted=event.prompted)
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
