"""The benchmark's prompt sets, shared by every contender so they all see the same words.

Three sets, as issue 6 asks: a short question with no system prompt, the default system
prompt plus a longer question, and a 4-turn chat (the default system prompt, then four
user turns; each contender's own greedy answers go back into the history, as in real use).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_FILE = ROOT / "prompts" / "system" / "gru-tutor.md"


@dataclass(frozen=True)
class PromptSet:
    name: str
    system: str
    turns: tuple[str, ...]

    def to_json(self) -> dict:
        return {"name": self.name, "system": self.system, "turns": list(self.turns)}


def default_system() -> str:
    return SYSTEM_FILE.read_text(encoding="utf-8").strip()


def prompt_sets() -> dict[str, PromptSet]:
    system = default_system()
    sets = [
        PromptSet("short", "", ("What is a GRU?",)),
        PromptSet(
            "system",
            system,
            (
                "Explain how the update gate and the reset gate of a GRU work together when "
                "the network reads a long sentence, and why this helps with vanishing "
                "gradients.",
            ),
        ),
        PromptSet(
            "chat",
            system,
            (
                "What is a GRU?",
                "How many gates does it have?",
                "What does the reset gate do?",
                "How is a GRU different from an LSTM?",
            ),
        ),
    ]
    return {s.name: s for s in sets}


# Fixed questions for the sweep's quality check: a faster engine setting must give the
# same greedy answers (or say the same thing) on these.
QUALITY_QUESTIONS = (
    "What is a GRU?",
    "What does the update gate of a GRU do?",
    "Name one difference between a GRU and an LSTM.",
)
