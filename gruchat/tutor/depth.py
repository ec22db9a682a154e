"""Explanations with depth: recognise "explain GRUs to me" and ask for a structured answer.

Most questions want the short grounded answer (a note and one to three sentences). A
learner who asks to be taught, walked through the equations or given a thorough overview
gets more notes, an instruction for a sectioned Markdown answer (the equations in
Unicode with the convention named, an intuition for each gate, a GRU-vs-LSTM table) and
more tokens for that turn. The shape follows a good long answer; its facts come from the
notes, because the long answers this was modelled on get the update gate's direction
wrong ("z close to 1 means mostly the candidate" next to hₜ = (1 − z) ⊙ g + z ⊙ hₜ₋₁, or
the other convention written without saying so).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gruchat.engine.base import Sampling

if TYPE_CHECKING:
    from gruchat.tutor.notes import Note

DEPTH_MAX_TOKENS = 1024  # a sectioned answer with a table runs to 500-900 tokens
# The notes a full explanation draws on, after the ones BM25 picks for the question.
CORE_NOTES = ("what-is-a-gru", "equations", "gates", "hidden-state-update", "gru-vs-lstm")

# Asking to be taught, walked through or given the whole picture.
_DEPTH = re.compile(
    r"\b(?:thorough(?:ly)?|in (?:great |full |more )?detail|detailed|in[- ]depth|deep[- ]dive"
    r"|comprehensive|from (?:scratch|the (?:ground|very) up|first principles)"
    r"|step[- ]by[- ]step|walk (?:me )?through|walk-?through|go (?:me )?through|teach me"
    r"|break (?:it |this |that |them |\w+ )?down|tutorial|lesson|elaborate|go deeper"
    r"|everything (?:about|on|there is)|all about|(?:full|complete|whole|long(?:er)?) "
    r"(?:explanation|overview|picture|guide|story|walkthrough|derivation|rundown))\b",
    re.IGNORECASE,
)
# "Explain GRUs", "explain how a GRU works", "explain the equations": the whole topic.
_EXPLAIN_TOPIC = re.compile(
    r"\b(?:explain|describe|introduce|present|cover)\b(?: to me)?\s+"
    r"(?:(?:the )?(?:whole |entire )?(?:grus?|gated recurrent units?|gru (?:cells?|networks?|"
    r"layers?|equations|architecture|model))\b|how (?:an? |the )?grus? (?:cells? )?works?\b"
    r"|(?:all )?the (?:gru )?equations\b|(?:it|them) all\b)",
    re.IGNORECASE,
)
# An explicit wish for brevity always wins.
_BRIEF = re.compile(
    r"\b(?:brief(?:ly)?|short(?:ly)?|quick(?:ly)?|concise(?:ly)?|tl;?dr|in a nutshell"
    r"|one[- ]liner|summari[sz]e|in (?:one|a|two|three|1|2|3|a few) (?:short )?"
    r"(?:sentences?|lines?|words?|paragraphs?))\b",
    re.IGNORECASE,
)

# Written as prose, not as a template: given headings with a line under each, both offline
# models copied those lines into the answer instead of following them (bench/depth_think.py).
DEPTH_INSTRUCTION = (
    "Explain this thoroughly to a learner, in a friendly, clear voice, using only facts from "
    "the notes above. Write Markdown with a ## heading for each part, in this order: what a "
    "GRU is; the four equations of one time step, copied in Unicode from the notes, one per "
    "line, each with a sentence on what it computes; an intuition for the update gate z and "
    "the reset gate r (what z ≈ 1, z ≈ 0, r ≈ 0 and r ≈ 1 do); a Markdown table comparing "
    "GRU and LSTM on gates, state and weight blocks; a two-sentence summary. Use the notes' "
    "convention and name it: Cho et al. and PyTorch write hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁, so z "
    "weights the old state, and r is applied to the hidden-state term inside n. A GRU has "
    "two gates (update z, reset r), one hidden state h, no cell state and no output gate."
)


def is_depth_request(question: str) -> bool:
    """True when the learner asks to be taught the topic at length, not for one fact."""
    if _BRIEF.search(question):
        return False
    return bool(_DEPTH.search(question) or _EXPLAIN_TOPIC.search(question))


def depth_notes(hits: Sequence[Note], notes: Sequence[Note]) -> list[Note]:
    """The notes for a long answer: the question's own hits first, then the core notes."""
    by_name = {note.name: note for note in notes}
    chosen = {note.name: note for note in hits}
    for name in CORE_NOTES:
        if name in by_name:
            chosen.setdefault(name, by_name[name])
    return list(chosen.values())


def depth_user_message(question: str, notes: Sequence[Note]) -> str:
    """The user turn for a depth request: the notes, the question, the structure asked for."""
    blocks = "\n\n".join(note.body for note in notes)
    return f"Notes:\n{blocks}\n\nQuestion: {question.strip()}\n{DEPTH_INSTRUCTION}"


def depth_sampling(sampling: Sampling) -> Sampling:
    """At least DEPTH_MAX_TOKENS for this turn; a larger \\maxtokens is kept."""
    return dataclasses.replace(sampling, max_tokens=max(sampling.max_tokens, DEPTH_MAX_TOKENS))


@dataclass(frozen=True)
class Measured:
    """bench/depth_think.py on one model file: can it write the long answer, and what was seen."""

    depth: bool
    summary: str


# Measured with bench/depth_think.py (4 depth requests each, greedy; README "The GRU tutor").
MEASURED = {
    "SmolLM2-135M-Instruct.Q4_1.gguf": Measured(
        False,
        "off (measured: in 4 of 4 long answers SmolLM2-135M copied the instruction and "
        "looped to the token limit); a request to explain at length gets the short answer",
    ),
    "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf": Measured(
        True,
        "on (measured with an earlier template-shaped instruction: no contradiction and five "
        "sections in each of 4 answers, but it copied the instruction's lines instead of "
        "writing the equations and table; the prose instruction is not measured yet)",
    ),
}


def _file_name(model_path: str) -> str:
    return re.split(r"[\\/]", model_path)[-1]


def depth_enabled(model_path: str) -> bool:
    """Long answers for this model file: on unless measured to fail (unmeasured: on)."""
    measured = MEASURED.get(_file_name(model_path))
    return measured.depth if measured else True


def depth_capability(model_path: str) -> str:
    """What was measured for long answers on this model file (``\\info``)."""
    measured = MEASURED.get(_file_name(model_path))
    if measured is None:
        return "on, not measured on this model (bench/depth_think.py)"
    return measured.summary
