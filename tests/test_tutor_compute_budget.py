"""The largest hidden size within a parameter budget (gruchat.tutor.compute_budget), with
torch counting both the size that fits and the next one up."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


def torch_count(kind: str, inputs: int, hidden: int, **settings: object) -> int:
    return sum(p.numel() for p in getattr(torch.nn, kind)(inputs, hidden, **settings).parameters())


@pytest.mark.parametrize(
    ("question", "kind", "inputs", "settings", "budget", "inclusive", "expected"),
    [
        ("biggest hidden_size i can use for a 1-layer nn.GRU on 50 input features and stay under "
         "10,000 params?", "GRU", 50, {}, 10_000, False, 37),
        ("largest hidden size for a 2-layer bidirectional lstm with input size 20 under 100k "
         "parameters", "LSTM", 20, {"num_layers": 2, "bidirectional": True}, 100_000, False, 52),
        ("max units for a gru with 64 inputs with at most 5160 weights?", "GRU", 64, {}, 5_160,
         True, 20),
    ],
)  # fmt: skip
def test_the_largest_size_fits_and_the_next_does_not_as_torch_counts(
    question, kind, inputs, settings, budget, inclusive, expected
):
    computed = compute_question(question)
    assert computed is not None, question
    assert computed.spec.hidden_size == expected
    fits = torch_count(kind, inputs, expected, **settings)
    over = torch_count(kind, inputs, expected + 1, **settings)
    assert (fits <= budget) if inclusive else (fits < budget)
    assert (over > budget) if inclusive else (over >= budget)
    assert computed.value == fits and computed.also == (over,)
    assert f"the largest hidden size is {expected}:" in computed.fact


@pytest.mark.parametrize(
    "question",
    [
        "biggest hidden_size for a gru under 10,000 params?",  # no input size
        "biggest hidden_size for nn.GRU(50, 40) under 10,000 params?",  # size already given
        "largest keras GRU units on 50 features under 10,000 params?",
        "biggest hidden_size for a gru on 50 features under 100 params?",  # nothing fits
    ],
)
def test_questions_without_an_answer_compute_no_budget(question):
    computed = compute_question(question)
    assert computed is None or "largest hidden size" not in computed.title
