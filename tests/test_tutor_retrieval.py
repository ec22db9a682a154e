"""Retrieval for questions phrased the way a learner asks them, follow-ups included."""

from __future__ import annotations

import pytest

from gruchat.tutor.grounding import NotesGrounder
from gruchat.tutor.notes import (
    default_index,
    follow_up_of,
    follow_up_query,
    is_follow_up,
    normalise_notation,
)

GATE_FACT_NOTES = {"gru-vs-lstm", "what-is-a-gru", "gates", "conventions-and-pitfalls"}

LEARNER_PHRASINGS: list[tuple[str, str | set[str]]] = [
    ("Is it true that a GRU has an output gate?", GATE_FACT_NOTES),
    ("is it true that z close to 1 forgets the past?", "gates"),
    ("so the reset gate decides what to keep, right?", "gates"),
    ("How many gates does a GRU cell have?", GATE_FACT_NOTES),
    ("does a GRU have three gates?", GATE_FACT_NOTES),
    ("does a GRU have a cell state?", "gru-vs-lstm"),
    ("does a GRU have a forget gate?", "gru-vs-lstm"),
    ("who introduced the GRU?", "history-and-papers"),
    ("Chung et al. introduced GRUs, right?", "history-and-papers"),
    ("is the GRU older than the LSTM?", "history-and-papers"),
    ("I heard GRUs eliminate vanishing gradients, is that true?", "vanishing-gradients"),
    ("why does the update gate help with vanishing gradients?", "vanishing-gradients"),
    ("why does a GRU have fewer parameters than an LSTM?", "parameter-count"),
    ("how many parameters does nn.GRU(10, 20) have?", "parameter-count"),
    ("what happens when z is 1?", "gates"),
    ("why does z weight the old state?", {"hidden-state-update", "gates"}),
    ("why does r go inside the tanh?", "candidate-state"),
    ("what's the output of a GRU?", "hidden-state-update"),
    # "in depth" asks for a longer answer; it is not about stacked layers (a REPL trial)
    ("explain GRUs to me in depth", "what-is-a-gru"),
    ("can you give a detailed explanation of the reset gate?", "gates"),
    ("does more depth help a gru remember further back?", "depth-and-memory"),
    ("what is h_t made of?", {"hidden-state-update", "equations"}),
    ("What does GRU stand for?", "what-is-a-gru"),
    ("What is the full name of a GRU?", "what-is-a-gru"),
    # issue 15: Keras, shapes, training problems and "which text is right" questions
    ("How does Keras order the gates inside the GRU kernel compared with PyTorch?", "keras-usage"),
    ("In Keras, what does return_state=True add to what the GRU layer returns?", "keras-usage"),
    ("With num_layers=2, what shape is h_n for a batch of 8 and hidden size 20?",
     "pytorch-weights"),
    ("What is the shape of weight_ih_l0 in nn.GRU(10, 20), and why?", "pytorch-weights"),
    ("What is gradient clipping, and when should I use it with a GRU?", "training-problems"),
    ("My GRU's training loss turns into NaN after a few epochs. Why?", "training-problems"),
    ("I saw the update written as h_t = (1 - z) * h_{t-1} + z * h~_t in a blog. Is that wrong?",
     "conventions-and-pitfalls"),
    ("Where is the reset gate applied in PyTorch's GRU compared with the original paper?",
     {"conventions-and-pitfalls", "candidate-state"}),
    # session 8: padding, h0, bidirectional and stacked layers, paper facts
    ("my batch has sequences of different lengths, how do I feed them to nn.GRU?",
     "pytorch-sequences"),
    ("what does h0 start as if I don't pass one?", "pytorch-sequences"),
    ("does bidirectional halve the hidden size per direction?", "pytorch-sequences"),
    ("can I stack several GRU layers?", {"pytorch-sequences", "pytorch-usage"}),
    ("was the forget gate part of the original 1997 LSTM?", "history-and-papers"),
    ("what's the name of the paper that introduced the GRU?", "history-and-papers"),
    ("nn.LSTM gives (h_n, c_n); what does nn.GRU give?", "gru-vs-lstm"),
    ("is the reset gate the same thing as the forget gate?", {"gru-vs-lstm", "gates"}),
    ("does z depend on r?", "gates"),
    ("what happens to the candidate when r is all ones?", "candidate-state"),
    ("can the hidden state values blow up to any size?", "hidden-state-update"),
    ("do people still use truncated BPTT with GRUs?", "training-problems"),
    # "need … at all" asks; it matched the tag "attention is all you need" (session 18)
    ("why does a GRU need a reset gate at all?", {"gates", "reset-gate-role"}),
]  # fmt: skip


@pytest.mark.parametrize(("question", "expected"), LEARNER_PHRASINGS)
def test_learner_phrasings_find_the_right_note(question: str, expected: str | set[str]) -> None:
    hits = default_index().search(question)
    assert hits, question
    allowed = expected if isinstance(expected, set) else {expected}
    assert hits[0].name in allowed, [h.name for h in hits]


