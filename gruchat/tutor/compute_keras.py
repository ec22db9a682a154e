"""Exact parameter counts and output shapes of Keras recurrent layers (keras.layers.GRU & co.).

Keras counts a GRU differently from PyTorch: with the default reset_after=True each of the
3 blocks has two bias vectors (like PyTorch), with reset_after=False only one. tensorflow is
not a dependency, so these formulas are derived by hand from the weights each cell builds
in Keras 3's source (keras/src/layers/rnn/gru.py, lstm.py, simple_rnn.py, ``build``):

- GRUCell: kernel (input_dim, 3·units), recurrent_kernel (units, 3·units), bias
  (2, 3·units) if reset_after else (3·units,): 3·(units·(input + units) + 2·units) with
  reset_after=True, 3·(units·(input + units) + units) with reset_after=False;
- LSTMCell: kernel (input_dim, 4·units), recurrent_kernel (units, 4·units), bias (4·units,);
- SimpleRNNCell: kernel (input_dim, units), recurrent_kernel (units, units), bias (units,);
- use_bias=False drops the bias; keras.layers.Bidirectional holds two copies (forward and
  backward), and its default merge_mode="concat" doubles the output's last axis.

Output shapes (the layers' docstrings, e.g. GRU(4) on inputs (32, 10, 8)): the output is
(batch, units), or (batch, timesteps, units) with return_sequences=True; return_state=True
adds the final state (batch, units) (an LSTM adds h and c). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from gruchat.tutor.compute import Computed, shape_text

KERAS_BLOCKS = {"GRU": 3, "LSTM": 4, "SimpleRNN": 1}
_STATES = {"GRU": ("state",), "LSTM": ("state_h", "state_c"), "SimpleRNN": ("state",)}

Dim = int | str


@dataclass(frozen=True)
class KerasSpec:
    """What keras.layers.{GRU,LSTM,SimpleRNN}(units, …) was built with; units and input_size
    may be unknown (0) for a shape question, which then says "units"."""

    kind: str  # "GRU" | "LSTM" | "SimpleRNN"
    units: int
    input_size: int = 0  # the last axis of the input: features
    reset_after: bool = True  # GRU only
    use_bias: bool = True
    bidirectional: bool = False  # wrapped in keras.layers.Bidirectional (merge_mode="concat")
    return_sequences: bool = False
    return_state: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KERAS_BLOCKS:
            raise ValueError(f"unknown Keras recurrent layer {self.kind!r}")
        if self.units < 0 or self.input_size < 0:
            raise ValueError("sizes must be positive")

    @property
    def blocks(self) -> int:
        return KERAS_BLOCKS[self.kind]

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def biases_per_block(self) -> int:
        """Bias vectors of size units per block: 2 for a GRU with reset_after=True."""
        if not self.use_bias:
            return 0
        return 2 if self.kind == "GRU" and self.reset_after else 1

    @property
    def name(self) -> str:
        """The constructor call, with only the arguments that differ from the defaults."""
        args = [str(self.units or "units")]
        if self.kind == "GRU" and not self.reset_after:
            args.append("reset_after=False")
        if not self.use_bias:
            args.append("use_bias=False")
        if self.return_sequences:
            args.append("return_sequences=True")
        if self.return_state:
            args.append("return_state=True")
        layer = f"keras.layers.{self.kind}({', '.join(args)})"
        return f"keras.layers.Bidirectional({layer})" if self.bidirectional else layer


def _n(value: int) -> str:
    return f"{value:,}"


def keras_parameter_count(spec: KerasSpec) -> int:
    """D·blocks·(units·(input + units) + biases·units): what layer.count_params() gives."""
    units, size = spec.units, spec.input_size
    return spec.directions * spec.blocks * (units * (size + units) + spec.biases_per_block * units)


def keras_bias_count(spec: KerasSpec) -> int:
    """The bias entries alone: D·blocks·(1 or 2)·units."""
    return spec.directions * spec.blocks * spec.biases_per_block * spec.units


def keras_weight_shapes(spec: KerasSpec) -> dict[str, tuple[int, ...]]:
    """kernel, recurrent_kernel and bias as the Keras cell builds them (one direction)."""
    columns = spec.blocks * spec.units
    found: dict[str, tuple[int, ...]] = {
        "kernel": (spec.input_size, columns),
        "recurrent_kernel": (spec.units, columns),
    }
    if spec.biases_per_block == 2:
        found["bias"] = (2, columns)
    elif spec.biases_per_block == 1:
        found["bias"] = (columns,)
    return found


def keras_parameters(spec: KerasSpec) -> Computed:
    """The parameter count of a Keras layer as a computed block."""
    if spec.input_size < 1 or spec.units < 1:
        raise ValueError("a parameter count needs units and the input size (features)")
    total = keras_parameter_count(spec)
    g, units, size, biases = spec.blocks, spec.units, spec.input_size, spec.biases_per_block
    inner = f"{units}·({size}+{units})" + (
        f" + {biases}·{units}" if biases > 1 else f" + {units}" if biases else ""
    )
    term = f"{g}·({inner})" if g != 1 else inner
    formula = f"{'2·[' + term + ']' if spec.bidirectional else term} = {_n(total)}"
    weights = ", ".join(f"{name} {shape_text(s)}" for name, s in keras_weight_shapes(spec).items())
    lines = [f"weights: {weights}" + (" for each direction" if spec.bidirectional else "")]
    if biases:
        factors = [spec.directions] if spec.bidirectional else []
        factors += [g] if g != 1 else []
        factors += [biases] if biases > 1 else []
        bias_total = keras_bias_count(spec)
        worked = f"{'·'.join(map(str, [*factors, units]))} = " if factors else ""
        lines.append(f"of which biases: {worked}{_n(bias_total)}; "
                     f"weights: {_n(total - bias_total)}")  # fmt: skip
    if spec.kind == "GRU" and spec.use_bias:
        lines.append(
            "reset_after=True (the default) keeps two bias vectors per gate, b_ih and b_hh, "
            "as PyTorch does; reset_after=False keeps one"
        )
    explanation = (
        f"{g} block{'s' if g > 1 else ''} of units×input kernel weights and units×units "
        "recurrent weights"
        + (f", plus {biases} bias vector{'s' if biases > 1 else ''} of size units per block"
           if biases else "")
        + ("; Bidirectional holds a forward and a backward copy" if spec.bidirectional else "")
        + "."
    )  # fmt: skip
    context = f" on {size} input features"
    fact = (
        f"Computed exactly: {spec.name}{context} has {_n(total)} trainable parameters: {formula}."
    )
    title = f"{spec.name}{context}: trainable parameters"
    return Computed(title, total, formula, tuple(lines), explanation, fact, spec)


def keras_shapes(spec: KerasSpec, batch: int | None = None, steps: int | None = None) -> Computed:
    """What the layer returns for inputs (batch, timesteps, features), as a computed block."""
    n: Dim = batch if batch is not None else "batch"
    t: Dim = steps if steps is not None else "timesteps"
    units: Dim = spec.units or "units"
    width: Dim = spec.directions * spec.units or ("2·units" if spec.bidirectional else "units")
    output = (n, t, width) if spec.return_sequences else (n, width)
    found: dict[str, tuple[Dim, ...]] = {"output": output}
    if spec.return_state:
        for direction in ("forward", "backward") if spec.bidirectional else ("",):
            for state in _STATES[spec.kind]:
                found[f"{direction}_{state}" if direction else state] = (n, units)
    symbolic_output = (
        ("batch", "timesteps", "D·units") if spec.return_sequences else ("batch", "D·units")
    )
    first = f"output: {shape_text(symbolic_output)} = {shape_text(output)}"
    rest = tuple(
        f"{name}: {shape_text(shape)}" for name, shape in found.items() if name != "output"
    )
    explanation = (
        f"D = {spec.directions} "
        f"({'Bidirectional, merge_mode concat' if spec.bidirectional else 'one direction'}); "
        + (
            "return_sequences=True gives the output at every step; "
            if spec.return_sequences
            else "without return_sequences only the last step is returned; "
        )
        + (
            "return_state=True returns [output, *states]"
            + ("; a GRU has one state h, no cell state" if spec.kind == "GRU" else "")
            + "."
            if spec.return_state
            else "return_state=True would add the final state (batch, units)."
        )
    )
    given = [f"batch {batch}"] if batch is not None else []
    given += [f"{steps} timesteps"] if steps is not None else []
    context = " on inputs (batch, timesteps, features)" + (
        f" with {', '.join(given)}" if given else ""
    )
    stated = ", ".join(f"{name} has shape {shape_text(shape)}" for name, shape in found.items())
    fact = f"Computed exactly: {spec.name}{context} returns: {stated}."
    title = f"{spec.name}: output shapes"
    return Computed(title, output, first, rest, explanation, fact, spec, tensor="output")


def keras_weights(spec: KerasSpec, batch: int | None = None) -> Computed:
    """The shapes of the layer's kernel, recurrent_kernel and bias, as a computed block; with
    a batch size, also the shapes of the products x @ kernel and h @ recurrent_kernel."""
    if spec.input_size < 1 or spec.units < 1:
        raise ValueError("weight shapes need units and the input size (features)")
    found = keras_weight_shapes(spec)
    g = spec.blocks
    first = f"kernel: (input_dim, {g}·units) = {shape_text(found['kernel'])}"
    rest = [f"recurrent_kernel: (units, {g}·units) = {shape_text(found['recurrent_kernel'])}"]
    if "bias" in found:
        symbolic = f"(2, {g}·units)" if spec.biases_per_block == 2 else f"({g}·units,)"
        rest.append(f"bias: {symbolic} = {shape_text(found['bias'])}")
    explanation = (
        f"The {g} gate block{'s' if g > 1 else ''} sit side by side in the columns"
        + (" (z, r, h for a GRU)" if spec.kind == "GRU" else "")
        + (
            "; reset_after=True (the default) keeps two bias rows, one for the input and one "
            "for the recurrent product; reset_after=False keeps one"
            if spec.kind == "GRU" and spec.use_bias
            else ""
        )
        + ("; Bidirectional holds a forward and a backward copy" if spec.bidirectional else "")
        + "."
    )
    stated = ", ".join(f"{name} has shape {shape_text(shape)}" for name, shape in found.items())
    products: tuple[tuple[str, tuple[int, ...]], ...] = ()
    if batch:
        columns = found["kernel"][1]
        products = (("x @ kernel", (batch, columns)), ("h @ recurrent_kernel", (batch, columns)))
        rest.append(
            f"for a batch of {batch}: x ({batch}, {spec.input_size}) @ kernel "
            f"{shape_text(found['kernel'])} = {shape_text((batch, columns))}, and h ({batch}, "
            f"{spec.units}) @ recurrent_kernel = {shape_text((batch, columns))}"
        )
        stated += f"; for a batch of {batch}, x @ kernel has shape {shape_text((batch, columns))}"
    fact = f"Computed exactly: {spec.name} on {spec.input_size} input features: {stated}."
    title = f"{spec.name} on {spec.input_size} input features: weight shapes"
    return Computed(
        title,
        found["kernel"],
        first,
        tuple(rest),
        explanation,
        fact,
        spec,
        tensor="kernel",
        more_shapes=tuple((name, shape) for name, shape in found.items() if name != "kernel")
        + products,
    )
