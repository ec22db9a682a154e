"""How many more parameters one recurrent layer has than another (an LSTM against a GRU).

A learner asks "how many more parameters does an LSTM have than a GRU of the same size?";
the models answer "twice as many" or an LSTM count for the GRU. Each layer's count is a
sum a·H·I + b·H·H + c·H (per direction), so the difference and the ratio follow exactly,
with numbers when the question gives the sizes and as a formula when it does not. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from gruchat.tutor.compute import Computed, RNNSpec, bias_count, layer_counts, parameter_count
from gruchat.tutor.compute_keras import KerasSpec, keras_bias_count, keras_parameter_count

Spec = RNNSpec | KerasSpec


@dataclass(frozen=True)
class CountForm:
    """A single-layer count as D·(a·H·I + b·H·H + c·H): a = b = blocks, c = bias vectors."""

    label: str  # "an LSTM", "a Keras GRU"
    a: int
    b: int
    c: int

    def polynomial(self) -> str:
        return _polynomial(self.a, self.b, self.c)


def _term(coefficient: int, symbol: str) -> str:
    return symbol if coefficient == 1 else f"{coefficient}·{symbol}"


def _polynomial(a: int, b: int, c: int) -> str:
    """ "4·H·I + 4·H·H + 8·H", signs included, zero terms left out."""
    parts: list[str] = []
    for coefficient, symbol in ((a, "H·I"), (b, "H·H"), (c, "H")):
        if coefficient == 0:
            continue
        term = _term(abs(coefficient), symbol)
        signs = ("− ", "+ ") if parts else ("−", "")
        parts.append(signs[0 if coefficient < 0 else 1] + term)
    return " ".join(parts) or "0"


def form_of(spec: Spec) -> CountForm:
    """The count's coefficients for one layer in one direction."""
    if isinstance(spec, KerasSpec):
        g = spec.blocks
        return CountForm(f"a Keras {spec.kind}", g, g, g * spec.biases_per_block)
    g = spec.gates
    article = "an" if spec.kind in ("RNN", "LSTM") else "a"
    return CountForm(f"{article} {spec.kind}", g, g, 2 * g if spec.bias else 0)


def count_of(spec: Spec) -> int:
    return keras_parameter_count(spec) if isinstance(spec, KerasSpec) else parameter_count(spec)


def biases_of(spec: Spec) -> int:
    return keras_bias_count(spec) if isinstance(spec, KerasSpec) else bias_count(spec)


def _formula_of(spec: Spec) -> str:
    if isinstance(spec, KerasSpec):
        from gruchat.tutor.compute_keras import keras_parameters

        return keras_parameters(spec).formula.rsplit(" = ", 1)[0]
    terms = [c.formula for c in layer_counts(spec)]
    body = " + ".join(f"[{t}]" for t in terms) if len(terms) > 1 else terms[0]
    return f"2·[{body}]" if spec.bidirectional else body


def _ratio(first: int, second: int) -> str:
    """ "1.33 times as many; 1,920 is 75% of 2,560" (the smaller as a share of the larger),
    and for a first layer that is the smaller, how many times bigger the second is."""
    low, high = sorted((first, second))
    share = f"{low:,} is {100 * low / high:.0f}% of {high:,}"
    if first >= second:
        return f"{first / second:.2f} times as many; {share}"
    bigger = f"{high:,} is {high / low:.2f} times {low:,}"
    return f"{first / second:.2f} times as many; {bigger}; {share}"


