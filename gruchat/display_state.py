"""How a chat is shown, apart from what it is: kept by the shell, never saved with it.

The session (gruchat.session) is the conversation; this is the screen's side: how the
reasoning trace is drawn, whether stats follow an answer, and which verified notes are
already on screen (shown again only after ``\\clear``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DisplayState:
    reasoning_mode: str = "show"  # show | hide | collapse
    show_stats: bool = True
    shown_notes: set[str] = field(default_factory=set)  # verified notes already on screen
