"""Exact answers for what can be computed: parameter counts and tensor shapes of PyTorch RNNs.

The 135M model gets this arithmetic wrong (it says nn.GRU(10, 20) has 2,560 parameters,
the LSTM's count), so the numbers are computed here, shown as a block with their formula,
and handed to the model so its words agree. Pure: no I/O and no torch; the tests check
every formula against torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gruchat.tutor.compute_keras import KerasSpec

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}  # weight blocks per layer: h / r,z,n / i,f,g,o
KINDS = tuple(GATES)

Dim = int | str  # a size, or a symbol ("L", "N") the question did not give
Shape = tuple[Dim, ...]


@dataclass(frozen=True)
class RNNSpec:
    """What torch.nn.{RNN,GRU,LSTM} or their Cell variants were built with."""

    kind: str  # "RNN" | "GRU" | "LSTM"
    input_size: int  # 0: not given, which only a shape question of h_n or the output allows
    hidden_size: int
    num_layers: int = 1
    bias: bool = True
    bidirectional: bool = False
    batch_first: bool = False
    proj_size: int = 0  # LSTM only: h is projected down to this size
    cell: bool = False  # nn.GRUCell & co.: one step, one layer, one direction

    def __post_init__(self) -> None:
        if self.kind not in GATES:
            raise ValueError(f"unknown recurrent layer {self.kind!r}")
        if min(self.hidden_size, self.num_layers) < 1 or self.input_size < 0 or self.proj_size < 0:
            raise ValueError("sizes and the number of layers must be positive")
        if self.proj_size and (self.kind != "LSTM" or self.proj_size >= self.hidden_size):
            raise ValueError("proj_size needs an LSTM and must be smaller than hidden_size")
        if self.cell and (self.num_layers != 1 or self.bidirectional or self.proj_size):
            raise ValueError("a cell has one layer, one direction and no projection")

    @property
    def gates(self) -> int:
        return GATES[self.kind]

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """H_out: the size of h (proj_size when the LSTM projects, else hidden_size)."""
        return self.proj_size or self.hidden_size

    @property
    def name(self) -> str:
        """The constructor call, with only the arguments that differ from the defaults."""
        args = [str(self.input_size or "H_in"), str(self.hidden_size)]
        if self.num_layers != 1:
            args.append(f"num_layers={self.num_layers}")
        if not self.bias:
            args.append("bias=False")
        if self.batch_first and not self.cell:
            args.append("batch_first=True")
        if self.bidirectional:
            args.append("bidirectional=True")
        if self.proj_size:
            args.append(f"proj_size={self.proj_size}")
        return f"nn.{self.kind}{'Cell' if self.cell else ''}({', '.join(args)})"


@dataclass(frozen=True)
class Computed:
    """One computed answer: its value, the formula with the numbers in, the fact for the model."""

    title: str  # "nn.GRU(10, 20): trainable parameters"
    value: int | Shape | None  # what the answer's numbers must agree with (None: symbolic)
    formula: str  # "3·20·(10+20) + 2·3·20 = 1,920"
    lines: tuple[str, ...]  # the working, shown under the formula
    explanation: str
    fact: str  # one sentence for the model: "Computed exactly: …"
    spec: RNNSpec | KerasSpec | None
    tensor: str = ""  # the tensor whose shape ``value`` is ("h_n", "weight_ih_l0"); "" for counts
    also: tuple[int, ...] = ()  # other counts the block shows, which an answer may restate
    more_shapes: tuple[tuple[str, Shape], ...] = ()  # other tensors the block gives a shape

    @property
    def known_shapes(self) -> dict[str, Shape]:
        """Every tensor shape the block states, for the guard: ``tensor`` first, then the rest."""
        found = dict(self.more_shapes)
        if self.tensor and isinstance(self.value, tuple):
            found = {self.tensor: self.value, **found}
        return found

    @property
    def known_counts(self) -> tuple[int, ...]:
        """Every parameter count an answer may state: the value and the ones it came from."""
        return (self.value, *self.also) if isinstance(self.value, int) else self.also

    @property
    def body(self) -> str:
        """The block's text on screen (without the title)."""
        return "\n".join([self.formula, *self.lines, self.explanation])

    @property
    def text(self) -> str:
        """Title and body, as recorded on the turn."""
        return f"{self.title}\n{self.body}"


