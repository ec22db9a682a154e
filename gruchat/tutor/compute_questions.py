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
from dataclasses import replace
from typing import Any

from gruchat.tutor.compute import (
    Computed,
    RNNSpec,
    parameters,
    shape_text,
    tensor_shapes,
    weight_shape,
)
from gruchat.tutor.compute_activation import activation_question
from gruchat.tutor.compute_budget import budget_question
from gruchat.tutor.compute_compare import bias_block, count_table
from gruchat.tutor.compute_keras_questions import (
    COMPARES,
    KERAS,
    comparison_question,
    keras_question,
    kinds_in_order,
)
from gruchat.tutor.compute_match import match_question
from gruchat.tutor.compute_mix import mix_question
from gruchat.tutor.compute_model import composite, model_count
from gruchat.tutor.compute_nonlinear import nonlinear_question
from gruchat.tutor.compute_packed import packed_question
from gruchat.tutor.compute_states import states_question
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
    merge,
    one_value,
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
    r"|\bcomes? to\b|\badds? up to\b",
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
    r"|\b\d+(?:\.\d+)?\s*x\b|\btimes (?:bigger|larger|as (?:big|large))\b",
    _I,
)
_TARGETS = {
    "h_n": r"h_?n|final hidden state|last hidden state|hidden state",
    "c_n": r"c_?n|cell state",
    "output": r"outputs?",
    "input": r"input|x",
}
_TARGET_NEAR_SHAPE = re.compile(
    r"shapes?\s+of\s+(?:the\s+)?(?:returned\s+)?(" + "|".join(_TARGETS.values()) + r")\b"
    r"|\b(" + "|".join(_TARGETS.values()) + r")(?:'s)?\s+(?:tensor\s+)?shapes?\b",
    _I,
)
_STATE_NAME = re.compile(r"\b([hc])_?n\b", _I)
_BATCH = (
    re.compile(r"\bbatch(?:[ _-]?size)?\s*(?:of|=|:|is)?\s*(\d+)\b", _I),
    re.compile(r"\b(\d+)\s+(?:sequences|samples|examples)\b", _I),
    re.compile(r"\bN\s*=\s*(\d+)\b"),
)  # fmt: skip
_LENGTH = (
    re.compile(r"\b(?:sequence|seq)[ _-]?(?:length|len)\s*(?:of|=|:|is)?\s*(\d+)\b", _I),
    re.compile(r"\blength\s*(?:of|=|:|is)?\s*(\d+)\b", _I),
    re.compile(r"\b(\d+)\s+(?:time[ -]?steps|steps|tokens)\b", _I),
    re.compile(r"\b[LT]\s*=\s*(\d+)\b"),
)  # fmt: skip
# "with an input of (5, 9, 6)", "x = torch.randn(9, 5, 6)": the input tensor's own shape
_INPUT_SHAPE = re.compile(
    r"\b(?:inputs?|x|xs|sequences?|batch|randn|rand|zeros|ones|tensor)\b(?:\s+(?:of|with|has|is|"
    r"shaped|shape|size|dims?|=|:)){0,3}\s*(?:\(|\[)\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*(\d+)\s*)?"
    r"(?:\)|\])",
    _I,
)
_UNBATCHED = re.compile(
    r"\bunbatched\b|\bno batch(?: dim(?:ension)?)?\b|\bwithout (?:a )?batch\b", _I
)


def _target(text: str) -> str | None:
    names = set()
    for match in _TARGET_NEAR_SHAPE.finditer(text):
        said = (match.group(1) or match.group(2)).lower()
        names |= {name for name, pattern in _TARGETS.items() if re.fullmatch(pattern, said, _I)}
    if not names:  # "what shape does … give h_n": the state's name alone is clear enough
        names = {f"{m.group(1).lower()}_n" for m in _STATE_NAME.finditer(text)}
    return names.pop() if len(names) == 1 else None


_WEIGHT_NAME = re.compile(r"\b((?:weight|bias)_(?:ih|hh)_l\d+(?:_reverse)?)\b", _I)


def _input_shape(body: str, spec: RNNSpec) -> tuple[int | None, int | None, bool] | None:
    """(batch, length, unbatched) read from the input tensor's shape in the question; None
    when it gives none. A shape whose last size is not the input size would make torch
    raise, so it makes the question unclear rather than computed."""
    found = {tuple(int(d) for d in m.groups() if d) for m in _INPUT_SHAPE.finditer(body)}
    if not found:
        return None
    if len(found) > 1:
        raise Unclear
    dims = found.pop()
    if spec.input_size and dims[-1] != spec.input_size:
        raise Unclear
    if spec.cell:  # one step: (N, H_in), or (H_in,) unbatched, which no pair can say
        if len(dims) != 2:
            raise Unclear
        return dims[0], None, False
    if len(dims) == 2:
        return None, dims[0], True
    first, second = dims[0], dims[1]
    return (first, second, False) if spec.batch_first else (second, first, False)