def test_output_gate_question_no_longer_finds_the_pytorch_output_note() -> None:
    names = [n.name for n in default_index().search("Is it true that a GRU has an output gate?")]
    assert "pytorch-usage" not in names


FOLLOW_UPS: list[tuple[str, list[str], str | set[str]]] = [
    ("and the other gate?", ["what does the update gate do?"], "gates"),
    ("what about the reset one?", ["what does z ≈ 1 mean?"], "gates"),
    ("why?", ["does a GRU have a cell state?"], "gru-vs-lstm"),
    ("why?", ["and the other gate?", "what does the update gate do?"], "gates"),
    ("and in PyTorch?", ["what are the GRU equations?"], {"equations", "pytorch-usage"}),
    ("what about an LSTM?", ["how many parameters does a GRU layer have?"], "parameter-count"),
    # "at all" of the earlier question found the all-zero-weights note (session 18, tmux)
    ("and the update gate?", ["why does a GRU need a reset gate at all?"], "gates"),
    ("And if I make it bidirectional?",
     ["How many trainable parameters does nn.GRU(input_size=10, hidden_size=20) have?"],
     "parameter-count"),
    ("Which gate's weights come first in those rows?",
     ["What is the shape of weight_ih_l0 in nn.GRU(10, 20), and why?"], "pytorch-weights"),
    ("What does the ⊙ symbol in those equations mean?",
     ["Can you write down the full set of GRU equations for one time step?"], "equations"),
    # a follow-up naming another part of the same kind asks about that part (issue 15 item 4)
    ("And what does the reset gate do?",
     ["What does z ≈ 1 mean in the hidden-state update h_t = (1 - z) * n + z * h_{t-1}?"],
     "gates"),
    ("And what does the reset gate do?",
     ["How does the update gate decide what the new hidden state keeps?"], "gates"),
    ("What about the candidate?", ["How is the update gate z computed?"], "candidate-state"),
    ("And in Keras?", ["How many parameters does nn.GRU(10, 20) have?"],
     {"keras-usage", "parameter-count", "weight-count-in-keras"}),
    ("And who came up with it?", ["What is a GRU?"], "history-and-papers"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "previous", "expected"), FOLLOW_UPS)
def test_follow_ups_use_the_earlier_question(question, previous, expected) -> None:
    message, sources = NotesGrounder().ground(question, previous)
    allowed = expected if isinstance(expected, set) else {expected}
    assert sources and sources[0] in allowed, sources
    root = next(p for p in previous if not is_follow_up(p))
    assert f"(following up on: {root})" in message


@pytest.mark.parametrize(
    ("question", "earlier", "query"),
    [
        ("and the reset gate?", "what does the update gate do?",
         "and the reset gate? what does the do?"),
        ("and in Keras?", "how many parameters does nn.GRU(10, 20) have?",
         "and in Keras? how many parameters does (10, 20) have?"),
        ("what about an LSTM?", "how big is a GRU layer?",
         "what about an LSTM? how big is a layer?"),
        ("why?", "does a GRU have a cell state?", "why? does a GRU have a cell state?"),
    ],
)  # fmt: skip
def test_a_follow_up_replaces_the_earlier_part_of_the_same_kind(question, earlier, query) -> None:
    assert follow_up_query(question, earlier) == query


def test_a_follow_up_alone_gets_no_notes_and_a_full_question_ignores_the_previous_one() -> None:
    assert NotesGrounder().ground("why?", []) == ("why?", [])
    message, sources = NotesGrounder().ground(
        "who introduced the GRU?", ["what does the update gate do?"]
    )
    assert sources[0] == "history-and-papers"
    assert "following up" not in message


@pytest.mark.parametrize(
    "question",
    ["why?", "and the other gate?", "what about r?", "and in PyTorch?", "why not?", "is that so?",
     "Which gate's weights come first in those rows?", "What was that paper mainly about?",
     "What does the ⊙ symbol in those equations mean?", "ok and with bias=False?",
     "okay, and if it's bidirectional?", "ok and if i stack two of those, num_layers=2?",
     "same setup but h_{t-1} = 1 this time?", "and with x = [1, 0] instead?"],
)  # fmt: skip
def test_short_questions_that_lean_on_the_last_one_are_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "what does the reset gate do?",
        "why do GRUs help with vanishing gradients?",
        "how many parameters does nn.GRU(10, 20) have?",
        "hello",
        "What does this gate do in a GRU?",  # names the model: it stands alone
        "Is this nn.GRU(10, 20) layer bidirectional?",
        "Which of these papers introduced the GRU, Cho et al. or Chung et al.? Give the year",
        "Is it true that z close to 1 forgets the past?",  # "that" starts a clause here
        "So that r near 0 ignores the past?",
    ],
)
def test_standalone_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question)
    assert follow_up_of(question, ["what is a GRU?"]) == ""


def test_notation_is_spelled_as_in_the_notes() -> None:
    assert normalise_notation("h_t and h_{t-1} and x_t") == "hₜ and hₜ₋₁ and xₜ"
    assert normalise_notation("an output gate, a cell state") == "an outputgate, a cellstate"
