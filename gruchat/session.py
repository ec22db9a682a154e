"""Conversation state: the exchanges, system prompt and sampling. No I/O, no display state."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from gruchat.engine.base import Message, Sampling, Usage
from gruchat.history_window import estimated_tokens, window_start

TRANSCRIPT_VERSION = 2  # 2: one turn per exchange, in order (transcript_schema migrates 1)


@dataclass
class Turn:
    """One prompt and what came back, kept for stats, \\retry and transcripts."""

    prompt: str
    answer: str = ""
    reasoning: str = ""
    finish_reason: str = "stop"  # stop | length | cancelled | error | repetition
    usage: Usage | None = None
    ttft: float = 0.0
    total_seconds: float = 0.0
    reasoning_seconds: float = 0.0
    reasoning_tokens: int = 0
    sources: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # sentences contradicting the notes
    retracted: str = ""  # a first attempt that contradicted the notes and was asked again
    retracted_flags: list[str] = field(default_factory=list)
    note: str = ""  # the verified note shown with the answer (this turn or earlier)
    computed: str = ""  # the computed block shown with the answer (a count, a shape)
    error: str = ""

    @property
    def cache_hit(self) -> bool:
        return bool(self.usage and (self.usage.cached_tokens or 0) > 0)  # None: not reported

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["usage"] = self.usage.as_dict() if self.usage else None
        return data


@dataclass
class Exchange:
    """One question and what came back, as the conversation holds it: the turn (answer,
    stats, marks) and its two messages, or none when nothing came back to show."""

    turn: Turn
    # (question, answer) as the screen and transcripts show them; each may carry "sent",
    # the text the model sees instead ("" leaves the message out; see request_messages)
    messages: tuple[Message, ...] = ()


@dataclass
class Session:
    """Everything a conversation needs to continue, save and load: one list of exchanges,
    from which the messages, the stats and the transcripts are all derived."""

    system_prompt: str = ""
    sampling: Sampling = field(default_factory=Sampling)
    default_sampling: Sampling = field(default_factory=Sampling)
    default_system_prompt: str = ""
    grounding: bool = True
    on_contradiction: str = "mark"  # mark | strike | regenerate (see gruchat.turn_runner)
    history_tokens: int = 0  # the history sent to the model, at most (0: all of it)
    exchanges: list[Exchange] = field(default_factory=list)

    @classmethod
    def start(cls, system_prompt: str, sampling: Sampling, **kwargs: Any) -> Session:
        return cls(
            system_prompt=system_prompt,
            sampling=sampling,
            default_sampling=sampling,
            default_system_prompt=system_prompt,
            **kwargs,
        )

    @property
    def messages(self) -> list[Message]:
        """The history as shown, two messages per exchange that has them (copies)."""
        return [dict(m) for e in self.exchanges for m in e.messages]

    @property
    def turns(self) -> list[Turn]:
        """Each exchange's turn, in order."""
        return [e.turn for e in self.exchanges]

    # -- what goes to the engine -------------------------------------------------
    # A message may carry "sent": the text the model sees instead of "content" (which is
    # what the screen and transcripts show); "sent": "" leaves the message out, so a
    # cancelled, failed, looping or contradicting answer is never repeated back to it.
    def request_messages(self, user_content: str) -> list[Message]:
        """System prompt, the history as the model may see it (the latest exchanges, up to
        ``history_tokens``: gruchat.history_window), and this turn's user text."""
        head = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        history = [m for e in self.exchanges[self.window_start() :] for m in _as_sent(e)]
        return head + history + [{"role": "user", "content": user_content}]

    def window_start(self, exchanges: int | None = None) -> int:
        """The first exchange the model is sent (of the first ``exchanges``, default all);
        those before it are left out."""
        sizes = [estimated_tokens(_as_sent(e)) for e in self.exchanges[:exchanges]]
        return window_start(sizes, self.history_tokens)

    def newly_left_out(self) -> int:
        """How many exchanges the previous request sent that the next one leaves out."""
        if not self.exchanges:
            return 0
        return self.window_start() - self.window_start(len(self.exchanges) - 1)

    def sent_user_texts(self) -> list[str]:
        """The user messages of the history the next request sends, as the model sees them
        (a grounded question with its notes)."""
        return [
            m["content"]
            for e in self.exchanges[self.window_start() :]
            for m in _as_sent(e)
            if m["role"] == "user"
        ]

    def previous_questions(self) -> list[str]:
        """The user's earlier questions in this conversation, latest first (for follow-ups)."""
        return [e.messages[0]["content"] for e in reversed(self.exchanges) if e.messages]

    def record(self, turn: Turn, as_sent: str = "") -> None:
        """Keep the exchange, marked; only a clean answer is sent to the model again.

        A turn cancelled before its request reached the engine is kept like one cancelled
        after (the question and "[cancelled]", never sent again): when a Ctrl-C lands is a
        race the learner cannot see, so the transcript must not depend on it. ``as_sent``:
        the user message as the model got it (the question with its notes); later turns
        send it again verbatim, so the prompt still begins with what the engine has cached."""
        self.exchanges.append(Exchange(turn, history_messages(turn, as_sent)))

    # -- stats (over the exchanges in the history now) -----------------------------
    @property
    def last_turn(self) -> Turn | None:
        return self.exchanges[-1].turn if self.exchanges else None

    @property
    def cache_hits(self) -> int:
        return sum(1 for e in self.exchanges if e.turn.cache_hit)

    @property
    def turn_count(self) -> int:
        return sum(1 for e in self.exchanges if e.turn.usage is not None)

    # -- commands ------------------------------------------------------------------
    def clear(self) -> None:
        self.exchanges.clear()

    def undo(self) -> bool:
        """Drop the last exchange; False when there is none."""
        return self.pop_last_prompt() is not None

    def pop_last_prompt(self) -> str | None:
        """For \\retry: remove the last exchange and return its prompt."""
        if not self.exchanges:
            return None
        last = self.exchanges.pop()
        return last.messages[0]["content"] if last.messages else last.turn.prompt

    def cut_to(self, message_count: int) -> None:
        """Drop the latest exchanges until at most ``message_count`` messages are left
        (the log's ``history``: what the session held when an exchange began)."""
        count = sum(len(e.messages) for e in self.exchanges)
        while self.exchanges and count > message_count:
            count -= len(self.exchanges.pop().messages)

    def reset_sampling(self) -> None:
        self.sampling = self.default_sampling

    def set_sampling(self, **changes: Any) -> None:
        self.sampling = dataclasses.replace(self.sampling, **changes)

    # -- transcripts -------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The transcript: the messages, and one turn per exchange, in order
        (``in_history``: whether the exchange has its two messages)."""
        return {
            "version": TRANSCRIPT_VERSION,
            "system_prompt": self.system_prompt,
            "sampling": self.sampling.as_dict(),
            "messages": self.messages,
            "turns": [{**e.turn.as_dict(), "in_history": bool(e.messages)} for e in self.exchanges],
        }

    def load_json(self, data: Any) -> None:
        """Replace state from a parsed transcript, checked whole first (transcript_schema):
        on any problem raise ValueError naming the field, and change nothing."""
        from gruchat.transcript_schema import validate

        doc = validate(data)
        sampling = dataclasses.replace(self.sampling, **doc.sampling)
        system = self.system_prompt if doc.system_prompt is None else doc.system_prompt
        exchanges = [Exchange(Turn(**values), tuple(pair)) for values, pair in doc.exchanges]
        self.exchanges, self.sampling, self.system_prompt = exchanges, sampling, system


def _as_sent(exchange: Exchange) -> list[Message]:
    """The exchange's messages as the model sees them ("sent" instead of "content")."""
    return [
        {"role": m["role"], "content": m.get("sent", m["content"])}
        for m in exchange.messages
        if m.get("sent") != ""
    ]


