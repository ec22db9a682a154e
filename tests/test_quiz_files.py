"""The quiz files (prompts/quiz/*.gru) and the scoring rules bench/quiz.py uses (no model)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from gruchat.script.parser import parse_text
from gruchat.tutor.guard import RULES
from gruchat.tutor.notes import load_notes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from quiz_scoring import (  # noqa: E402
    CATEGORIES,
    Answer,
    Question,
    Score,
    Tally,
    holds,
    load_quiz,
    pair,
    questions,
    score,
    table,
    tally,
)

FILES = {name: ROOT / "prompts" / "quiz" / f"{name}.gru" for name in ("tuning", "heldout")}
QUIZ = {name: load_quiz(path) for name, path in FILES.items()}


def find(half: str, start: str) -> Question:
    (question,) = [q for q in QUIZ[half] if q.text.startswith(start)]
    return question


@pytest.mark.parametrize("half", FILES)
def test_each_half_has_twenty_questions_in_every_category(half: str) -> None:
    found = QUIZ[half]
    assert len(found) >= 28
    assert {q.category for q in found} == set(CATEGORIES)
    assert sum(q.category == "misconceptions" for q in found) >= 3
    assert any(q.follow_up for q in found)


@pytest.mark.parametrize("half", FILES)
def test_every_question_checks_a_fact_and_a_wrong_claim(half: str) -> None:
    for question in QUIZ[half]:
        assert question.facts and question.wrong_claims, question.text
        assert all(c.target == "shown" and c.kind == "regex" for c in question.facts)
        assert all(c.target == "answer" and c.kind == "regex" for c in question.wrong_claims)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def test_no_question_is_in_both_halves() -> None:
    for held in QUIZ["heldout"]:
        for tuned in QUIZ["tuning"]:
            a, b = _words(held.text), _words(tuned.text)
            assert len(a & b) / len(a | b) < 0.6, (held.text, tuned.text)


def test_wrong_claim_checks_never_match_the_verified_notes_or_the_guards_facts() -> None:
    """Right text cannot trip a wrong-claim check, so those checks are fair to the notes."""
    notes = load_notes()
    texts = [n.body for n in notes] + [n.gist_line for n in notes if n.gist_line]
    texts += [r.fact for r in RULES]
    for half in FILES:
        for question in QUIZ[half]:
            for check in question.wrong_claims:
                for text in texts:
                    assert holds(check, text), (half, check.line, text[:60])


# A right answer passes every check of its question; a known wrong one (seen from the
# models, or a common misconception) fails its own-words score.
CASES = [
    ("tuning", "What are the gates", "A GRU has two gates: the update gate and the reset gate.",
     "A GRU cell has 3 gates: the update gate, the reset gate and the output gate."),
    ("tuning", "How many trainable", "It has 3·(20·10 + 20·20 + 2·20) = 1,920 parameters.",
     "It has 4·(200 + 400 + 40) = 2560 parameters."),
    ("tuning", "Who came up", "Cho et al. introduced the GRU in 2014.",
     "The GRU was introduced by Chung et al., 2014."),
    ("tuning", "Who came up", "Cho et al. introduced the GRU in 2014.", "Chung et al., 2014."),
    ("tuning", "Is it true that a GRU has an output", "No. A GRU has no output gate, only "
     "update and reset gates.", "Yes, a GRU has an output gate."),
    ("tuning", "Does the GRU keep", "No, a GRU has a single hidden state and no cell state.",
     "Yes. The GRU has a separate cell state, like the LSTM."),
    ("tuning", "So z close to 1", "No: z close to 1 keeps the old state almost unchanged.",
     "Right, z close to 1 means the GRU forgets the past and replaces it."),
    ("tuning", "Will a GRU also", "No. Gating does not stop exploding gradients; clip them.",
     "Yes, the gates prevent exploding gradients."),
    ("tuning", "A GRU cell has three", "No, a GRU has two gates: update and reset.",
     "Yes, a GRU cell has three gates."),
    ("tuning", "I built nn.GRU(32, 64)", "3·(64·32 + 64·64 + 2·64) = 18,816 parameters.",
     "4·(64·32 + 64·64 + 2·64) = 25,088 parameters."),
    ("tuning", "What is the shape of weight_ih", "It is (60, 10): 3·H rows for r, z, n.",
     "It is (20, 10), one row per hidden unit."),
    ("tuning", "Which paper first", 'Cho et al., 2014, "Learning Phrase Representations".',
     "Chung et al. invented it in their 2014 paper."),
    ("tuning", "Since z near 0", "No. In PyTorch z near 1 keeps the old state and z near 0 "
     "replaces it with the candidate.", "Yes, that is right."),
    ("tuning", "Peephole connections", "No, peephole connections belong to LSTM variants.",
     "Yes, the GRU uses peephole connections to read its state."),
    ("tuning", "I built nn.GRU(32, 64)", "That layer has 18816 parameters.",
     "The GRU has 3·(H·I + H·H + 2·H) = 2560 parameters."),
    ("tuning", "What is the shape of weight_ih", "weight_ih_l0 has shape (60, 10).",
     "The shape of weight_ih_l0 in nn.GRU(10, 20) is (N, L, 10)."),
    ("tuning", "What is gradient clipping", "Clipping rescales gradients whose norm passes a "
     "threshold, against exploding gradients.", "Gradient clipping is used to reduce vanishing "
     "gradients."),
    ("tuning", "With num_layers=2", "h_n has shape (2, 8, 20).", "h_n has shape (8, 2, 20)."),
    ("tuning", "Does a GRU have a forget", "No. A GRU has no forget gate: update and reset.",
     "Yes, the GRU has a forget gate like the LSTM."),
    ("tuning", "What about an input gate", "No, there is no input gate either.",
     "Yes, the GRU has an input gate."),
    ("tuning", "How many weights and biases", "3·(32·16 + 32·32 + 2·32) = 4,800 parameters.",
     "4·(32·16 + 32·32 + 2·32) = 6,400 parameters."),
    ("tuning", "What's the shape of weight_hh", "weight_hh_l0 has shape (48, 16).",
     "weight_hh_l0 has shape (16, 16)."),
    ("tuning", "For keras.layers.GRU(64)", "kernel (10, 192), recurrent_kernel (64, 192) and "
     "bias (2, 192).", "kernel (192, 10), recurrent_kernel (64, 192), bias (192,)."),
    ("tuning", "With bidirectional=True", "It is 2 × 3 = 6: h_n has shape (6, N, H).",
     "The first dimension is 3, one per layer."),
    ("tuning", "How many parameters does a Keras", "It has 3·64·(10 + 64 + 2) = 14,592.",
     "It has 14,400 parameters."),
    ("tuning", "Is it true that the GRU is older", "No. The LSTM is from 1997, the GRU from 2014.",
     "Yes, the GRU is older than the LSTM."),
    ("tuning", "Would gradient clipping", "No: clipping caps exploding gradients only.",
     "Yes, clipping helps with vanishing gradients."),
    ("tuning", "Is it true that in PyTorch, z close", "No. z close to 0 replaces the state "
     "with the candidate n; z close to 1 keeps it.", "Yes, z close to 0 keeps the old state."),
    ("tuning", "How many more parameters", "The LSTM has 1,664 and the GRU 1,248: 416 more.",
     "The LSTM has 512 more parameters."),
    ("tuning", "The reset gate wipes", "No. The reset gate only scales the previous state "
     "inside the candidate.", "Yes, the reset gate sets the hidden state to zero after "
     "every sequence."),
    ("heldout", "how many params in nn.GRU(20, 50)", "3·(50·20 + 50·50 + 2·50) = 10,800.",
     "4·(50·20 + 50·50 + 2·50) = 14,400 parameters."),
    ("heldout", "ok and with bias=False", "Without the biases it has 10500 parameters.",
     "It has 10,650 parameters."),
    ("heldout", "total parameter count", "Layer 1 has 4,800, layer 2 has 6,336: 11,136 in total.",
     "Two layers of 4,800 each: 9,600 parameters."),
    ("heldout", "what's the parameter count for a bidirectional", "1,248 per direction, so "
     "2,496 parameters.", "It has 1,248 parameters."),
    ("heldout", "nn.GRUCell(12, 24)", "3·(24·12 + 24·24 + 2·24) = 2736.",
     "4·(24·12 + 24·24 + 2·24) = 3,648 parameters."),
    ("heldout", "a keras.layers.GRU(32)", "3·32·(12 + 32 + 2) = 4,416 weights.",
     "It has 4,320 parameters."),
    ("heldout", "shape of weight_ih_l1", "weight_ih_l1 is (60, 20): layer 2 reads the 20 "
     "features of layer 1.", "weight_ih_l1 is (60, 10)."),
    ("heldout", "nn.GRU(10, 20, batch_first=True", "output is (4, 7, 40) and h_n is (2, 4, 20).",
     "output is (4, 7, 40) and h_n is (4, 2, 20)."),
    ("heldout", "wait, so h_n isn't", "Right: batch_first does not apply to h_n, which stays "
     "(2, 4, 20).", "Yes, h_n is batch-first too: (4, 2, 20)."),
    ("heldout", "nn.LSTM(12, 24) vs", "The LSTM has 3,648 and the GRU 2,736 parameters.",
     "The GRU has 3,648 and the LSTM 4,864 parameters."),
    ("heldout", "so the reset gate is basically", "Not really. The update gate plays the forget "
     "and input roles; the reset gate only gates the past inside the candidate.",
     "Yes, the reset gate is basically the LSTM's forget gate."),
    ("heldout", "who invented the gru", "No, Cho et al. introduced the GRU in 2014; Hochreiter "
     "co-wrote the 1997 LSTM.", "Yes, Hochreiter invented the GRU as well."),
    ("heldout", "when did the LSTM get", "Gers, Schmidhuber and Cummins added it in 2000; the "
     "1997 LSTM had no forget gate.", "Yes, the 1997 LSTM had a forget gate from the start."),
    ("heldout", "did chung et al.", "No. Chung et al. compared GRUs and LSTMs; Cho et al. "
     "proposed the GRU.", "Yes, Chung et al. invented the GRU in 2014."),
    ("heldout", "in cho's original paper", "It keeps it: Cho et al. write h = z·h_{t-1} + "
     "(1 − z)·h̃, the same as PyTorch.", "PyTorch flipped it: in Cho's paper z near 1 "
     "overwrites the state."),
    ("heldout", "in h_t = (1-z)*n", "The second term, z*h_{t-1}: z close to 1 keeps the old "
     "state.", "The first term, (1-z)*n, keeps the old stuff."),
    ("heldout", "with bidirectional=True the hidden_size", "No. Each direction has its own "
     "hidden_size units; the outputs are concatenated to 2·hidden_size.",
     "Yes, it is split between the two directions."),
    ("heldout", "GRUs can't be stacked", "They can: set num_layers=2 to stack two.",
     "Right, GRUs can't be stacked."),
    ("heldout", "whats the default for reset_after", "It defaults to True, which matches "
     "PyTorch's layout, so it matters.", "reset_after defaults to False, and it doesn't "
     "matter."),
    ("heldout", "does pytorch's dropout", "No. It drops the outputs of each layer except the "
     "last, between layers.", "Yes, dropout is applied to the recurrent connections."),
]  # fmt: skip


@pytest.mark.parametrize(("half", "start", "right", "wrong"), CASES)
def test_checks_pass_a_right_answer_and_catch_a_known_wrong_one(
    half: str, start: str, right: str, wrong: str
) -> None:
    question = find(half, start)
    good = score(question, Answer(right))
    assert good == Score(True, True, False), good
    bad = score(question, Answer(wrong))
    assert not bad.own_words
    assert not bad.user_sees


def test_a_flagged_wrong_sentence_counts_as_marked() -> None:
    question = find("tuning", "What are the gates")
    sentence = "A GRU cell has 3 gates: update, reset and output."
    note = "Two sigmoid gates control that memory: the update gate z and the reset gate r."
    unflagged = Answer(sentence, note=note)
    flagged = Answer(sentence, note=note, flags=((sentence, "a GRU has two gates"),))
    assert score(question, unflagged) == Score(
        False, False, True, score(question, unflagged).failed
    )
    assert score(question, flagged).user_sees and score(question, flagged).unmarked is False
    assert not score(question, flagged).own_words


QUIZ_TEXT = r"""# sampling: temperature=0
# category: gates
How many gates?
\expect shown regex /\btwo\b/
\expect not regex /\bthree\b/
And which is which?
\expect shown regex /update/
\expect not regex /output/
\clear
# category: history
Who made it?
\expect shown regex /Cho/
\expect not regex /Chung/
"""


def test_the_scorer_counts_a_recorded_answer_set() -> None:
    found = questions(parse_text(QUIZ_TEXT, "quiz.gru"), QUIZ_TEXT)
    assert [(q.category, q.follow_up, q.line) for q in found] == [
        ("gates", False, 3),
        ("gates", True, 6),
        ("history", False, 11),
    ]
    turns = [  # as a saved transcript holds them (Turn.as_dict), with one unrelated turn
        {"prompt": "How many gates?", "answer": "It has two.", "note": "", "flags": []},
        {"prompt": "something else", "answer": "x"},
        {"prompt": "And which is which?", "answer": "z is the output gate.",
         "note": "the update gate z", "flags": ["z is the output gate. -> z is the update gate"]},
        {"prompt": "Who made it?", "answer": "Chung did.", "note": "Cho et al., 2014",
         "computed": ["a computed block"], "flags": []},
    ]  # fmt: skip
    answers = pair(found, turns)
    assert answers[1] is not None and answers[1].marked.strip() == ""
    assert answers[2] is not None and "a computed block" in answers[2].shown
    scores = [score(q, a) for q, a in zip(found, answers, strict=True)]
    assert [(s.user_sees, s.own_words, s.unmarked) for s in scores] == [
        (True, True, False),  # right in its own words
        (True, False, False),  # wrong, but the guard marked it and the note is right
        (False, False, True),  # the note is right, the unmarked answer contradicts it
    ]
    counts = tally(scores)
    assert counts == Tally(questions=3, user_sees=2, own_words=1, unmarked=1)
    assert table("set:", counts).splitlines()[1:] == [
        "  what the user sees is right     2/3 (67%)",
        "  the model's own words are right 1/3 (33%)",
        "  unmarked contradictions         1",
    ]


def test_a_question_with_no_answer_is_wrong() -> None:
    found = questions(parse_text(QUIZ_TEXT, "quiz.gru"), QUIZ_TEXT)
    answers = pair(found, [{"prompt": "Who made it?", "answer": "Cho."}])
    assert answers[:2] == [None, None]
    assert score(found[0], None) == Score(False, False, False, ("no answer",))
    assert score(found[2], answers[2]).user_sees


def test_a_check_anchored_at_the_start_holds_on_the_answer_under_a_note() -> None:
    """The note is drawn first; "\\A" in a check still means the start of the answer."""
    question = find("tuning", "Does a GRU have a forget")
    note = "GRU: 2 gates (update z, reset r), one hidden state h, 3 weight blocks."
    assert score(question, Answer("No, there is none.", note=note)).user_sees
    assert not score(question, Answer("Yes, it has one.", note=note)).user_sees


def test_the_replay_saves_every_conversation_not_only_the_last(tmp_path, env) -> None:
    """bench/quiz.py saves before each \\clear (which empties the session); through the
    real runner with the fake engine, every question of both halves gets its answer."""
    import json

    import quiz

    from gruchat.engine.fake import FakeEngine
    from gruchat.script.runner import RunOptions, run_files
    from gruchat.tutor.grounding import make_grounder

    for half, path in FILES.items():
        folder = tmp_path / half
        folder.mkdir()
        text, saves = quiz.with_saves(path.read_text(encoding="utf-8"), folder)
        assert len(saves) == 1 + sum(line.strip() == "\\clear" for line in text.splitlines())
        script = folder / path.name
        script.write_text(text, encoding="utf-8")
        engine = FakeEngine()
        for number in range(len(QUIZ[half])):
            engine.enqueue(f"Answer {number}.")
        status = run_files(
            [script], {}, RunOptions(), env(),
            engine_factory=lambda settings, console, engine=engine: engine,
            grounder_factory=lambda settings: make_grounder(),
        )  # fmt: skip
        assert status in (0, 1)  # 1: the fake answers fail checks
        turns = [t for s in saves for t in json.loads(s.read_text(encoding="utf-8"))["turns"]]
        answers = pair(QUIZ[half], turns)
        assert [a.answer if a else None for a in answers] == [
            f"Answer {n}." for n in range(len(QUIZ[half]))
        ]