def _n(value: int) -> str:
    return f"{value:,}"


def _times(*factors: int) -> str:
    """3·20, with a factor of 1 left out (an RNN has one block)."""
    shown = [str(f) for f in factors if f != 1] or ["1"]
    return "·".join(shown)


@dataclass(frozen=True)
class LayerCount:
    """Parameters of one layer in one direction, with the formula that gives them."""

    layer: int
    input_size: int  # I_l: the input size for layer 0, D·H_out above it
    per_direction: int
    formula: str


def layer_counts(spec: RNNSpec) -> list[LayerCount]:
    """Per layer and direction: g·H·(I_l + H_out) + 2·g·H if bias, + H_out·H if projected."""
    g, hidden, out = spec.gates, spec.hidden_size, spec.output_size
    counts = []
    for layer in range(spec.num_layers):
        size = spec.input_size if layer == 0 else spec.directions * out
        total = g * hidden * (size + out)
        formula = f"{_times(g, hidden)}·({size}+{out})"
        if spec.bias:
            total += 2 * g * hidden
            formula += f" + {_times(2, g, hidden)}"
        if spec.proj_size:
            total += out * hidden
            formula += f" + {out}·{hidden}"
        counts.append(LayerCount(layer, size, total, formula))
    return counts


def parameter_count(spec: RNNSpec) -> int:
    """What sum(p.numel() for p in module.parameters()) gives (all are trainable)."""
    if not spec.input_size:
        raise ValueError("a parameter count needs the input size")
    return spec.directions * sum(c.per_direction for c in layer_counts(spec))


def parameters(spec: RNNSpec) -> Computed:
    """The trainable parameter count as a computed block."""
    counts = layer_counts(spec)
    total = parameter_count(spec)
    several = len(counts) > 1 or spec.directions > 1
    terms = []
    for count in counts:
        term = f"[{count.formula}]" if several else count.formula
        terms.append(f"{spec.directions}·{term}" if spec.directions > 1 else term)
    formula = f"{' + '.join(terms)} = {_n(total)}"
    lines = []
    if several:
        for count in counts:
            where = "each direction" if spec.directions > 1 else "one direction"
            lines.append(
                f"layer {count.layer} (input {count.input_size}): "
                f"{count.formula} = {_n(count.per_direction)} for {where}"
            )
    g, hidden = spec.gates, spec.hidden_size
    if spec.input_size == hidden and len(counts) == 1 and spec.bias and not spec.proj_size:
        lead = f"{spec.directions}·" if spec.directions > 1 else ""
        closed = f"{lead}{g}·(2·H² + 2·H) = {lead}{2 * g}·H·(H + 1)"
        lines.append(f"with I = H, the closed form: {closed} = {lead}{2 * g}·{hidden}·{hidden + 1}")
    biases = bias_count(spec)
    if biases:  # "how many of those are biases?" is the usual next question
        lines.append(f"of which biases: {_bias_formula(spec)} = {_n(biases)}; "
                     f"weights: {_n(total - biases)}")  # fmt: skip
    blocks = {"RNN": "one block", "GRU": "3 blocks (r, z, n)", "LSTM": "4 blocks (i, f, g, o)"}
    explanation = (
        f"{blocks[spec.kind]} of H×I_l input weights and H×{'H_out' if spec.proj_size else 'H'} "
        "recurrent weights"
        + (", plus two bias vectors b_ih and b_hh of size H per block" if spec.bias else "")
        + (
            f"; proj_size adds an H_out×H matrix W_hr, H_out = {spec.output_size}"
            if spec.proj_size
            else ""
        )
        + ("; layers above the first take the D·H_out outputs below" if spec.num_layers > 1 else "")
        + (f"; g = {g}." if g != 1 else ".")
    )
    fact = f"Computed exactly: {spec.name} has {_n(total)} trainable parameters: {formula}."
    title = f"{spec.name}: trainable parameters"
    return Computed(title, total, formula, tuple(lines), explanation, fact, spec)


def bias_count(spec: RNNSpec) -> int:
    """The bias entries alone: b_ih and b_hh, g·H each, per layer and direction."""
    return 2 * spec.gates * spec.hidden_size * spec.num_layers * spec.directions if spec.bias else 0


