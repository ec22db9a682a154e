"""The guard's rules for the false premises learners lean on (session 8): the reset gate as
the LSTM's forget gate, GRUs that cannot be stacked, a hidden_size split between
directions, gates fixed over time, unbounded states, random initial states, dropout inside
the recurrence, a padding argument, c_n from a GRU, one model "objectively better", the
1997 LSTM's forget gate and the term that keeps the old state.

Each rule finds the wrong sentence alone, without having to tell it from the right ones
(tests/test_tutor_premise_rules.py holds a flagged and an unflagged sentence for each); a
"Yes" to a leading question that states one of these is flagged by guard_questions.
"""

from __future__ import annotations

import re

from gruchat.tutor.guard_rules import Rule, _rule

_I = re.IGNORECASE
_ANY = r"(?:[^.]|\.(?=\S))*"  # within the sentence: "nn.GRU" does not end it
_ONE_MINUS_Z_N = r"\(\s*1\s*[−-]\s*z\w*\s*\)\s*(?:⊙|\*|·|×|\\odot)?\s*(?:n|h̃|ñ)"
_Z_H_PREV = r"\bz\w*\s*(?:⊙|\*|·|×|\\odot)?\s*h\w*\s*(?:ₜ₋₁|_?\{?\(?t\s*[−-]\s*1)"
_KEEPS = r"\b(?:keeps?|kept|keeping|retains?|preserves?|carr(?:y|ies) over)\b"


def _one_minus_z_keeps(clause: str) -> bool:
    """(1 − z) ⊙ n named as the part that keeps the old state, z ⊙ hₜ₋₁ not named at all."""
    return bool(
        re.search(_ONE_MINUS_Z_N, clause, _I)
        and re.search(_KEEPS, clause, _I)
        and not re.search(_Z_H_PREV, clause, _I)
    )


