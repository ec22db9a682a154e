"""One turn, the same for the REPL, ``ask`` and ``run``: ground, send, stream, record."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Protocol

from gruchat.display_state import DisplayState
from gruchat.engine.base import (
    AnswerDelta,
    Engine,
    EventStream,
    Finished,
    ReasoningDelta,
    Sampling,
)
from gruchat.engine.openai_wire import Clock, usage_of
from gruchat.errors import ContextOverflowError, EngineDeadError, EngineError
from gruchat.inputs import clean_text
from gruchat.loopstop import LoopStop
from gruchat.render import StreamRenderer
from gruchat.session import Session, Turn, flag_verdict
from gruchat.waiting import WAITING, reading

Finding = tuple[str, str, str]  # (sentence, correct fact, note name)
# A finding whose fact begins so was not judged wrong, only not confirmed (an answer that
# just repeats a leading question's claim: gruchat.tutor.guard_echo)
NOTES_HEAD = "Notes:\n"  # how a grounded user turn starts (gruchat.tutor.notes)
QUESTION_HEAD = "Question: "  # ... or, when its notes were sent in an earlier turn


class ComputedBlock(Protocol):
    """An exact answer the tutor computed (gruchat.tutor.compute.Computed), shown first."""

    title: str

    @property
    def body(self) -> str: ...

    @property
    def text(self) -> str: ...


class Grounder(Protocol):
    """The tutor's side of a turn: notes into the question, and a check of the answer.

    A grounder may also have ``sampling_for(question, sampling) -> Sampling``: this
    turn's sampling (a request for a thorough explanation gets more tokens), and
    ``computed(question) -> ComputedBlock | None``: an exact answer (a parameter count,
    a shape), shown before the model's words.
    """

    def ground(
        self, question: str, previous: Sequence[str] = (), context: Sequence[str] = ()
    ) -> tuple[str, list[str]]:
        """The user message to send and the names of the notes it draws on.

        ``previous`` holds the earlier questions, latest first, for follow-ups ("why?");
        ``context``, the user messages the model is sent again this turn (as sent), so a
        note they already carry need not be sent twice.
        """
        ...

    def note(self, name: str) -> tuple[str, str] | None:
        """A note's title and verified text, to show beside the model's words."""
        ...

    def verify(
        self,
        answer: str,
        question: str = "",
        known_numbers: Mapping[str, float] | None = None,
    ) -> list[Finding]:
        """(sentence, correct fact, note name) for each sentence contradicting the notes."""
        ...


def _computed(grounder: Grounder | None, question: str) -> ComputedBlock | None:
    find = getattr(grounder, "computed", None)
    return find(question) if find is not None else None


def _turn_sampling(grounder: Grounder, question: str, sampling: Sampling) -> Sampling:
    """This turn's sampling: a grounder may change it (a depth request gets more tokens)."""
    adjust = getattr(grounder, "sampling_for", None)
    return adjust(question, sampling) if adjust is not None else sampling


TEMPLATE_ROOM = 64  # tokens a chat template may add per message, generously


def surely_fits(messages: list[dict[str, str]], context: int) -> bool:
    """True when the prompt cannot reach ``context`` whatever the tokenizer: a token holds
    at least one byte, plus room for the chat template's own text."""
    bound = sum(len(m["content"].encode()) + TEMPLATE_ROOM for m in messages) + 4 * TEMPLATE_ROOM
    return bound < context


