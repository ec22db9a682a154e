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
    ("tuning", "how many params in nn.GRU(20, 50)", "3·(50·20 + 50·50 + 2·50) = 10,800.",
     "4·(50·20 + 50·50 + 2·50) = 14,400 parameters."),
    ("tuning", "ok and with bias=False", "Without the biases it has 10500 parameters.",
     "It has 10,650 parameters."),
    ("tuning", "total parameter count", "Layer 1 has 4,800, layer 2 has 6,336: 11,136 in total.",
     "Two layers of 4,800 each: 9,600 parameters."),
    ("tuning", "what's the parameter count for a bidirectional", "1,248 per direction, so "
     "2,496 parameters.", "It has 1,248 parameters."),
    ("tuning", "nn.GRUCell(12, 24)", "3·(24·12 + 24·24 + 2·24) = 2736.",
     "4·(24·12 + 24·24 + 2·24) = 3,648 parameters."),
    ("tuning", "a keras.layers.GRU(32)", "3·32·(12 + 32 + 2) = 4,416 weights.",
     "It has 4,320 parameters."),
    ("tuning", "shape of weight_ih_l1", "weight_ih_l1 is (60, 20): layer 2 reads the 20 "
     "features of layer 1.", "weight_ih_l1 is (60, 10)."),
    ("tuning", "nn.GRU(10, 20, batch_first=True", "output is (4, 7, 40) and h_n is (2, 4, 20).",
     "output is (4, 7, 40) and h_n is (4, 2, 20)."),
    ("tuning", "wait, so h_n isn't", "Right: batch_first does not apply to h_n, which stays "
     "(2, 4, 20).", "Yes, h_n is batch-first too: (4, 2, 20)."),
    ("tuning", "nn.LSTM(12, 24) vs", "The LSTM has 3,648 and the GRU 2,736 parameters.",
     "The GRU has 3,648 and the LSTM 4,864 parameters."),
    ("tuning", "so the reset gate is basically", "Not really. The update gate plays the forget "
     "and input roles; the reset gate only gates the past inside the candidate.",
     "Yes, the reset gate is basically the LSTM's forget gate."),
    ("tuning", "who invented the gru", "No, Cho et al. introduced the GRU in 2014; Hochreiter "
     "co-wrote the 1997 LSTM.", "Yes, Hochreiter invented the GRU as well."),
    ("tuning", "when did the LSTM get", "Gers, Schmidhuber and Cummins added it in 2000; the "
     "1997 LSTM had no forget gate.", "Yes, the 1997 LSTM had a forget gate from the start."),
    ("tuning", "did chung et al.", "No. Chung et al. compared GRUs and LSTMs; Cho et al. "
     "proposed the GRU.", "Yes, Chung et al. invented the GRU in 2014."),
    ("tuning", "in cho's original paper", "It keeps it: Cho et al. write h = z·h_{t-1} + "
     "(1 − z)·h̃, the same as PyTorch.", "PyTorch flipped it: in Cho's paper z near 1 "
     "overwrites the state."),
    ("tuning", "in h_t = (1-z)*n", "The second term, z*h_{t-1}: z close to 1 keeps the old "
     "state.", "The first term, (1-z)*n, keeps the old stuff."),
    ("tuning", "with bidirectional=True the hidden_size", "No. Each direction has its own "
     "hidden_size units; the outputs are concatenated to 2·hidden_size.",
     "Yes, it is split between the two directions."),
    ("tuning", "GRUs can't be stacked", "They can: set num_layers=2 to stack two.",
     "Right, GRUs can't be stacked."),
    ("tuning", "whats the default for reset_after", "It defaults to True, which matches "
     "PyTorch's layout, so it matters.", "reset_after defaults to False, and it doesn't "
     "matter."),
    ("tuning", "does pytorch's dropout", "No. It drops the outputs of each layer except the "
     "last, between layers.", "Yes, dropout is applied to the recurrent connections."),
    # The fourth held-out edition (2026-12-02, session 8).
    ("heldout", "why does a gru even need", "The reset gate lets the candidate n drop parts of the "
     "previous state, so new content can ignore the past.", "The reset gate is redundant, since "
     "the update gate already does its job."),
    ("heldout", "how many sigmoids", "Two sigmoids, for z and r, and one tanh for the candidate.",
     "It uses three sigmoids and two tanh functions."),
    ("heldout", "if the update gate got stuck", "h_t stays the same as h_0 forever: z = 1 copies "
     "the old state and ignores the candidate.", "The hidden state becomes the candidate at "
     "every step."),
    ("heldout", "and if it was stuck at 0", "Then h_t = n_t: the state is replaced by the "
     "candidate at every step.", "Then the hidden state stays the same."),
    ("heldout", "ok and the candidate n_t", "It comes from tanh, so it lies in (−1, 1).",
     "The candidate is between 0 and 1, like the gates."),
    ("heldout", "in keras's GRU does z near 1", "Same as PyTorch: Keras computes h = z * h_tm1 + "
     "(1 - z) * hh, so z near 1 keeps the old state.", "Keras uses the flipped convention."),
    ("heldout", "nn.GRU(input_size=1, hidden_size=1)", "3·(1·1 + 1·1 + 2·1) = 12 parameters.",
     "It has 16 parameters."),
    ("heldout", "how many params does nn.GRU(100, 128", "88,320 + 99,072 + 99,072 = 286,464 "
     "parameters.", "3 × 88,320 = 264,960 parameters."),
    ("heldout", "and how much of that is just the first", "The first layer has 88,320 of them.",
     "The first layer has 95,488 parameters."),
    ("heldout", "params for nn.GRU(5, 10, bias=False", "2·3·(10·5 + 10·10) = 900.",
     "It has 1,020 parameters."),
    ("heldout", "is a gru exactly 3x", "Yes: the RNN has 640 and the GRU 1,920, exactly three "
     "times as many.", "No, the GRU has 2,560 parameters."),
    ("heldout", "what shape is bias_ih_l0", "bias_ih_l0 has shape (60,): 3 × 20.",
     "bias_ih_l0 has shape (20,)."),
    ("heldout", "can i pass nn.GRU(10, 20) an unbatched", "Yes: output is (7, 20) and h_n is "
     "(1, 20).", "No, the input must have a batch dimension."),
    ("heldout", "does nn.GRU have proj_size", "No, proj_size is only supported by nn.LSTM; add "
     "an nn.Linear after the GRU instead.", "Yes, nn.GRU supports proj_size just like nn.LSTM."),
    ("heldout", "nn.GRUCell(4, 8) and i give", "It returns one tensor h' of shape (3, 8).",
     "It returns a tuple (output, h_n) with h_n of shape (1, 3, 8)."),
    ("heldout", "the gru came out of", "No. Cho et al. proposed it in 2014 at the Université de "
     "Montréal, in Bengio's group.", "Yes, Schmidhuber's lab introduced the GRU as well."),
    ("heldout", "so was bengio", "Yes, Yoshua Bengio was one of the authors.",
     "No, Bengio was not an author of that paper."),
    ("heldout", "hochreiter found the vanishing", "No, he analysed vanishing gradients in his "
     "1991 diploma thesis, years before the 1997 LSTM.", "Yes, he discovered the vanishing "
     "gradient problem in 1997."),
    ("heldout", "my inputs are raw sensor", "Yes: large inputs saturate the sigmoids, so "
     "standardize them first.", "No, the gates handle large values on their own."),
    ("heldout", "how does pytorch initialise", "Every weight and bias is drawn from "
     "U(−1/√H, 1/√H).", "Yes, PyTorch uses Xavier initialization by default."),
    ("heldout", "and keras, what does", "kernel glorot_uniform, recurrent_kernel orthogonal, "
     "bias zeros.", "Keras uses the same init as PyTorch, uniform for everything."),
    ("heldout", "gradient clipping in pytorch", "After loss.backward() and before "
     "optimizer.step().", "After optimizer.step(), so you clip the updated weights."),
    ("heldout", "i set dropout=0.3", "No: dropout acts between layers, so with one layer it "
     "does nothing and PyTorch warns.", "Yes, dropout is applied to the hidden state at every "
     "time step."),
    ("heldout", "param count of nn.LSTM(10, 20", "The LSTM has 5,920 and the GRU 4,440 "
     "parameters.", "The GRU has 5,920 and the LSTM 8,880."),
    ("heldout", "and if both have bias=False", "Then the LSTM has 5,600 and the GRU 4,200.",
     "Then the LSTM has 5,760 and the GRU 4,320."),
    ("heldout", "keras LSTM(32) vs GRU(32)", "The LSTM has 6,272 and the GRU 4,800 parameters.",
     "The LSTM has 6,400 and the GRU 4,704."),
    ("heldout", "for a batch of 4, what final", "The LSTM gives (h_n, c_n), both (1, 4, 16); the "
     "GRU gives only h_n, (1, 4, 16).", "Both return h_n and c_n; the GRU returns c_n too, "
     "shape (1, 4, 16)."),
    ("heldout", "a gru is basically just an lstm", "Not really: it merges the forget and input "
     "gates into the update gate and has no cell state.", "Yes, that's basically it."),
    ("heldout", "the gates in a gru only look", "No, both gates use x_t and h_{t-1}.",
     "Right, the gates only use the current input x_t."),
    ("heldout", "since z comes out of a sigmoid", "No, z is continuous, any value between 0 "
     "and 1.", "Yes, z is always either 0 or 1."),
    ("heldout", "nn.GRU has a nonlinearity", "No, only nn.RNN has nonlinearity; nn.GRU raises "
     "a TypeError.", "Yes, nn.GRU has a nonlinearity argument: nn.GRU(10, 20, "
     "nonlinearity='relu')."),
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
