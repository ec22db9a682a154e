"""A layer's weights' memory and one step's multiply-adds (gruchat.tutor.compute_cost),
checked against torch: the bytes of the module's parameters at that dtype, and the number
of weight-matrix entries (each is multiplied once per step for one sequence)."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.grounding import NotesGrounder

torch = pytest.importorskip("torch")
nn = torch.nn


@pytest.mark.parametrize(
    ("question", "module", "dtype"),
    [
        ("nn.GRU(256, 512, num_layers=2): how much memory do the weights take in float32? in MB",
         lambda: nn.GRU(256, 512, num_layers=2), torch.float32),
        ("how much memory does a bidirectional 2-layer GRU with input 10 and hidden 20 need "
         "in bf16?", lambda: nn.GRU(10, 20, num_layers=2, bidirectional=True), torch.bfloat16),
        ("size in MB of nn.LSTM(128, 256) stored as fp16?", lambda: nn.LSTM(128, 256),
         torch.float16),
        ("what's the file size of a saved nn.GRU(100, 200) state_dict?",
         lambda: nn.GRU(100, 200), torch.float32),  # none named: torch's default
        ("memory of nn.GRU(64, 64, bias=False) weights in float64?",
         lambda: nn.GRU(64, 64, bias=False), torch.float64),
        ("nn.GRUCell(30, 40) in half precision: how many bytes?", lambda: nn.GRUCell(30, 40),
         torch.float16),
    ],
)  # fmt: skip
def test_the_weights_memory_is_what_torch_holds(question, module, dtype) -> None:
    found = compute_question(question)
    assert found is not None, question
    layer = module().to(dtype)
    held = sum(p.numel() * p.element_size() for p in layer.parameters())
    assert found.value == held
    assert f"{held:,} bytes" in found.formula and str(dtype).removeprefix("torch.") in found.title
    assert sum(p.numel() for p in layer.parameters()) in found.also  # the count it came from


def test_a_follow_up_in_another_dtype_prices_the_same_layer() -> None:
    grounder = NotesGrounder()
    earlier = "nn.GRU(256, 512, num_layers=2): how much memory do the weights take in float32?"
    grounder.ground(earlier)
    grounder.ground("and if i store it in fp16?", [earlier])
    found = grounder.computed("and if i store it in fp16?")
    assert found is not None and "float16" in found.title
    assert found.value == sum(p.numel() * 2 for p in nn.GRU(256, 512, num_layers=2).parameters())
    assert "5.52 MB (5.26 MiB)" in found.formula


@pytest.mark.parametrize(
    ("question", "module"),
    [
        ("roughly how many multiply-adds does one timestep of nn.GRU(64, 128) cost for a single "
         "sequence, counting just the matrix products?", lambda: nn.GRU(64, 128)),
        ("how many FLOPs per step for nn.LSTM(32, 64)?", lambda: nn.LSTM(32, 64)),
        ("MACs per time step of a 2-layer bidirectional GRU, input 10, hidden 20?",
         lambda: nn.GRU(10, 20, num_layers=2, bidirectional=True)),
        ("multiply-adds per step for nn.LSTM(16, 32, proj_size=8)?",
         lambda: nn.LSTM(16, 32, proj_size=8)),
    ],
)  # fmt: skip
def test_one_steps_multiply_adds_are_the_weight_entries(question, module) -> None:
    found = compute_question(question)
    assert found is not None, question
    entries = sum(p.numel() for name, p in module().named_parameters() if "weight" in name)
    assert found.value == entries
    assert f"{entries:,}" in found.formula and f"{2 * entries:,} FLOPs" in found.text


@pytest.mark.parametrize(
    "question",
    [
        "why does my GRU use so much memory when training on long sequences?",
        "how much GPU memory does nn.GRU(10, 20) need for a batch of 64?",  # activations too
        "how much memory does Adam need for nn.GRU(10, 20)?",  # the optimizer's state
        "how many FLOPs does nn.GRU(10, 20) take over a whole sequence?",  # no length given
        "how much memory and how many multiply-adds for nn.GRU(10, 20)?",  # two asks
        # the review (session 18): memory as what a GRU remembers, and other memory
        "how does nn.GRU(64, 128) keep memory of earlier inputs?",
        "why does nn.GRU(10, 20) forget its memory so fast?",
        "nn.GRU(10, 20) memory: how much does the h_n tensor take?",
        "I changed nn.GRU(10, 20) to train for 30 epochs, does it need more memory?",
        "nn.GRU(10, 20) each step: why are the multiplications by r element-wise?",
        "what are MACs? does nn.GRU(10, 20) use them every step?",
        "my model has nn.Embedding(1000, 10) and nn.GRU(10, 20): how much memory in float32?",
    ],
)
def test_memory_that_is_not_only_the_weights_is_not_priced(question: str) -> None:
    found = compute_question(question)
    assert found is None or "weights in" not in found.title, found
    assert found is None or "multiply-adds" not in found.title, found


def test_a_count_question_that_mentions_a_memory_cell_is_still_a_count() -> None:
    found = compute_question("I made nn.GRU(32, 64). How many parameters, and does it have a "
                             "memory cell?")  # fmt: skip
    assert found is not None and found.value == sum(p.numel() for p in nn.GRU(32, 64).parameters())