def check_fits(engine: Engine, messages: list[dict[str, str]]) -> int | None:
    """Refuse before sending when the prompt alone cannot fit the context; the counted
    prompt size (None when not counted). A costly count (a round trip to a server) is asked
    only when the prompt might not fit (``surely_fits``)."""
    context = engine.info.context_length
    if not context:
        return None
    if engine.info.capabilities.costly_token_count and surely_fits(messages, context):
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
    display_state: DisplayState | None = None,
) -> Turn:
    """Stream one answer; Ctrl-C keeps the partial answer, marked as cancelled.

    ``display_state`` remembers the notes already on screen (a fresh one: none).

    Raises ContextOverflowError (nothing sent, nothing recorded) and EngineDeadError.
    Time to first token counts from here, so it includes grounding and the fit check:
    it is the wait the user sees after pressing Enter.
    """
    submitted = time.perf_counter()
    prompt = clean_text(prompt)  # no lone surrogates reach the engine
    renderer.waiting(WAITING)
    try:
        content, sources, sampling = prompt, [], session.sampling
        if grounder is not None and session.grounding:
            content, sources = grounder.ground(
                prompt, session.previous_questions(), session.sent_user_texts()
            )
            sampling = _turn_sampling(grounder, prompt, sampling)
        messages = session.request_messages(content)
        left_out = session.newly_left_out()
        phase = reading(check_fits(engine, messages))
        renderer.waiting(phase)
        stream = engine.stream(messages, sampling)  # may wait for a warm-up
    except KeyboardInterrupt:  # before the request reached the engine
        turn = Turn(prompt=prompt, finish_reason="cancelled")
        renderer.cancelled()
        session.record(turn)
        return turn
    except BaseException:
        renderer.close()  # the wait line goes before the error is shown
        raise
    turn = Turn(prompt=prompt, sources=sources)
    if left_out:
        renderer.history_left_out(session.window_start(), session.history_tokens)
    computed = _computed(grounder, prompt) if session.grounding else None
    if computed is not None:
        turn.computed = computed.text
        renderer.computed(computed.title, computed.body)
    if grounder is not None and sources:
        _show_notes(grounder, prompt, sources[0], turn, renderer, display_state)
    renderer.waiting(phase)  # again, under the note: the model is still reading
    turn.answer, turn.reasoning = _stream_answer(stream, turn, renderer, submitted)
    if grounder is not None and turn.answer:
        _check_answer(engine, session, grounder, content, turn, renderer, sampling)
    turn.reasoning_tokens = renderer.reasoning_tokens
    turn.reasoning_seconds = renderer.reasoning_seconds
    session.record(turn, as_sent=content)
    return turn


def _show_notes(
    grounder: Grounder,
    prompt: str,
    top: str,
    turn: Turn,
    renderer: StreamRenderer,
    display_state: DisplayState | None,
) -> None:
    """The top note, whole the first time in a conversation and referred to after that,
    then any lines of the next-best notes that fit this question (a grounder's
    ``related(question, top)``, if it has one): they are new each question."""
    shown = grounder.note(top)
    find = getattr(grounder, "related", None)
    related = find(prompt, top) if find is not None else ""
    title, body = shown if shown else (top, "")
    turn.note = "\n\n".join(part for part in (body, related) if part)
    seen = (display_state or DisplayState()).shown_notes
    if top in seen:
        renderer.preface_seen(top)
        if related:
            renderer.preface([("related lines", related.partition("\n")[2])])
    elif shown:
        renderer.preface([(title, turn.note)])
        seen.add(top)


def _stream_answer(
    stream: EventStream, turn: Turn, renderer: StreamRenderer, submitted: float
) -> tuple[str, str]:
    """Draw the events and fill in the turn's stats; returns (answer, reasoning).

    Timings are taken here, above the seam, the same way for every backend: time to
    first token from ``submitted`` (Enter) to the first delta (kept from a first attempt
    when the answer is asked again), total time from ``submitted`` to the Finished event
    (added up over attempts)

    An answer that keeps repeating itself is stopped here ("repetition"), whatever the
    engine, because greedy decoding on a small model loops until max_tokens. The engine
    then reports no usage, so its Stats come from the deltas' arrival (labelled so).
    """
    answer: list[str] = []
    reasoning: list[str] = []
    loop = LoopStop()
    first_delta: float | None = None
    try:
        for event in stream:
            now = time.perf_counter()
            if not turn.ttft:  # the first event (a Finished alone: an empty answer)
                turn.ttft = now - submitted
            if isinstance(event, (ReasoningDelta, AnswerDelta)) and first_delta is None:
                first_delta = now
            if isinstance(event, ReasoningDelta):
                reasoning.append(event.text)
                renderer.reasoning(event.text, prompted=event.prompted)
            elif isinstance(event, AnswerDelta):
                answer.append(event.text)
                renderer.answer(event.text)
                if loop.feed(event.text):
                    stream.close()  # as for Ctrl-C: dropping the iterator cancels it
                    turn.finish_reason = "repetition"
                    deltas = len(answer) + len(reasoning)
                    clock = Clock(submitted, first_delta, now, deltas)
                    turn.usage = usage_of(None, None, clock)  # counts: "not reported"
                    turn.total_seconds += now - submitted
                    renderer.repetition()
                    break
            elif isinstance(event, Finished):
                turn.usage = event.usage
                turn.finish_reason = event.finish_reason
                turn.total_seconds += now - submitted
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
    except BaseException:  # SIGTERM/SIGHUP (signals.Terminated): stop, draw, pass it on
        stream.close()
        renderer.close()
        raise
    return "".join(answer), "".join(reasoning)