PREMISE_RULES: tuple[Rule, ...] = (
    Rule(
        "the reset gate r is not the LSTM's forget gate: the update gate z does the work of "
        "the LSTM's forget and input gates, and r only decides how much of hₜ₋₁ enters the "
        "candidate n",
        "gru-vs-lstm",
        re.compile(
            r"\breset gate\b(?:\s*\(?r\)?)?\s*(?:is|acts as|works as|plays the role of|"
            r"does the (?:job|work) of|is equivalent to|corresponds to|is the same as)\s+"
            r"(?:basically |essentially |just |really |simply )?(?:the |an? )?(?:lstm[’']?s?\s+)?"
            r"forget gate\b",
            _I,
        ),
        any_model=True,  # "the LSTM's forget gate" names the LSTM, the claim is the GRU's
    ),
    _rule(
        r"\bgrus?\b(?:\s+layers?)?\s+(?:can[’']?t|cannot|can not|could not|couldn[’']?t|"
        r"are not able to|aren[’']?t able to)\s+be\s+stacked\b|\bgrus?\b[^.]*\bnot stackable\b",
        "GRU layers stack like LSTM layers: nn.GRU(..., num_layers=2), or two GRU layers in a row",
        "pytorch-sequences",
        negatable=False,  # the claim is itself a negation
    ),
    _rule(
        rf"\b(?:hidden_size|hidden size|hidden units|units)\b{_ANY}\b(?:split|divided|halved|"
        r"shared)\s+(?:between|across|among|in half|by)\b"
        r"|\b(?:splits?|divides?|halves)\s+(?:the\s+)?(?:hidden_size|hidden size)\b",
        "with nn.GRU(bidirectional=True) each direction has the full hidden_size: the output has "
        "2·hidden_size features and nothing is split",
        "pytorch-sequences",
    ),
    _rule(
        r"\b(?:z|r|update gate|reset gate|gate values?)\b(?:(?!weight)[^.])*?\b(?:is|are|stays?|"
        r"remains?|must be|will be)\s+(?:the same|constant|fixed|identical|unchanged)\b"
        r"[^.]*?\b(?:every|each|all|across|over)\b[^.]*?\b(?:time ?)?steps?\b",
        "the weights are shared across time steps, but z and r are recomputed at every step "
        "from xₜ and hₜ₋₁, so their values change from step to step",
        "gates",
    ),
    _rule(
        r"\b(?:z|update gate|r|reset gate)\b[^.;]*?\b(?:is computed from|is calculated from|"
        r"depends on|is derived from|is based on|needs)\s+(?:the\s+)?(?:reset gate|update gate|"
        r"r|z)\b(?!\s*(?:and|,|⊙|\*))",
        "z and r are computed independently and in parallel, each from xₜ and hₜ₋₁; neither "
        "depends on the other",
        "gates",
    ),
    _rule(
        rf"\b(?:grow|grows|growing|blow up|blows up)\b{_ANY}\b(?:any (?:size|value|magnitude)|"
        r"arbitrar\w*|without (?:bound|limit)|indefinitely|infinit\w*|unbounded)"
        rf"|\b(?:hidden states?|activations?|h_?t|hₜ)\b{_ANY}\b(?:is|are)\s+unbounded\b",
        "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁ is a weighted average of values in (−1, 1) (n is a "
        "tanh), so with h0 = 0 every hₜ stays between −1 and 1",
        "hidden-state-update",
        negatable=False,  # "… because there's no tanh" is no negation of the claim
        unless=r"\bgradients?\b|\b(?:cannot|can[’']?t|can not|never|not|won[’']?t|doesn[’']?t|"
        r"don[’']?t)\s+(?:\w+\s+)?(?:grow|blow)|\bno\b[^.]*\b(?:grow|blow)",
    ),
    _rule(
        rf"\b(?:hidden state|h_?0|h₀|initial (?:hidden )?state|starting state)\b{_ANY}\brandom"
        rf"|\brandom\w*\b{_ANY}\b(?:hidden state|h_?0|h₀|initial (?:hidden )?state)\b",
        "nn.GRU's h0 defaults to zeros: start each batch from zeros (or a learned h0), not "
        "from a random state",
        "pytorch-sequences",
        unless=r"\bzeros?\b|\bweights?\b",
    ),
    _rule(
        rf"\bdropout\b{_ANY}\b(?:drops?|dropping|applie[sd]|applying|acts?|masks?|works?|"
        rf"operates?|zeroe?s)\b{_ANY}\b(?:inside|within|on|to|in)\s+(?:the\s+)?(?:recurrent "
        r"(?:connections?|weights?|state|path)|hidden[- ]to[- ]hidden|time ?steps?)",
        "nn.GRU's dropout acts only on the outputs between stacked layers (not after the "
        "last), never inside the recurrent connections; Keras recurrent_dropout is the one "
        "that does",
        "pytorch-sequences",
        unless=r"\bkeras\b|\brecurrent_dropout\b|\bvariational\b",
    ),
    _rule(
        r"\bpadding\b\s*(?:=|`?\s*(?:argument|parameter|option|keyword))|\b(?:argument|"
        r"parameter|option)\s+`?padding\b",
        "nn.GRU has no padding argument: pack the padded batch with "
        "nn.utils.rnn.pack_padded_sequence(x, lengths) (or pack_sequence) and pass that",
        "pytorch-sequences",
        unless=r"\bkeras\b|\bconv\w*|\bmask",
    ),
    _rule(
        rf"\b(?:returns?|gives?|outputs?|hands? back|produces?|has|have|keeps?)\b{_ANY}\bc_?n\b"
        rf"|\bc_?n\b{_ANY}\b(?:as well|too|also)\b",
        "nn.GRU returns output and h_n only: no c_n, since a GRU has no cell state",
        "gru-vs-lstm",
    ),
    _rule(
        r"\bobjectively (?:better|superior|the best)\b|\b(?:always|universally|strictly) "
        r"(?:better|superior|outperforms?|wins?|beats?)\b",
        "neither is better on every task: GRUs and LSTMs perform comparably (Chung et al., "
        "2014), so which wins depends on the task and the data",
        "gru-vs-lstm",
        unless=r"\bneither\b|\bdepends\b",
    ),
    Rule(
        "the 1997 LSTM had no forget gate: Gers, Schmidhuber & Cummins added it in 1999/2000",
        "history-and-papers",
        re.compile(r"\b1997\b[^.]*\bforget gate|\bforget gate\b[^.]*\b1997\b", _I),
        unless=re.compile(r"\bgers\b|\b(?:1999|2000)\b|\blater\b|\bafter\b", _I),
        any_model=True,
    ),
    Rule(
        "in hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁ the term z ⊙ hₜ₋₁ keeps the old state; (1 − z) ⊙ n "
        "brings in the candidate",
        "hidden-state-update",
        test=_one_minus_z_keeps,
        any_model=True,
    ),
)
