"""Conversation state: messages, system prompt, sampling, turn stats. No I/O here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from gruchat.engine.base import Message, Sampling, Usage

TRANSCRIPT_VERSION = 1


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
class Session:
    """Everything a conversation needs to continue, save and load."""

    system_prompt: str = ""
    sampling: Sampling = field(default_factory=Sampling)
    default_sampling: Sampling = field(default_factory=Sampling)
    default_system_prompt: str = ""
    reasoning_mode: str = "show"
    grounding: bool = True
    on_contradiction: str = "mark"  # mark | strike | regenerate (see gruchat.turn)
    show_stats: bool = True
    messages: list[Message] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    shown_notes: set[str] = field(default_factory=set)  # verified notes already on screen

    @classmethod
    def start(cls, system_prompt: str, sampling: Sampling, **kwargs: Any) -> Session:
        return cls(
            system_prompt=system_prompt,
            sampling=sampling,
            default_sampling=sampling,
            default_system_prompt=system_prompt,
            **kwargs,
        )

    # -- what goes to the engine -------------------------------------------------
    # A message may carry "sent": the text the model sees instead of "content" (which is
    # what the screen and transcripts show); "sent": "" leaves the message out, so a
    # cancelled, failed, looping or contradicting answer is never repeated back to it.
    def request_messages(self, user_content: str) -> list[Message]:
        """System prompt, the history as the model may see it, and this turn's user text."""
        head = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        history = [
            {"role": m["role"], "content": m.get("sent", m["content"])}
            for m in self.messages
            if m.get("sent") != ""
        ]
        return head + history + [{"role": "user", "content": user_content}]

    def previous_questions(self) -> list[str]:
        """The user's earlier questions in this conversation, latest first (for follow-ups)."""
        return [m["content"] for m in reversed(self.messages) if m["role"] == "user"]

    def record(self, turn: Turn) -> None:
        """Keep the exchange, marked; only a clean answer is sent to the model again."""
        self.turns.append(turn)
        if turn.finish_reason == "error" and not turn.answer:
            return
        shown = transcript_text(turn)
        user: Message = {"role": "user", "content": turn.prompt}
        assistant: Message = {"role": "assistant", "content": shown}
        if turn.finish_reason in ("cancelled", "error", "repetition") or turn.flags:
            user["sent"] = assistant["sent"] = ""
        elif shown != turn.answer:
            assistant["sent"] = turn.answer
        self.messages += [user, assistant]

    # -- stats -------------------------------------------------------------------
    @property
    def last_turn(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    @property
    def cache_hits(self) -> int:
        return sum(1 for t in self.turns if t.cache_hit)

    @property
    def turn_count(self) -> int:
        return sum(1 for t in self.turns if t.usage is not None)

    # -- commands ------------------------------------------------------------------
    def clear(self) -> None:
        self.messages.clear()
        self.shown_notes.clear()

    def undo(self) -> bool:
        """Drop the last exchange; False when there is none."""
        if len(self.messages) < 2:
            return False
        del self.messages[-2:]
        return True

    def pop_last_prompt(self) -> str | None:
        """For \\retry: remove the last exchange and return its prompt."""
        if len(self.messages) < 2 or self.messages[-2]["role"] != "user":
            return None
        prompt = self.messages[-2]["content"]
        del self.messages[-2:]
        return prompt

    def reset_sampling(self) -> None:
        self.sampling = self.default_sampling

    def set_sampling(self, **changes: Any) -> None:
        self.sampling = dataclasses.replace(self.sampling, **changes)

    # -- transcripts -------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "version": TRANSCRIPT_VERSION,
            "system_prompt": self.system_prompt,
            "sampling": self.sampling.as_dict(),
            "messages": [dict(m) for m in self.messages],
            "turns": [t.as_dict() for t in self.turns],
        }

    def load_json(self, data: Any) -> None:
        """Replace state from a parsed transcript, checked whole first (transcript_schema):
        on any problem raise ValueError naming the field, and change nothing."""
        from gruchat.transcript_schema import validate

        doc = validate(data)
        sampling = dataclasses.replace(self.sampling, **doc.sampling)
        system = self.system_prompt if doc.system_prompt is None else doc.system_prompt
        turns = [Turn(**values) for values in doc.turns]
        self.messages, self.sampling, self.system_prompt, self.turns = (
            doc.messages,
            sampling,
            system,
            turns,
        )


_FINISH_MARKS = {"cancelled": "[cancelled]", "error": "[error]",
                 "repetition": "[stopped: repeating itself]"}  # fmt: skip


def transcript_text(turn: Turn) -> str:
    """The answer as transcripts keep it: a retracted first attempt struck, flags and
    an unfinished end marked."""
    parts = []
    if turn.retracted:
        parts.append(f"~~{turn.retracted.strip()}~~")
        parts += [f"[first attempt not right: {flag}]" for flag in turn.retracted_flags]
    text = turn.answer.rstrip()
    mark = _FINISH_MARKS.get(turn.finish_reason)
    if mark:
        text = f"{text} {mark}".strip()
    parts.append(text)
    parts += [f"[not right: {flag}]" for flag in turn.flags]
    return "\n\n".join(p for p in parts if p) if turn.retracted or turn.flags else text