def correction_message(content: str, found: Sequence[Finding]) -> str:
    """The user turn asked again after a contradiction: the facts put first among the notes.

    Measured on the 135M model: a trailing "Correction: … Answer again …" line was
    parroted into the answer ("Answer again, stating this correctly."); as the first
    note, the fact is restated instead.
    """
    facts = " ".join(
        f"{fact[:1].upper()}{fact[1:]}." for fact in dict.fromkeys(f for _, f, _ in found)
    )
    if content.startswith(NOTES_HEAD):
        return f"{NOTES_HEAD}{facts}\n\n{content.removeprefix(NOTES_HEAD)}"
    if content.startswith(QUESTION_HEAD):  # grounded on notes sent in an earlier turn
        return f"{NOTES_HEAD}{facts}\n\n{content}"
    return f"{NOTES_HEAD}{facts}\n\n{QUESTION_HEAD}{content}"


def _flag_lines(found: Sequence[Finding]) -> list[str]:
    return [f"{sentence} -> {fact}" for sentence, fact, _ in found]


def _check_answer(
    engine: Engine,
    session: Session,
    grounder: Grounder,
    content: str,
    turn: Turn,
    renderer: StreamRenderer,
    sampling: Sampling,
) -> None:
    """Verify the answer and act on a contradiction as ``session.on_contradiction`` says.

    mark: a warning line per flagged sentence. strike: the flagged sentences struck
    through, the right fact beside each. regenerate: once, the same question with the
    correction appended; that answer replaces the first (kept struck on the turn) and is
    verified too, its own flags marked. Either way a flagged answer is not sent again.
    """
    found = grounder.verify(turn.answer, question=turn.prompt)
    if not found:
        return
    mode = session.on_contradiction
    finished = turn.finish_reason in ("stop", "length", "repetition")
    if mode == "regenerate" and finished:
        renderer.regenerating(found, verdict_of(found))
        try:
            messages = session.request_messages(correction_message(content, found))
            check_fits(engine, messages)
            stream = engine.stream(messages, sampling)  # this turn's, e.g. a depth answer's
        except (KeyboardInterrupt, ContextOverflowError):
            renderer.cancelled()  # the first attempt stays, marked
        else:
            turn.retracted, turn.retracted_flags = turn.answer, _flag_lines(found)
            answer, reasoning = _stream_answer(stream, turn, renderer, time.perf_counter())
            turn.answer, turn.reasoning = answer, turn.reasoning + reasoning
            found = grounder.verify(answer, question=turn.prompt) if answer else []
        mode = "strike"
    turn.flags = _flag_lines(found)
    if not found:
        return
    if mode == "strike":
        renderer.struck(found, heading=f"{verdict_of(found)}:")
    else:
        renderer.flags(found, verdict_of(found))


def verdict_of(found: Sequence[Finding]) -> str:
    """ "not confirmed" when every flag is an echo of the learner's claim, else "not right"."""
    verdicts = {flag_verdict(fact) for _, fact, _ in found}
    return verdicts.pop() if len(verdicts) == 1 else "not right"


WARN_SHARE = 0.25  # the room left that always counts as small, whatever max tokens is
REPL_REMEDY = "use \\clear or \\undo"  # what the context warning says to do, in the REPL


def context_warning(engine: Engine, session: Session, remedy: str = REPL_REMEDY) -> str | None:
    """A warning when little room is left for the next answer.

    Little means less than max tokens, but never more than a quarter of the context:
    with max tokens near the context size (allowed, up to context - 1) the old rule
    "used + max tokens > context" warned from the first turn at 5 % use.
    """
    context = engine.info.context_length
    last = session.last_turn
    used = last.usage.total_tokens if last is not None and last.usage is not None else None
    if not context or used is None:
        return None
    left = context - used
    if left >= min(session.sampling.max_tokens, int(context * WARN_SHARE)):
        return None
    return (
        f"context nearly full: {used} of {context} tokens used, {max(left, 0)} left for "
        f"the next question and answer; {remedy}"
    )