def _shape_question(text: str, spec: RNNSpec) -> Computed:
    weights = list(dict.fromkeys(m.group(1).lower() for m in _WEIGHT_NAME.finditer(text)))
    if len(weights) > 2:
        raise Unclear
    if weights:
        try:
            blocks = [weight_shape(spec, name) for name in weights]
        except ValueError:
            raise Unclear from None
        return blocks[0] if len(blocks) == 1 else _two_weights(*blocks)
    body = CODE.sub(" ", text)  # the constructor's numbers are sizes, not L or N
    batch, length = one_value(_BATCH, body), one_value(_LENGTH, body)
    unbatched = bool(_UNBATCHED.search(body))
    given = _input_shape(body, spec)
    if given is not None:
        said = (batch, length, unbatched)
        batch, length, unbatched = given
        if said[0] not in (None, batch) or said[1] not in (None, length) or said[2] > unbatched:
            raise Unclear  # the sizes in words and the tensor's shape disagree
    if unbatched and batch is not None:
        raise Unclear
    target = _target(text)
    if target == "c_n" and spec.kind != "LSTM":
        raise Unclear  # a GRU has no cell state: the notes answer that
    if spec.cell and target in ("h_n", "c_n", "output"):
        target = "c'" if target == "c_n" else "h'"
    return tensor_shapes(spec, length, batch, unbatched, target)


def _two_weights(first: Computed, second: Computed) -> Computed:
    """ "what shape is weight_ih_l2, and is it different from weight_ih_l0?": both shapes,
    the first's block with the second's formula and whether the two differ under it."""
    a, b = (shape_text(v) if isinstance(v, tuple) else str(v) for v in (first.value, second.value))
    same = "the same shape" if a == b else "different shapes"
    verdict = f"{first.tensor} {a} and {second.tensor} {b}: {same}"
    name = first.spec.name if first.spec is not None else "the layer"
    fact = (
        f"Computed exactly: in {name}, {first.tensor} has shape {a} and {second.tensor} has "
        f"shape {b}: {same}."
    )
    shape = second.value if isinstance(second.value, tuple) else ()
    return replace(
        first,
        title=f"{first.title.removesuffix(' shape')} and {second.tensor} shapes",
        lines=(second.formula, verdict, *first.lines),
        fact=fact,
        more_shapes=((second.tensor, shape), *first.more_shapes),
    )


# "what is the first dimension of h_n?", "h_n.size(0)": D·num_layers, without any sizes
_FIRST_DIM = re.compile(
    r"\b(?:first|leading|0th|zeroth|outer(?:most)?)\s+(?:dim(?:ension)?|axis|size|entry)\b"
    r"|\bdim(?:ension)?\s*0\b|\.size\(\s*0\s*\)|\.shape\[\s*0\s*\]",
    _I,
)


def _state_first_dim(text: str) -> Computed | None:
    """h_n's (or c_n's) first dimension, D·num_layers, when the question asks for it alone."""
    if not _FIRST_DIM.search(text) or _target(text) not in ("h_n", "c_n"):
        return None
    codes = list(CODE.finditer(text))
    if len(codes) > 1:
        return None
    try:  # "nn.GRU(10, 20, foo=3)", "a 2-layer or 3-layer GRU": unclear, not computed
        if codes:
            found = merge(from_code(codes[0]), from_words(CODE.sub(" ", text)))
        else:
            found = from_words(text)
    except Unclear:
        return None
    if found.cell:
        return None
    kind = found.kind or "GRU"
    if _target(text) == "c_n" and kind != "LSTM":
        return None
    layers, directions = found.num_layers or 1, 2 if found.bidirectional else 1
    first = layers * directions
    name = "c_n" if _target(text) == "c_n" else "h_n"
    args = [f"num_layers={layers}"] + (["bidirectional=True"] if directions == 2 else [])
    module = f"nn.{kind}({', '.join(args)})"
    formula = f"{name}: (D·num_layers, N, H_out) = ({first}, N, H_out)"
    working = f"first dimension: D·num_layers = {directions}·{layers} = {first}"
    explanation = (
        f"D = {directions} ({'bidirectional' if directions == 2 else 'one direction'}); "
        f"{name} holds one final state per layer and direction, ordered layer by layer "
        "(forward then backward within a layer); batch_first does not change its layout."
    )
    fact = (
        f"Computed exactly: for {module}, {name} has shape ({first}, N, H_out): its first "
        f"dimension is D·num_layers = {directions}·{layers} = {first}."
    )
    title = f"{module}: the first dimension of {name}"
    return Computed(title, (first, "N", "H_out"), formula, (working,), explanation, fact, None,
                    tensor=name)  # fmt: skip


# "input is 32 x 100 x 20": a tensor's shape as the recognisers read it, (32, 100, 20)
_AS_TUPLE = re.compile(r"\b(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)\b", _I)


def compute_question(question: str) -> Computed | None:
    """The computed answer to a parameter-count or shape question, or None if it is not one."""
    text = _AS_TUPLE.sub(r"(\1, \2, \3)", " ".join(question.split()))
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
    if not wants_shape and (first_dim := _state_first_dim(text)) is not None:
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
            text, input_optional=wants_shape and _target(text) in ("h_n", "c_n", "output")
        )
        if wants_count:
            return bias_block(parameters(spec)) if biases else parameters(spec)
        return _shape_question(text, spec)
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
