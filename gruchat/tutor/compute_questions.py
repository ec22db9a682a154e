"""Recognising questions that have a computed answer: parameter counts and tensor shapes.

Conservative on purpose: a wrong "computed" answer is worse than none, so anything
unclear (no sizes, two kinds of layer that are not compared, frameworks other than PyTorch
and Keras, constructor arguments, two intents, values that disagree) gives None and the
normal grounded path answers. Keras layers and comparisons ("how many more parameters
does an LSTM have than a GRU?") are recognised in ``compute_keras_questions``; what the
question says about a PyTorch layer (code or words) is read in ``layer_spec``; this module
decides what is asked (a count, a shape, a first dimension, a comparison). Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from gruchat.tutor.compute import (
    Computed,
    parameters,
)
from gruchat.tutor.compute_activation import activation_question
from gruchat.tutor.compute_budget import budget_question
from gruchat.tutor.compute_change import change_question
from gruchat.tutor.compute_compare import bias_block, count_table
from gruchat.tutor.compute_cost import cost_question
from gruchat.tutor.compute_keras_questions import (
    COMPARES,
    KERAS,
    comparison_question,
    keras_question,
    kinds_in_order,
)
from gruchat.tutor.compute_layout import layout_question
from gruchat.tutor.compute_match import match_question
from gruchat.tutor.compute_mix import mix_question
from gruchat.tutor.compute_model import composite, model_count
from gruchat.tutor.compute_nonlinear import nonlinear_question
from gruchat.tutor.compute_packed import packed_question
from gruchat.tutor.compute_shape_questions import (
    asked_tensor,
    shape_question,
    state_first_dim,
)
from gruchat.tutor.compute_states import states_question
from gruchat.tutor.compute_training import training_question
from gruchat.tutor.compute_uniform import uniform_question
from gruchat.tutor.compute_unrolled import unrolled_question
from gruchat.tutor.layer_spec import (
    BIAS,
    CODE,
    KIND,
    LAYERS,
    Found,
    Unclear,
    from_code,
    from_words,
    spec_of,
)

_I = re.IGNORECASE
_OTHER_FRAMEWORKS = re.compile(r"\b(?:jax|flax|mxnet|paddle)\b", _I)


# -- what is asked -----------------------------------------------------------------------------
_PARAM_NOUN = re.compile(r"\b(?:param(?:eter)?s?|weights|weight (?=count|total|number))\b", _I)
_COUNT = re.compile(r"\b(?:how many|number of|count|total|trainable|learnable)\b", _I)
# "how many biases does nn.GRU(10, 20) have?": the bias count first (compute_compare.bias_block)
_BIASES_ASKED = re.compile(
    r"\b(?:how many|number of|count of|total)\b[^?.]{0,40}?\bbias(?:es| terms?| parameters?"
    r"| params| values?| entries| numbers?| vectors?)\b",
    _I,
)
_ENDS_WITH_PARAMS = re.compile(
    r"\bparam(?:eter)?s\s*[?.!]*\s*$|^(?:the\s+)?param(?:eter)?s\s+(?:of|in|for)\b", _I
)
# "how big is nn.GRU(4, 4)?", "nn.LSTM(2, 3) against nn.GRU(2, 3), what do they come to?":
# asked of a layer written out as code, its size is its parameter count
# ("how big should hidden_size be …?" asks for advice, not a size)
_SIZE_ASK = re.compile(
    r"\bhow (?:big|large)\b(?!\s+(?:a |an |the |my )?(?:\w+\s+)?(?:should|must|can|do|does|to)\b)"
    r"|\bcomes? to\b|\badds? up to\b|\bclosed[- ]form\b",
    _I,
)
# ("takes 40 features" says what goes in, not that the arguments are asked for)
_ARGUMENTS = re.compile(
    r"\b(?:arguments?|args|constructor|(?:accepts?|takes?|pass(?:ed)?)(?!\s+(?:in\s+)?\d))\b",
    _I,
)
# "what's the size of weight_hh_l0 …?", "weight_ih_l0's dimensions": a tensor's shape
_SHAPE = re.compile(
    r"\bshapes?\b|\b(?:size|dimensions?|dims)\s+of\s+(?:the\s+)?(?:weight|bias)_\w+"
    r"|\b(?:weight|bias)_\w+(?:'s)?\s+(?:size|dimensions?|dims)\b",
    _I,
)
# "how much bigger is the GRU than SimpleRNN(12), exactly 3x?": a layer's size is its count
_BIGGER = re.compile(
    r"\bhow much (?:bigger|larger|smaller)\b|\b(?:bigger|larger|smaller) than\b"
    r"|\b\d+(?:\.\d+)?\s*x\b|\btimes (?:bigger|larger|as (?:big|large))\b"
    # "is the gru exactly 3/4 of the lstm?", "what fraction of the LSTM's size …"
    r"|\b\d+\s*/\s*\d+\s+(?:of|the size of)\s+(?:the\s+|an?\s+)?(?:lstm|gru|rnn|size|param)"
    r"|\b(?:ratio|fraction|percent(?:age)?)\s+of\s+(?:the\s+)?(?:\w+['’]s\s+)?"
    r"(?:size|param(?:eter)?s?|weights|count)\b",
    _I,
)


# "input is 32 x 100 x 20": a tensor's shape as the recognisers read it, (32, 100, 20)
_AS_TUPLE = re.compile(r"\b(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)\b", _I)


# "nn.GRU(H, H) … whats it for H = 100": a size named by a letter, given a value
_SYMBOL = re.compile(r"^[A-Za-z]\w{0,2}$")
_TENSORS = {"x", "h", "h0", "hx", "c0", "inp", "out"}  # a lowercase name is a tensor


def _symbols_given(text: str) -> str:
    """Constructor calls with letter arguments ("nn.GRU(I, H)") get the values the text
    gives them ("for H = 100", "I=10 and H=20"); unchanged when a letter has none or two."""

    def given(match: re.Match[str]) -> str:
        if not match.group(1).isupper():  # "gru(x, h0)" is a forward call on tensors
            return match.group(0)
        parts = [part.strip() for part in match.group(3).split(",")]
        rest = text[: match.start()] + text[match.end() :]
        for index, part in enumerate(parts):
            name, _eq, value = part.rpartition("=") if "=" in part else ("", "", part)
            value = value.strip()
            if not _SYMBOL.match(value) or value.lower() in ("true", "false") or value in _TENSORS:
                continue
            said = re.findall(rf"\b{re.escape(value)}\s*=\s*([^\s,;?!]+(?:\s*[-+*/^×]\S*)?)", rest)
            values = {v.rstrip(".:)") for v in said}
            if len(values) != 1 or not values <= {v for v in values if v.isdigit()}:
                return match.group(0)  # none, two, or not a plain whole number ("2 * 64")
            parts[index] = f"{name}={values.pop()}" if name else values.pop()
        head = match.group(0)[: match.start(3) - match.start()]
        return f"{head}{', '.join(parts)})"

    return CODE.sub(given, text)


def compute_question(question: str) -> Computed | None:
    """The computed answer to a parameter-count or shape question, or None if it is not one."""
    text = _AS_TUPLE.sub(r"(\1, \2, \3)", " ".join(question.split()))
    text = _symbols_given(text)
    if not text or _OTHER_FRAMEWORKS.search(text):
        return None
    if (states := states_question(text)) is not None:
        return states
    if (budget := budget_question(text)) is not None:
        return budget
    if (nonlinear := nonlinear_question(text)) is not None:
        return nonlinear
    if (unrolled := unrolled_question(text)) is not None:
        return unrolled
    if (mixed := mix_question(text)) is not None:
        return mixed
    if (stepped := uniform_question(text)) is not None:
        return stepped
    if (packed := packed_question(text)) is not None:
        return packed
    if (activation := activation_question(text)) is not None:
        return activation
    if (matched := match_question(text)) is not None:
        return matched
    whole = composite(text)  # a whole model: these would price its recurrent layer alone
    if not whole and (layout := layout_question(text)) is not None:
        return layout
    if not whole and (cost := cost_question(text)) is not None:
        return cost
    if not whole and (change := change_question(text)) is not None:
        return change
    if (training := training_question(text)) is not None:
        return training
    biases = bool(_BIASES_ASKED.search(text))
    coded = CODE.search(text) is not None
    wants_count = (
        biases
        or (
            bool(_PARAM_NOUN.search(text))
            and bool(_COUNT.search(text) or _ENDS_WITH_PARAMS.search(text))
        )
        or (coded and bool(_SIZE_ASK.search(text)))
    )
    wants_shape = bool(_SHAPE.search(text))
    if composite(text):  # a whole model: its total, or nothing rather than one part alone
        return model_count(text) if wants_count and not wants_shape else None
    if not wants_shape and (first_dim := state_first_dim(text)) is not None:
        return first_dim
    named = len(kinds_in_order(CODE.sub(_code_kind, text)))
    counted = biases or _PARAM_NOUN.search(text) or _BIGGER.search(text) or wants_count
    compared = named == 3 or (named == 2 and (COMPARES.search(text) or wants_count))
    # "how many more …", "why do GRUs have fewer weights …", three kinds side by side
    if compared and not wants_shape and counted and (found := _comparison(text, biases)):
        return found
    if not wants_shape and counted and not biases and (each := _each_coded(text)) is not None:
        return each
    if wants_count == wants_shape:  # neither, or both at once
        return None
    if wants_count and _ARGUMENTS.search(text):
        return None  # "which parameters does nn.GRU take?" means its arguments
    if KERAS.search(text):
        found = keras_question(text, wants_count, wants_shape)
        return bias_block(found) if biases and found is not None else found
    try:
        spec = spec_of(
            text, input_optional=wants_shape and asked_tensor(text) in ("h_n", "c_n", "output")
        )
        if wants_count:
            return bias_block(parameters(spec)) if biases else parameters(spec)
        return shape_question(text, spec)
    except Unclear:
        return None


def _each_coded(text: str) -> Computed | None:
    """Two or more layers written out as code, each counted from its own arguments
    ("nn.LSTM(40, 30, num_layers=2) vs nn.GRU(40, 30): params each?", "nn.GRU(32, 32) or
    nn.GRU(32, 64)?"); None when the words around them set anything, since it is then
    unclear which layer they are said of."""
    codes = list(CODE.finditer(text))
    if len(codes) < 2:
        return None
    try:
        words = from_words(KIND.sub(" ", CODE.sub(" ", text)))
        specs = [spec_of(code.group(0)) for code in codes]
    except Unclear:
        return None
    said = (words.input_size, words.hidden_size, words.num_layers, words.bidirectional)
    if any(value is not None for value in said) or words.bias is False:
        return None
    if len(set(specs)) < len(specs):
        return None  # the same layer twice: not a side-by-side
    return count_table(specs, same_sizes=False)


def _code_kind(match: re.Match[str]) -> str:
    """A constructor call reduced to its layer's name, for counting the kinds named."""
    return f" {match.group(1)} "


def _comparison(text: str, biases: bool = False) -> Computed | None:
    """Two layers' counts compared, with the sizes the question gives (both the same)."""
    try:
        codes = [from_code(m) for m in CODE.finditer(text)]
        rest = CODE.sub(" ", text)
        words = from_words(KIND.sub(" ", rest))
        sizes = {(c.input_size, c.hidden_size) for c in codes}
        sizes.add((words.input_size, words.hidden_size)) if not codes else None
        settings = _shared_settings(codes, words, rest)
        if len(sizes) != 1 or settings is None:
            return None  # layers of different sizes or set up differently: not compared
        return comparison_question(text, sizes.pop(), settings, biases=biases)
    except Unclear:
        return None


_BOTH = re.compile(r"\b(?:both|each)\b", _I)
_SHARED = {"num_layers": 1, "bidirectional": False, "bias": True}  # with torch's defaults


_SAID_OF_EACH = {
    "num_layers": LAYERS,
    "bidirectional": (re.compile(r"\bbi-?directional\b", _I),),
    "bias": (re.compile(rf"\b(?:no|without)\s+{BIAS}\b|\bbias\s*=\s*False\b", _I),),
}


def _shared_settings(codes: list[Found], words: Found, text: str) -> dict[str, Any] | None:
    """The layer settings both compared layers have; None when they are set up differently.

    What the words say holds for each layer whose code does not say it, when they say it
    of each ("bidirectional nn.LSTM(40, 30) vs bidirectional nn.GRU(40, 30)"; "a 2-layer
    GRU compared with an LSTM" is unclear); a layer that says nothing has torch's
    default. Only settings that differ from the defaults are returned."""
    settings: dict[str, Any] = {}
    for name, default in _SHARED.items():
        said = getattr(words, name)
        times = sum(len(p.findall(text)) for p in _SAID_OF_EACH[name])
        if said not in (None, default) and times < 2 and not _BOTH.search(text):
            return None
        values = {getattr(code, name) for code in codes} if codes else {None}
        values = {said if value is None else value for value in values}
        values = {default if value is None else value for value in values}
        if len(values) > 1:
            return None
        value = values.pop()
        if value != default:
            settings[name] = value
    return settings
