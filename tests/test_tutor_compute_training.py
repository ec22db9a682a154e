"""Gradient clipping and truncated-BPTT chunks with the learner's numbers
(gruchat.tutor.compute_training), checked against torch's own clip_grad_value_ and
clip_grad_norm_ and against torch.split."""

from __future__ import annotations

import re

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


def _vectors(text: str) -> list[list[float]]:
    """The vectors after each → in the block's formula."""
    found = re.findall(r"→ \[([^\]]*)\]", text)
    return [[float(v.replace("−", "-")) for v in part.split(", ")] for part in found]


def _params(grads: list[list[float]]) -> list:
    params = [torch.zeros(len(g), dtype=torch.float64, requires_grad=True) for g in grads]
    for param, grad in zip(params, grads, strict=True):
        param.grad = torch.tensor(grad, dtype=torch.float64)
    return params


@pytest.mark.parametrize(
    ("question", "grads", "limit", "clip"),
    [
        ("clip_grad_value_(params, clip_value=0.5) and one grad is [3, -0.2, -1]. what does "
         "it turn into?", [[3, -0.2, -1]], 0.5, torch.nn.utils.clip_grad_value_),
        ("with clip_grad_value_(model.parameters(), 2), what happens to the grad [-5, 1.5]?",
         [[-5, 1.5]], 2.0, torch.nn.utils.clip_grad_value_),
        ("clip_grad_norm_(params, max_norm=1.0) with grads [3, 4] and [0, 12]: what do they "
         "become?", [[3, 4], [0, 12]], 1.0, torch.nn.utils.clip_grad_norm_),
        ("clip_grad_norm_(params, max_norm=10) on a grad of [3, 4]?", [[3, 4]], 10.0,
         torch.nn.utils.clip_grad_norm_),  # under the limit: kept
        # an index and Adam's betas are no gradients (the review, session 18)
        ("I clip with clip_grad_norm_(model.parameters(), 1.0) and feed output[-1] to the "
         "head; the grad is [3, 4]: what does it become?", [[3, 4]], 1.0,
         torch.nn.utils.clip_grad_norm_),
        ("clip_grad_norm_(params, max_norm=1.0) with grad [3, 4], and Adam betas [0.9, 0.999]: "
         "what happens?", [[3, 4]], 1.0, torch.nn.utils.clip_grad_norm_),
    ],
)  # fmt: skip
def test_clipping_is_torchs(question, grads, limit, clip) -> None:
    found = compute_question(question)
    assert found is not None, question
    params = _params(grads)
    clip(params, limit)
    expected = [p.grad.tolist() for p in params]
    for got, want in zip(_vectors(found.formula), expected, strict=True):
        assert got == pytest.approx(want, abs=6e-5)


@pytest.mark.parametrize(
    ("question", "total", "chunk"),
    [
        ("truncated bptt over a 10,000-step sequence in chunks of 35: how many chunks "
         "(backward passes) per epoch, and how long is the last one?", 10_000, 35),
        ("my 500-step sequences, bptt every 50 steps: how many backward passes?", 500, 50),
    ],
)  # fmt: skip
def test_truncated_chunks_are_torch_splits(question, total, chunk) -> None:
    found = compute_question(question)
    assert found is not None, question
    pieces = torch.arange(total).split(chunk)
    assert f"= {len(pieces):,} chunks, the last {len(pieces[-1])} steps long" in found.formula


@pytest.mark.parametrize(
    "question",
    [
        "should I use clip_grad_norm_ or clip_grad_value_?",  # both, no numbers
        "clip_grad_value_ on [3, -1]: what happens?",  # no clip value
        "clip_grad_norm_(params, 1.0, norm_type=float('inf')) on [3, 4]?",  # not L2
        "what does truncated BPTT do?",  # no sizes
        "truncated BPTT in chunks of 35 on a 20-step sequence?",  # one chunk holds it all
        "I clip with clip_grad_norm_(model.parameters(), 1.0) and feed output[-1] to the head; "
        "why is training slow?",
        "what happens if I use chunks of 35 steps but my dependencies are 100 steps long?",
        "my truncated BPTT runs 100 steps, lr decays every 10 steps, how many chunks?",
        "why does my loss start at 2.3 with 10 classes and not go down?",
        "multi-label with 10 labels and BCEWithLogitsLoss: initial loss is 0.69, ok?",
        "10 classes with focal loss, what should the loss start at?",
    ],
)
def test_unclear_training_questions_compute_nothing(question: str) -> None:
    """Among them the review's (session 18): an index or Adam's betas are no gradient, two
    step counts are not always a sequence and its chunks, and a loss that does not go down
    or is not cross-entropy over C classes is not judged against ln(C)."""
    found = compute_question(question)
    if found is not None and found.title.startswith("the starting loss"):
        assert "the loss you see" not in found.text, found.text  # ln(C) only, not judged
        return
    assert found is None or not found.title.startswith(("clip", "truncated")), found.title


@pytest.mark.parametrize(
    ("question", "classes", "verdict"),
    [
        ("my gru classifier with 10 classes starts out at a loss of about 2.3. is something "
         "broken?", 10, "as expected at the start"),
        ("what loss should a 5-class model start at?", 5, None),
        ("my 3-class GRU's initial loss is 4.2, why?", 3, "above it"),
    ],
)  # fmt: skip
def test_the_starting_loss_is_cross_entropy_of_uniform_predictions(
    question, classes, verdict
) -> None:
    found = compute_question(question)
    assert found is not None, question
    uniform = torch.nn.functional.cross_entropy(
        torch.zeros(classes, classes), torch.arange(classes)
    ).item()
    assert f"≈ {uniform:.4f}" in found.formula
    if verdict is None:
        assert "the loss you see" not in found.text
    else:
        assert verdict in found.text