def history_messages(turn: Turn, as_sent: str = "") -> tuple[Message, ...]:
    """The exchange's question and answer as the history keeps them: none for a failure
    with no text; a cancelled, failed, looping or flagged answer shown but never sent;
    ``as_sent``, when it differs from the question, is what the model is sent instead."""
    if turn.finish_reason == "error" and not turn.answer:
        return ()
    shown = transcript_text(turn)
    user: Message = {"role": "user", "content": turn.prompt}
    assistant: Message = {"role": "assistant", "content": shown}
    if turn.finish_reason in ("cancelled", "error", "repetition") or turn.flags:
        user["sent"] = assistant["sent"] = ""
        return (user, assistant)
    if as_sent and as_sent != turn.prompt:
        user["sent"] = as_sent
    if shown != turn.answer:
        assistant["sent"] = turn.answer
    return (user, assistant)


NOT_CONFIRMED = "not confirmed by the notes"  # how an echo of the learner's claim is flagged


def flag_verdict(fact: str) -> str:
    """ "not confirmed" for a flag that only says the notes do not back a claim the answer
    repeats (gruchat.tutor.guard_echo), "not right" for one a note contradicts."""
    return "not confirmed" if fact.startswith(NOT_CONFIRMED) else "not right"


def _flag_fact(flag: str) -> str:
    """The fact of a flag as turns keep it ("SENTENCE -> FACT")."""
    return flag.rpartition(" -> ")[2]


def flag_mark(flag: str) -> str:
    return f"{flag_verdict(_flag_fact(flag))}: {flag}"


_FINISH_MARKS = {"cancelled": "[cancelled]", "error": "[error]",
                 "repetition": "[stopped: repeating itself]"}  # fmt: skip


def transcript_text(turn: Turn) -> str:
    """The answer as transcripts keep it: a retracted first attempt struck, flags and
    an unfinished end marked."""
    parts = []
    if turn.retracted:
        parts.append(f"~~{turn.retracted.strip()}~~")
        parts += [f"[first attempt {flag_mark(flag)}]" for flag in turn.retracted_flags]
    text = turn.answer.rstrip()
    mark = _FINISH_MARKS.get(turn.finish_reason)
    if mark:
        text = f"{text} {mark}".strip()
    parts.append(text)
    parts += [f"[{flag_mark(flag)}]" for flag in turn.flags]
    return "\n\n".join(p for p in parts if p) if turn.retracted or turn.flags else text