def _bias_formula(spec: RNNSpec) -> str:
    return _times(spec.directions, spec.num_layers, 2, spec.gates, spec.hidden_size)


def shape_text(dims: tuple[Dim, ...]) -> str:
    """A shape as PyTorch prints it: "(48, 32)", "(48,)"."""
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def shapes(
    spec: RNNSpec, seq_len: int | None = None, batch: int | None = None, unbatched: bool = False
) -> dict[str, Shape]:
    """Shapes of the input and of what the module returns; L and N stay symbols when not given.

    For a layer: input (L, N, H_in), or (N, L, H_in) with batch_first, or (L, H_in) unbatched;
    output (L, N, D·H_out) (batch_first swaps L and N); h_n (D·num_layers, N, H_out) whatever
    batch_first says; an LSTM's c_n is (D·num_layers, N, H). A cell takes one step:
    input (N, H_in), h' (N, H) (and c' for an LSTMCell); unbatched drops the N.
    """
    n: tuple[Dim, ...] = () if unbatched else (batch if batch is not None else "N",)
    if spec.cell:
        found = {"input": (*n, spec.input_size or "H_in"), "h'": (*n, spec.hidden_size)}
        if spec.kind == "LSTM":
            found["c'"] = (*n, spec.hidden_size)
        return found
    steps: Dim = seq_len if seq_len is not None else "L"
    lead = (*n, steps) if spec.batch_first else (steps, *n)
    stacked = spec.directions * spec.num_layers
    found = {
        "input": (*lead, spec.input_size or "H_in"),
        "output": (*lead, spec.directions * spec.output_size),
        "h_n": (stacked, *n, spec.output_size),
    }
    if spec.kind == "LSTM":
        found["c_n"] = (stacked, *n, spec.hidden_size)
    return found


def _shape_formulas(spec: RNNSpec, found: dict[str, Shape], unbatched: bool) -> list[str]:
    """Each shape as its symbolic form, then with the numbers in: "output: (L, N, D·H_out) = …"."""
    n = () if unbatched else ("N",)
    d, out = spec.directions, spec.output_size
    if spec.cell:
        symbolic = {"input": (*n, "H_in"), "h'": (*n, "H"), "c'": (*n, "H")}
        worked: dict[str, tuple[Dim, ...]] = {}
    else:
        lead = (*n, "L") if spec.batch_first else ("L", *n)
        symbolic = {
            "input": (*lead, "H_in"),
            "output": (*lead, "D·H_out"),
            "h_n": ("D·num_layers", *n, "H_out"),
            "c_n": ("D·num_layers", *n, "H"),
        }
        real_lead = found["input"][:-1]
        worked = {
            "output": (*real_lead, f"{d}·{out}"),
            "h_n": (f"{d}·{spec.num_layers}", *found["h_n"][1:-1], out),
        }
    lines = []
    for tensor, shape in found.items():
        parts = [shape_text(symbolic[tensor])]
        if tensor in worked:
            parts.append(shape_text(worked[tensor]))
        parts.append(shape_text(shape))
        unique = [p for i, p in enumerate(parts) if p not in parts[:i]]
        lines.append(f"{tensor}: {' = '.join(unique)}")
    return lines


def _context(spec: RNNSpec, seq_len: int | None, batch: int | None, unbatched: bool) -> str:
    """ " with a batch of 5 sequences of length 7", or as much of it as the question gave."""
    length = f" of length {seq_len}" if seq_len is not None and not spec.cell else ""
    if unbatched:
        return f" with an unbatched {'sequence' if length else 'input'}{length}"
    if batch is not None:
        return f" with a batch of {batch}{' sequences' if length else ''}{length}"
    return f" with sequences{length}" if length else ""


