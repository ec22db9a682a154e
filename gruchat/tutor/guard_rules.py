"""The guard's rule table: each known false claim about GRUs and the fact that corrects it.

guard.py owns the matching (sentences, clauses, negations, the question's topic); this
module owns what counts as wrong, so a new misconception is one entry here plus its tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_NEGATION = re.compile(
    r"\b(no|not|never|without|lacks?|unlike|instead of|doesn't|does not|don't|do not|isn't|"
    r"aren't|only in|rather than|whereas|neither|nor|but an? lstm|lstms? (?:has|have|use))\b",
    re.IGNORECASE,
)
_LSTM = re.compile(r"\blstm", re.IGNORECASE)
_GRU = re.compile(r"\bgru|\bgated recurrent unit", re.IGNORECASE)
_NUMBER = r"(?:three|3|four|4)"


@dataclass(frozen=True)
class Rule:
    """A false claim: a pattern (or a test) that finds it in a clause, and the right fact."""

    fact: str
    note: str
    pattern: re.Pattern[str] | None = None
    test: Callable[[str], bool] | None = None
    negatable: bool = True  # a clause that negates the claim is not flagged
    unless: re.Pattern[str] | None = None  # hedges that make the clause right ("partly")
    # when the question is about this (gradient clipping), a bare "it" means it, not the
    # GRU: "what is gradient clipping? … it prevents exploding gradients" is right
    pronoun_means: re.Pattern[str] | None = None
    # false whatever model the clause names ("the LSTM's forget gate dates from 1997")
    any_model: bool = False

    def matches(self, clause: str) -> bool:
        if self.unless is not None and self.unless.search(clause):
            return False
        if self.pattern is not None and self.pattern.search(clause):
            return True
        return self.test is not None and self.test(clause)


def _rule(pattern: str, fact: str, note: str, negatable: bool = True, unless: str = "") -> Rule:
    hedges = re.compile(unless, re.IGNORECASE) if unless else None
    return Rule(fact, note, re.compile(pattern, re.IGNORECASE), negatable=negatable, unless=hedges)


# -- z ≈ 1 / r ≈ 0: what each extreme of a gate means ----------------------------------------
_GATE_VALUE = re.compile(
    r"\b(?P<gate>z|r|update gate|reset gate)(?:ₜ|_t)?\s*(?:\(?[zr]\)?\s*)?"
    r"(?:≈|~|=|→|->|is|are|equals?|is equal to|gets|goes to|approaches|is close to|close to|"
    r"near|is near|of)\s*(?:about\s*|nearly\s*|almost\s*)?(?P<value>[01])(?![.,]\d)\b",
    re.IGNORECASE,
)
_KEEPS_PAST = re.compile(
    r"\b(keeps?|kept|copies|copy|retains?|preserves?|remembers?|carries|unchanged|"
    r"old (state|memory) (is )?(kept|passed)|uses? (it|the past|the previous state) fully)",
    re.IGNORECASE,
)
_DROPS_PAST = re.compile(
    r"\b(forgets?|forgotten|discard(s|ed)?|overwrit(es?|ten)|replac(es?|ed)|resets?|ignor(es?|ed)|"
    r"eras(es?|ed)|"
    r"throws? away|fresh start|takes? the (new )?candidate|(new|the) candidate (is )?"
    r"(used|taken|dominates)|mostly new)",
    re.IGNORECASE,
)
# where a clause moves on to the other gate, its segment for this one ends
_GATE_MENTION = {
    "r": re.compile(r"\b(?:z|update gate)(?:ₜ|_t)?\b", re.IGNORECASE),
    "z": re.compile(r"\b(?:r|reset gate)(?:ₜ|_t)?\b", re.IGNORECASE),
}
# (gate, value) -> does that extreme keep the past? PyTorch/Cho: z ≈ 1 keeps hₜ₋₁.
_KEEPS = {("z", "1"): True, ("z", "0"): False, ("r", "1"): True, ("r", "0"): False}


def _wrong_gate_extreme(clause: str) -> bool:
    """True when a clause says z ≈ 1 forgets the past, r ≈ 0 keeps it, and so on."""
    hits = list(_GATE_VALUE.finditer(clause))
    for i, hit in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(clause)
        gate = hit.group("gate").lower()
        key = ("z" if gate.startswith(("z", "u")) else "r", hit.group("value"))
        other = _GATE_MENTION[key[0]].search(clause, hit.end(), end)  # "…, but z keeps some"
        segment = clause[hit.end() : other.start() if other else end]
        if _NEGATION.search(segment):
            continue
        keeps = _KEEPS[key]
        said_keeps, said_drops = _KEEPS_PAST.search(segment), _DROPS_PAST.search(segment)
        if (keeps and said_drops and not said_keeps) or (not keeps and said_keeps):
            return True
    return False


_VANISHING = r"vanishing(?:[- ]gradients?)?(?: problem)?"
_HEDGES = (
    r"\b(partly|partially|largely|mostly|help|helps|reduc\w*|mitigat\w*|alleviat\w*|lessen\w*|"
    r"as much|as badly|as severely|as often|as strongly|less)\b"
)
_LSTM_GATE = r"(?:output|input|forget)"
# "the update gate plays the role of the LSTM's forget and input gates" is right
_ANALOGY = (
    r"\b(?:replac|combin|merg|coupl|roles?|like|similar|analog|equivalent|instead|plays?|"
    r"acts?|corresponds?|counterparts?|takes? over|does the (?:job|work)|compared|mimic|"
    r"serves? as|resembl|fus|unif|analogous|akin)\w*"
)
# GRU vs LSTM size: a GRU has 3/4 of an LSTM's parameters, not half or a third
_RATIO = (
    r"\b(?:twice|double[sd]?|two times|2\s*(?:x|×|times)|half|three times|3\s*(?:x|×|times)|"
    r"same (?:number|amount|count) of|equal (?:number|count))\b"
)
_PARAMS = r"\b(?:parameters?|params|weights)\b"
# "the GRU is older than the LSTM", "the LSTM is an improvement on the GRU": the LSTM (1997)
# is the older one
_BE = r"(?:is|are|was|were)"
_MADE = r"(?:was |were )?(?:introduced|invented|proposed|developed)"
_GRU_FIRST = (
    rf"{_BE} (?:much |a bit |slightly )?(?:older|earlier)",
    rf"predates?|preceded?|came (?:first|before|earlier)|{_MADE} (?:first|before|earlier)",
)
_LSTM_LATER = (
    rf"{_BE} (?:\w+ )?(?:much |a bit |slightly )?(?:newer|more recent|later|younger)",
    rf"came (?:after|later)|{_MADE} (?:after|later than)",
    r"(?:an? )?(?:\w+ )?(?:successor|improvement|extension|upgrade|simplifi\w*|variant|version|"
    r"descendant|evolution) (?:of|on|upon|over|to)",
    r"improv(?:es?|ed|ing) (?:on |upon )?(?:the |a )?(?=grus?\b)",
    rf"{_BE} (?:based on|derived from|built on)|evolved from|simplifies",
)
_GRU_OLDER = "|".join(
    [rf"\bgrus?\b[^.]*\b(?:{claim})\b[^.]*\blstm" for claim in _GRU_FIRST]
    + [rf"\blstms?\b[^.]*\b(?:{claim})\b[^.]*\bgru" for claim in _LSTM_LATER]
    + [r"\bgrus?\b[^.]*\b(?:came|was|were) (?:first|earlier)\b"]
    # "the GRU is older (Hochreiter & Schmidhuber, 1997)": older than anything it is compared to
    + [r"\bgrus?\b (?:is|are|was|were) (?:much |a bit |slightly )?(?:the )?older\b"]
)
_INVENTED = r"(?:introduc|invent|propos|creat|develop|came up with|first describ)"
_NOT_CHO = r"(?:chung|hochreiter|schmidhuber|graves)\b"

RULES: tuple[Rule, ...] = (
    _rule(
        rf"\b{_NUMBER} (?:main |key |different |distinct |separate |types of |kinds of |"
        rf"sigmoid |learned |learnable |internal |gating |\w+ing )?gates\b",
        "a GRU has two gates: update z and reset r",
        "gates",
    ),
    _rule(
        r"\b(four|4) weight blocks\b",
        "a GRU has 3 weight blocks (r, z, n); the LSTM has 4",
        "parameter-count",
    ),
    _rule(
        r"\bgru\w* is (indeed |really |actually |basically |just |simply )?an? "
        r"(type|kind|variant|version|form) of lstm",
        "a GRU is its own gated RNN cell, not a kind of LSTM",
        "gru-vs-lstm",
    ),
    _rule(
        r"\b(an?|its|the|one|separate)( separate| internal| long-term)? (cell state|memory cell)\b"
        r"|\bhidden states? and (a |the |its )?(separate )?cell states?\b",
        "a GRU has no cell state, only h",
        "gru-vs-lstm",
        unless=r"\b(merg|combin|replac|in place of|fold)\w*",
    ),
    _rule(
        rf"\b(an?|its|the|one|has|have|uses?|using|with|own|separate|dedicated|\w+'s)\s+"
        rf"(?:separate\s+|own\s+|dedicated\s+)?{_LSTM_GATE}(?:\s*(?:,|and|or)\s+(?:an?\s+)?"
        rf"{_LSTM_GATE})*\s+gates?\b",
        "a GRU has no forget gate, no input gate and no output gate: only an update gate z and "
        "a reset gate r",
        "gates",
        unless=_ANALOGY,
    ),
    _rule(
        r"\b(?:reset|update) gates?\b[^.]*\b(?:is|are|gives?|outputs?|produces?|returns?|a)\s+"
        r"(?:just |only |simply )?(?:a |one )?(?:single )?(?:number|scalar|value)\b"
        r"(?!\s+(?:per|for each|for every|in each)\b)"
        r"|\b(?:one|a single) (?:number|scalar|value) for the (?:whole|entire) (?:layer|state)\b",
        "each gate is a vector with one entry per hidden unit (hidden_size entries, applied "
        "element-wise), not one number for the layer",
        "gates",
        unless=r"\bper (?:hidden )?unit|\beach (?:hidden )?unit|\bevery unit|\bvector|\belement",
    ),
    _rule(
        r"\bdropout\b[^.]*\b(?:to|on|after) (?:the )?(?:last|final|top|every|each|all)(?: the)? "
        r"(?:gru |recurrent )?layers?\b|\bdropout\b[^.]*\bafter (?:the )?(?:output|h_?n)\b",
        "nn.GRU's dropout applies to the outputs of every layer except the last (between "
        "stacked layers); with num_layers=1 it does nothing and PyTorch warns",
        "pytorch-usage",
        unless=r"\bexcept\b|\bbut not\b|\bother than\b|\bbetween\b|\ball but\b|\bkeras\b",
    ),
    _rule(
        r"\b(?:by default|default\w*|batch_first\s*=\s*false)\b(?:[^.]|\.(?=\S))*?"
        r"\(\s*(?:N|B|batch\w*)\s*,\s*(?:L|T|D|seq\w*|length|time\w*)\b",
        "by default (batch_first=False) nn.GRU takes input (L, N, input_size): sequence length "
        "first, then batch; only batch_first=True puts the batch first",
        "pytorch-usage",
        unless=r"\bbatch_first\s*=\s*true\b|\bkeras\b|\btensorflow\b|\bunless\b",
    ),
    _rule(
        r"\bcho\b(?:\s+et\s+al\.?)?(?:\s*\(?2014\)?)?[^.]*\b(?:compar\w*|evaluat\w*|benchmark\w*)\b"
        r"|\b(?:study|comparison|evaluation|paper)\b[^.]*\bby\s+cho\b",
        "the 2014 empirical comparison of GRUs and LSTMs is by Chung, Gulcehre, Cho and Bengio "
        "(Chung et al., 2014); Cho et al. (2014) introduced the GRU",
        "history-and-papers",
        unless=r"\bchung\b|\bintroduc\w*|\bpropos\w*",
    ),
    _rule(
        r"\bpeephole",
        "peephole connections belong to some LSTM variants, not GRUs",
        "conventions-and-pitfalls",
    ),
    _rule(
        r"\breset gate\s*\(?\s*z\b|\bupdate gate\s*\(?\s*r\b",
        "the reset gate is r and the update gate is z",
        "gates",
        negatable=False,
    ),
    _rule(
        r"\b(gates?)\b[^.]*\b(use|uses|are|is) (a |the )?tanh\b",
        "the gates use the sigmoid σ; tanh is for the candidate n",
        "gates",
    ),
    _rule(  # "the update gate uses tanh, not sigmoid": the negation is of the right fact
        r"\b(?:update|reset) gates?\b(?:\s*\(?[zr]\)?)?,?\s+(?:also\s+|only\s+)?"
        r"(?:uses?|applies|is computed with|is) (?:a |the )?tanh\b",
        "the gates use the sigmoid σ; tanh is for the candidate n",
        "gates",
        negatable=False,
    ),
    _rule(
        r"\bcandidate\b[^.]*\b(uses?|is) (a |the )?(sigmoid|σ)",
        "the candidate n uses tanh; the gates use sigmoid",
        "candidate-state",
    ),
    _rule(
        r"\breset gate\b[^.,;]*\b(how much|what|which)\b[^.,;]*\b(kept|keep|retained?|remembered|"
        r"carried|passed on|passed to the next)\b",
        "the update gate z decides how much of the old state is kept; the reset gate r "
        "decides how much of it enters the candidate n",
        "gates",
    ),
    _rule(  # seen in the REPL (session 12): "the reset gate decides how much of the new input
        # (xₜ) to enter the hidden state"; r scales hₜ₋₁, the input always enters n whole
        r"\breset gate\b[^.;]*\bhow much of the (?:new |current )?inputs?\b",
        "the reset gate r scales the old state hₜ₋₁ where it enters the candidate n; the input "
        "xₜ always enters n in full",
        "gates",
    ),
    _rule(  # seen in the REPL (session 14): "When r is 0, the update gate does not keep any
        # old state and takes all the candidate"; r ≈ 0 changes n only, z still mixes
        r"\b(?:r|reset gate)(?:ₜ|_t)?\s*(?:≈|~|=|is|goes to|near|close to|of)\s*(?:about\s*)?"
        r"0(?![.,]\d)\b[^.;]*(?:\b(?:does not|doesn't|won't|will not) keep (?:any )?(?:of )?"
        r"(?:the )?(?:old|previous|past) (?:state|memory)|\b(?:takes?|uses?) all (?:of )?the "
        r"candidate|\bkeeps? (?:no|none of the) (?:old|previous|past) (?:state|memory)|"
        r"\bh_?\{?t\}?\s*(?:=|becomes|is just)\s*(?:the candidate|n)\b)",
        "r ≈ 0 only makes the candidate n ignore hₜ₋₁; how much of the old state hₜ keeps "
        "is still decided by z: hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁",
        "reset-gate-role",
        negatable=False,
        unless=r"\b(?:z|update gate)(?:ₜ|_t)?\s*(?:≈|~|=|is|near|close to)\s*(?:about\s*)?"
        r"0(?![.,]\d)\b|(?:\bnot|n't) (?:mean|imply|make|necessarily|always)\b",
    ),
    _rule(
        r"\breset gate\b[^.]*\b(mix|mixes|blends?|interpolates?|combines the old state and)\b",
        "the update gate z blends the old state and the candidate; the reset gate r only "
        "scales the past inside the candidate n",
        "gates",
    ),
    Rule(
        "with the PyTorch/Cho convention z ≈ 1 keeps the old state hₜ₋₁ and z ≈ 0 replaces "
        "it with the candidate n; r ≈ 0 ignores the past in n, r ≈ 1 uses it fully",
        "gates",
        test=_wrong_gate_extreme,
        negatable=False,  # negations are judged inside the gate's own segment
    ),
    _rule(
        rf"\b{_INVENTED}\w*\s+(?:[\w,()]+\s+){{0,4}}?(?:by|in)\s+(?:the\s+)?(?:work of\s+)?"
        rf"{_NOT_CHO}|\b{_NOT_CHO}(?:\s+et\s+al\.?)?,?\s*(?:\(?\d{{4}}\)?,?\s*)?"
        rf"(?:\w+\s+){{0,2}}?{_INVENTED}",
        "the GRU was introduced by Cho et al. (2014); Chung et al. (2014) evaluated it "
        "against the LSTM",
        "history-and-papers",
    ),
    _rule(
        r"\bintroduced\b[^.]*\b(19\d\d|200\d|201[0-35-9])\b",
        "GRUs were introduced by Cho et al. in 2014",
        "history-and-papers",
        negatable=False,
    ),
    _rule(
        r"\bgrus?\b[^.]*\bmore (parameters|weights)\b[^.]*\blstm"
        r"|\blstms?\b[^.]*\b(fewer|less) (parameters|weights)\b[^.]*\bgru",
        "a GRU has 3/4 of the parameters of an LSTM of the same size (3 weight blocks, not 4)",
        "parameter-count",
        negatable=False,  # "an LSTM has" reads as a negation to the other rules
        unless=r"\b(no|not|never|nor)\b|n't\b",
    ),
    Rule(
        "a GRU has 3/4 of the parameters of an LSTM of the same size (3 weight blocks, not "
        "4): 25% fewer, not half, and the LSTM has 4/3 as many, not twice",
        "parameter-count",
        negatable=False,  # "an LSTM has" reads as a negation to the other rules
        test=lambda clause: bool(
            _LSTM.search(clause)
            and not re.search(r"\b(?:no|not|never|nor)\b|n't\b", clause, re.IGNORECASE)
            and re.search(_RATIO, clause, re.IGNORECASE)
            and re.search(_PARAMS, clause, re.IGNORECASE)
            and not re.search(
                r"\bbi-?directional|\bdirections?\b|\blayers?\b|\bdoubl\w* (?:the )?(?:hidden|size)"
                r"|\bhidden (?:size|units?)\b[^.]*\bdoubl|\b3/4|\b4/3|\b75 ?%|\b25 ?%"
                r"|three[- ]quarters",
                clause,
                re.IGNORECASE,
            )
        ),
    ),
    _rule(
        _GRU_OLDER,
        "the LSTM is older (Hochreiter & Schmidhuber, 1997); the GRU came later (Cho et al., "
        "2014) as a simpler gated unit motivated by the LSTM",
        "history-and-papers",
    ),
    _rule(
        r"\breset gate\b[^.]*\b(?:wipes?|wiping|erases?|erasing|clears?|clearing|zeroe?s|"
        r"zeroing|deletes?|deleting|resets?|resetting|sets?)\b(?:\s+(?:out|away|down))?\s+"
        r"(?:the |its |all |of the |entire )*(?:previous |old |past |whole |current )?"
        r"(?:hidden state|state|memory|h\b|hₜ₋₁|h_\{?t-1)(?![^.]*\bcandidate)",
        "the reset gate r only scales the old state where it enters the candidate n, "
        "r ⊙ (W_hn hₜ₋₁ + b_hn); it never erases the hidden state itself: the update gate z "
        "decides what is kept",
        "gates",
        unless=r"\bcandidate\b|\bto zero\b[^.]*\bcandidate|\bin n\b|\bfor n\b",
    ),
    _rule(
        r"\blstms?\b[^.]*\b(is|are|runs?|trains?) (a bit |much |slightly |generally )?faster\b"
        r"[^.]*\bgrus?\b",
        "a GRU is a bit faster than an LSTM of the same size: 3 weight blocks instead of 4",
        "gru-vs-lstm",
        unless=r"\bconverg\w*|\bsome\b|\bcan\b|\bmay\b|\bmight\b|\bsometimes\b",
    ),
    _rule(
        r"\bpytorch\b[^.]*\b(before|prior to)\b[^.]*\b(product|multipl\w*|matrix|w_hn)",
        "PyTorch applies r after the recurrent product, r ⊙ (W_hn hₜ₋₁ + b_hn); Cho et al. "
        "apply it before",
        "candidate-state",
    ),
    _rule(
        r"\bclip\w*\b[^.]*\bvanish",
        "gradient clipping caps exploding gradients; it does not help vanishing gradients",
        "training-problems",
    ),
    Rule(
        "a GRU does not stop exploding gradients: clip the gradient norm "
        "(torch.nn.utils.clip_grad_norm_) or lower the learning rate",
        "training-problems",
        re.compile(
            r"\b(prevent|stop|solv|eliminat|avoid|fix|cur|immune|protect)\w*\b[^.]*\bexplo(d|sion)",
            re.IGNORECASE,
        ),
        unless=re.compile(r"\bclip|\bnorm\b|learning rate", re.IGNORECASE),
        pronoun_means=re.compile(r"\bclip", re.IGNORECASE),
    ),
    _rule(
        rf"\b(eliminat|remov|solv|get rid of|gets rid of|cur|prevent|avoid|overcom)\w*\b"
        rf"[^.]*\b{_VANISHING}|"
        rf"\b{_VANISHING} (is|are) (completely |fully |entirely )?(eliminated|solved|removed|gone)"
        rf"|\b(immune|free) (to|from) (the )?{_VANISHING}",
        "GRUs reduce vanishing gradients through the additive gated update, but do not "
        "eliminate them",
        "vanishing-gradients",
        unless=_HEDGES,
    ),
    _rule(
        rf"\b(do not|don't|does not|doesn't|never|cannot|can't) (suffer|have|experience|face|"
        rf"get)\b[^.]*\b{_VANISHING}|\bno (more )?{_VANISHING}",
        "GRUs reduce vanishing gradients through the additive gated update, but do not "
        "eliminate them",
        "vanishing-gradients",
        negatable=False,
        unless=_HEDGES,
    ),
)