def compare_counts(first: Spec, second: Spec) -> Computed:
    """``first``'s count minus ``second``'s, both worked out, as a computed block."""
    a, b = count_of(first), count_of(second)
    difference = a - b
    more = "more" if difference >= 0 else "fewer"
    title = f"{first.name} vs {second.name}: trainable parameters"
    formula = f"{a:,} − {b:,} = {difference:,}"
    if difference < 0:  # the larger first: "2,560 − 1,920 = 640 fewer", not "= −640"
        formula = f"{b:,} − {a:,} = {-difference:,} fewer in {first.name}"
    biases = biases_of(first), biases_of(second)
    lines = (
        f"{first.name}: {_formula_of(first)} = {a:,}",
        f"{second.name}: {_formula_of(second)} = {b:,}",
        f"ratio: {_ratio(a, b)}",
    ) + (
        (f"of which biases: {biases[0]:,} vs {biases[1]:,}, a difference of "
         f"{abs(biases[0] - biases[1]):,}",) if any(biases) else ()
    )  # fmt: skip
    fa, fb = form_of(first), form_of(second)
    explanation = (
        f"per direction {fa.label} has {fa.polynomial()} and {fb.label} {fb.polynomial()} "
        f"parameters (H hidden units, I inputs), so the difference is "
        f"{_polynomial(fa.a - fb.a, fa.b - fb.b, fa.c - fb.c)} per direction."
    )
    fact = (
        f"Computed exactly: {first.name} has {abs(difference):,} {more} trainable parameters "
        f"than {second.name} ({a:,} vs {b:,}), {a / b:.2f} times as many."
    )
    return Computed(title, abs(difference), formula, lines, explanation, fact, first,
                    also=(a, b, *biases, abs(biases[0] - biases[1])))  # fmt: skip


def count_table(specs: list[Spec], same_sizes: bool = True) -> Computed:
    """Layers side by side ("nn.RNN(8, 8), nn.GRU(8, 8) and nn.LSTM(8, 8): how many
    parameters each?"): every count worked out, in the order named.

    ``same_sizes`` False: layers written out with sizes of their own ("nn.GRU(32, 32) vs
    nn.GRU(32, 64): params each?"), each counted from its own arguments; two of them get
    the ratio line too."""
    counts = [count_of(spec) for spec in specs]
    title = " vs ".join(spec.name for spec in specs) + ": trainable parameters"
    pairs = list(zip(specs, counts, strict=True))
    formula = " · ".join(f"{spec.name}: {count:,}" for spec, count in pairs)
    lines = tuple(f"{spec.name}: {_formula_of(spec)} = {count:,}" for spec, count in pairs)
    forms = list({form.label: form for form in map(form_of, specs)}.values())
    if same_sizes:
        explanation = (
            "The same sizes in each, so the counts go with the number of weight blocks: "
            + ", ".join(f"{form.label} {form.a}" for form in forms)
            + " (each an H×I input matrix, an H×H recurrent matrix and its biases)."
        )
    else:
        explanation = (
            "Each layer is counted from its own arguments; per layer and direction "
            + ", ".join(f"{form.label} has {form.polynomial()}" for form in forms)
            + " parameters (H hidden units, I inputs to that layer)."
        )
    listed = ", ".join(f"{spec.name} {count:,}" for spec, count in pairs)
    fact = f"Computed exactly, trainable parameters: {listed}."
    if len(specs) == 2 and not same_sizes and all(counts):
        (small, low), (big, high) = sorted(pairs, key=lambda pair: pair[1])
        if low == high:
            times, line = "both have the same count", "ratio: the same count, 1 to 1"
        else:
            times = f"{big.name} has {high / low:.2f} times as many as {small.name}"
            line = f"ratio: {times} ({high:,} / {low:,}), {high - low:,} more"
        lines += (line,)
        fact = f"{fact[:-1]}; {times}."
    return Computed(title, None, formula, lines, explanation, fact, specs[0], also=tuple(counts))