def tensor_shapes(
    spec: RNNSpec,
    seq_len: int | None = None,
    batch: int | None = None,
    unbatched: bool = False,
    target: str | None = None,
) -> Computed:
    """The shapes as a computed block; ``value`` is the asked tensor's (else the output's)."""
    found = shapes(spec, seq_len, batch, unbatched)
    main = target if target in found else ("h'" if spec.cell else "output")
    lines = _shape_formulas(spec, found, unbatched)
    first = next(line for line in lines if line.startswith(f"{main}:"))
    rest = tuple(line for line in lines if line != first)
    if spec.cell:
        explanation = (
            "A cell computes one step: h' = cell(x, h); pass a sequence one step at a time."
        )
    else:
        explanation = (
            f"D = {spec.directions} "
            f"({'bidirectional' if spec.bidirectional else 'one direction'}), "
            f"H_out = {spec.output_size}; "
            + (
                "batch_first=True puts N first in input and output only; "
                if spec.batch_first
                else ""
            )
            + "h_n has the same layout whatever batch_first says."
        )
    context = _context(spec, seq_len, batch, unbatched)
    stated = ", ".join(f"{t} has shape {shape_text(s)}" for t, s in found.items() if t != "input")
    fact = f"Computed exactly: for {spec.name}{context}, {stated}."
    title = f"{spec.name}: tensor shapes{context}"
    return Computed(title, found[main], first, rest, explanation, fact, spec, tensor=main)


# -- the weight tensors: weight_ih_l0 and company ------------------------------------------------
GATE_ORDER = {"RNN": "", "GRU": "r, z, n", "LSTM": "i, f, g, o"}  # PyTorch's row blocks


def weight_shapes(spec: RNNSpec, layer: int = 0) -> dict[str, Shape]:
    """The parameters of one layer as PyTorch names them (bias_ih_l0, weight_hh_l0 …).

    weight_ih_lk is (g·H, I_k) with I_0 = input_size and I_k = D·H above; weight_hh_lk is
    (g·H, H); each bias is (g·H,). A bidirectional layer repeats them with ``_reverse``.
    """
    if spec.cell or spec.proj_size or not spec.input_size or not 0 <= layer < spec.num_layers:
        raise ValueError("weight shapes are computed for nn.RNN/GRU/LSTM layers without proj_size")
    rows = spec.gates * spec.hidden_size
    size = spec.input_size if layer == 0 else spec.directions * spec.hidden_size
    found: dict[str, Shape] = {
        f"weight_ih_l{layer}": (rows, size),
        f"weight_hh_l{layer}": (rows, spec.hidden_size),
    }
    if spec.bias:
        found |= {f"bias_ih_l{layer}": (rows,), f"bias_hh_l{layer}": (rows,)}
    return found


def weight_shape(spec: RNNSpec, tensor: str) -> Computed:
    """The shape of one named weight tensor (``weight_ih_l0``), with its formula."""
    base = tensor.removesuffix("_reverse")
    if tensor != base and not spec.bidirectional:
        raise ValueError(f"{tensor} exists only in a bidirectional layer")
    layer = int(base.rsplit("_l", 1)[1])
    found = weight_shapes(spec, layer)
    if base not in found:
        raise ValueError(f"{spec.name} has no {base}")
    g, hidden = spec.gates, spec.hidden_size
    size = found[f"weight_ih_l{layer}"][1]
    rows, columns = ("H" if g == 1 else f"{g}·H"), ("H_in" if layer == 0 else "D·H")
    symbolic = {"weight_ih": (rows, columns), "weight_hh": (rows, "H"), "bias": (rows,)}
    worked = {
        "weight_ih": (_times(g, hidden), size),
        "weight_hh": (_times(g, hidden), hidden),
        "bias": (_times(g, hidden),),
    }

    def line(name: str) -> str:
        kind = "bias" if name.startswith("bias") else name.rsplit("_l", 1)[0]
        parts = [shape_text(symbolic[kind]), shape_text(worked[kind]), shape_text(found[name])]
        unique = [p for i, p in enumerate(parts) if p not in parts[:i]]
        return f"{name}: {' = '.join(unique)}"

    rest = tuple(line(name) for name in found if name != base)
    order = GATE_ORDER[spec.kind]
    explanation = (
        (f"The {g} row blocks are the gates in PyTorch's order {order}. " if order else "")
        + ("A bidirectional layer has the same tensors again with the suffix _reverse."
           if spec.bidirectional else "")
    ).strip()  # fmt: skip
    fact = f"Computed exactly: in {spec.name}, {tensor} has shape {shape_text(found[base])}."
    if order:
        fact += f" Its rows are in gate order {order}."
    title = f"{spec.name}: {tensor} shape"
    return Computed(title, found[base], line(base), rest, explanation, fact, spec, tensor=tensor)
