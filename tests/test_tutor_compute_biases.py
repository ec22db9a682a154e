"""'How many biases?' answered with the bias count first (compute_compare.bias_block),
PyTorch's checked against torch; Keras's against its bias shapes, (2, 3·units) for a GRU
with reset_after=True and (g·units,) otherwise (Keras is not installed here)."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    ("question", "module"),
    [
        ("how many biases does nn.GRU(10, 20) have?", lambda: torch.nn.GRU(10, 20)),
        ("how many bias terms in a 2-layer bidirectional GRU with input 10 and hidden 20?",
         lambda: torch.nn.GRU(10, 20, num_layers=2, bidirectional=True)),
        ("number of bias parameters of nn.LSTM(8, 4)?", lambda: torch.nn.LSTM(8, 4)),
        ("how many biases does nn.GRU(10, 20, bias=False) have?",
         lambda: torch.nn.GRU(10, 20, bias=False)),
    ],
)  # fmt: skip
def test_the_bias_count_comes_first_and_is_torchs(question: str, module) -> None:
    found = compute_question(question)
    assert found is not None
    built = module()
    biases = sum(p.numel() for name, p in built.named_parameters() if name.startswith("bias"))
    total = sum(p.numel() for p in built.parameters())
    assert found.value == biases
    assert found.title.endswith(": bias parameters")
    assert found.formula.endswith(f"{biases:,}")
    assert found.lines[0].startswith(f"of {total:,} trainable parameters in all: ")
    assert total in found.also


@pytest.mark.parametrize(
    ("question", "biases", "total"),
    [
        ("how many biases in keras GRU(64) on 10 features?", 2 * 3 * 64, 14_592),
        ("how many biases in keras GRU(64, reset_after=False) on 10 features?", 3 * 64, 14_400),
        ("keras SimpleRNN(8) on 3 features, number of bias parameters?", 8, 96),
        ("keras LSTM(16) on 4 features: how many bias values?", 4 * 16, 4 * 16 * (4 + 16 + 1)),
    ],
)
def test_a_keras_layers_bias_count_follows_its_bias_shape(
    question: str, biases: int, total: int
) -> None:
    found = compute_question(question)
    assert found is not None
    assert (found.value, found.also[0]) == (biases, total)


def test_the_count_block_itself_says_how_many_are_biases() -> None:
    found = compute_question("how many params in keras GRU(64) on 10 features?")
    assert found is not None and found.value == 14_592
    assert "of which biases: 3·2·64 = 384; weights: 14,208" in found.lines


def test_a_question_about_biases_that_asks_no_count_gets_none() -> None:
    assert compute_question("why does a GRU have two biases per gate?") is None


def _torch_biases(module) -> tuple[int, int]:
    """(bias parameters, all parameters) of a built torch layer."""
    params = list(module.named_parameters())
    return sum(p.numel() for n, p in params if n.startswith("bias")), sum(
        p.numel() for _, p in params
    )


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        ("how many bias numbers are in nn.LSTM(10, 20) vs nn.GRU(10, 20)?",
         lambda: torch.nn.LSTM(10, 20), lambda: torch.nn.GRU(10, 20)),
        ("how many biases does nn.GRU(6, 9) have compared to nn.RNN(6, 9)?",
         lambda: torch.nn.GRU(6, 9), lambda: torch.nn.RNN(6, 9)),
        ("how many more biases in a 2-layer bidirectional nn.LSTM(4, 8) than a 2-layer "
         "bidirectional nn.GRU(4, 8)?",
         lambda: torch.nn.LSTM(4, 8, num_layers=2, bidirectional=True),
         lambda: torch.nn.GRU(4, 8, num_layers=2, bidirectional=True)),
    ],
)  # fmt: skip
def test_a_bias_comparison_puts_both_bias_counts_first(question: str, first, second) -> None:
    found = compute_question(question)
    assert found is not None
    (fb, fa), (sb, sa) = _torch_biases(first()), _torch_biases(second())
    assert found.title.endswith(": bias parameters")
    assert found.formula.replace(",", "") == f"{fb} − {sb} = {fb - sb}".replace("= -", "= −")
    assert f"{fb:,} bias parameters, of " in found.lines[0] and found.lines[0].endswith(
        f"= {fa:,} in all"
    )
    assert found.lines[1].startswith(found.title.split(" vs ")[1].split(":")[0])
    assert f"{sb:,} bias parameters" in found.lines[1] and f"= {sa:,} in all" in found.lines[1]
    assert f"{fb:,} bias parameters" in found.fact and f"{fa:,} and {sa:,}" in found.fact


def test_a_keras_bias_comparison_follows_the_bias_shapes() -> None:
    found = compute_question(
        "how many more biases does keras LSTM(16) have than GRU(16) on 4 features?"
    )
    assert found is not None
    # LSTM bias (4·16,), GRU bias (2, 3·16) with reset_after=True
    assert found.formula == "64 − 96 = −32"
    assert "32 fewer" in found.fact