def compare_biases(first: Spec, second: Spec) -> Computed:
    """The two layers' bias counts first ("how many biases in nn.LSTM(10, 20) vs
    nn.GRU(10, 20)?"), each layer's whole count under them."""
    block = compare_counts(first, second)
    (ba, bb), (a, b) = (biases_of(first), biases_of(second)), (count_of(first), count_of(second))
    difference = ba - bb
    more = "more" if difference >= 0 else "fewer"
    formula = f"{ba:,} − {bb:,} = {difference:,}".replace("= -", "= −")
    lines = tuple(
        f"{spec.name}: {bias:,} bias parameters, of {_formula_of(spec)} = {count:,} in all"
        for spec, bias, count in ((first, ba, a), (second, bb, b))
    )
    fact = (
        f"Computed exactly: {first.name} has {ba:,} bias parameters and {second.name} {bb:,}, "
        f"{abs(difference):,} {more}; in all they have {a:,} and {b:,} trainable parameters."
    )
    title = block.title.replace("trainable parameters", "bias parameters")
    return Computed(title, abs(difference), formula, lines, block.explanation, fact, first,
                    also=(ba, bb, a, b, abs(a - b)))  # fmt: skip


def compare_forms(first: CountForm, second: CountForm) -> Computed:
    """The difference of two counts of the same size with no sizes given: as a formula."""
    a, b, c = first.a - second.a, first.b - second.b, first.c - second.c
    sign = 1 if a > 0 or (a == 0 and c >= 0) else -1  # "H·I + … fewer", not "−H·I … more"
    more = "more" if sign > 0 else "fewer"
    difference = _polynomial(sign * a, sign * b, sign * c)
    title = f"{first.label} vs {second.label} of the same size: trainable parameters"
    formula = f"({first.polynomial()}) − ({second.polynomial()}) = {_polynomial(a, b, c)}"
    lines = []
    proportional = first.a * second.c == second.a * first.c and second.a
    if proportional:
        ratio = Fraction(first.a, second.a)
        fewer = 100 * (1 - 1 / ratio)
        lines.append(
            f"{first.label} has {ratio} times as many; {second.label} has {1 / ratio} as many "
            f"({float(abs(fewer)):.0f}% {'fewer' if fewer > 0 else 'more'})"
        )
    example = (10, 20)
    values = [f.a * example[1] * example[0] + f.b * example[1] ** 2 + f.c * example[1]
              for f in (first, second)]  # fmt: skip
    lines.append(
        f"for I = {example[0]}, H = {example[1]}: {values[0]:,} − {values[1]:,} = "
        f"{values[0] - values[1]:,}".replace("-", "−")
    )
    explanation = (
        "H is the hidden size, I the input size; each weight block has an H×I input matrix, "
        "an H×H recurrent matrix and its bias vectors of size H; a bidirectional layer "
        "doubles both counts and the difference."
    )
    fact = (
        f"Computed exactly: {first.label} has {difference} parameters {more} than "
        f"{second.label} of the same size (H hidden, I input)"
        + (f", {Fraction(first.a, second.a)} times as many" if proportional else "")
        + "; "
        + lines[-1]
        + "."
    )
    return Computed(title, None, formula, tuple(lines), explanation, fact, None)


def bias_block(block: Computed) -> Computed:
    """A layer's count block turned to answer "how many biases?": the bias count first,
    the total it is part of under it."""
    spec = block.spec
    if spec is None or isinstance(block.value, tuple) or block.value is None:
        return block
    biases = biases_of(spec)
    line = next((x for x in block.lines if x.startswith("of which biases: ")), "")
    worked = line.removeprefix("of which biases: ").partition(";")[0] or f"{biases:,}"
    formula = worked if worked.endswith(f"{biases:,}") else f"{worked} = {biases:,}"
    lines = (f"of {block.value:,} trainable parameters in all: {block.formula}",
             *(x for x in block.lines if x is not line))  # fmt: skip
    title = block.title.replace("trainable parameters", "bias parameters")
    what = f"{biases:,} bias parameters" if biases else "no bias parameters (bias is off)"
    fact = f"Computed exactly: {spec.name} has {what}, of {block.value:,} trainable parameters."
    return Computed(title, biases, formula, lines, block.explanation, fact, spec,
                    also=(block.value, *block.also))  # fmt: skip
