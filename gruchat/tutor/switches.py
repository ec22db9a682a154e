"""Reading an on/off argument (bias, bidirectional, return_sequences…) from a learner's words.

A computed block is shown as exact, so a switch read the wrong way round is the worst
error the tutor can make: "with the default return_sequences" or "without bidirectional"
once came out as True because the name alone was taken to mean "on". Every mention is
read with the words around it: "=True/False", "no/without/not … NAME", "NAME off",
"the default NAME" or "NAME left at its default" (the argument's own default), and a bare
mention, which means on. Mentions that disagree make the question unclear.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_OFF_BEFORE = re.compile(
    r"(?:\b(?:without|no|not|never|disable[ds]?|disabling|turn(?:s|ed|ing)? off|switch(?:es|ed"
    r"|ing)? off|unset)|\bnon-?)\s*(?:(?:any|the|a|an|using|setting|passing)\s+)?$",
    _I,
)
_DEFAULT_BEFORE = re.compile(
    r"\b(?:default|usual|standard)\s+(?:(?:value|setting)\s+(?:of|for)\s+)?(?:the\s+)?$", _I
)
_ON_BEFORE = re.compile(r"\b(?:with|using|keep(?:ing)?|plus)\s+(?:the\s+|a\s+|its\s+)?$", _I)
_OFF_AFTER = re.compile(
    r"^\s*(?:=\s*(?:false|0)\b|(?:is\s+|set\s+to\s+|turned\s+|switched\s+)?(?:off|false"
    r"|disabled|unset)\b|[- ]free\b)",
    _I,
)
_ON_AFTER = re.compile(
    r"^\s*(?:=\s*(?:true|1)\b|(?:is\s+|set\s+to\s+|turned\s+|switched\s+)?(?:on|true|enabled)\b)",
    _I,
)
_DEFAULT_AFTER = re.compile(
    r"^\s*(?:(?:is\s+|left\s+|kept\s+)?(?:at\s+)?(?:its|the)\s+default\b|(?:as\s+)?by\s+default"
    r"\b|(?:is\s+|left\s+)?unchanged\b|(?:is\s+)?default(?:ed)?\b)",
    _I,
)
_BEFORE_WINDOW = 40  # characters before a mention that can negate it ("not using the …")


class UnclearSwitch(ValueError):
    """The question turns the same argument both on and off."""


def switch(
    name: str, text: str, default: bool, off_words: str = "", bare: bool | None = True
) -> bool | None:
    """What ``text`` says of the argument ``name`` (a regex), or None if it does not say.

    ``default`` is the argument's own default ("the default bias" means on);
    ``off_words`` is a regex of words that mean off on their own ("unidirectional");
    ``bare`` is what the name alone means: on ("a bidirectional GRU"), or nothing (None:
    "how many bias parameters?" neither adds nor removes the biases)."""
    states = set()
    for match in re.finditer(rf"\b(?:{name})\b", text, _I):
        before = text[max(0, match.start() - _BEFORE_WINDOW) : match.start()]
        after = text[match.end() :]
        if _OFF_AFTER.search(after):
            states.add(False)
        elif _ON_AFTER.search(after):
            states.add(True)
        elif _DEFAULT_AFTER.search(after) or _DEFAULT_BEFORE.search(before):
            states.add(default)
        elif _OFF_BEFORE.search(before):
            states.add(False)
        elif _ON_BEFORE.search(before):
            states.add(True)
        elif bare is not None:
            states.add(bare)
    if off_words and re.search(off_words, text, _I):
        states.add(False)
    if len(states) > 1:
        raise UnclearSwitch(name)
    return states.pop() if states else None
