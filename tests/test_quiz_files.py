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
    # The fourth held-out edition (2026-12-02, session 8; in tuning.gru since session 9).
    ("tuning", "why does a gru even need", "The reset gate lets the candidate n drop parts of the "
     "previous state, so new content can ignore the past.", "The reset gate is redundant, since "
     "the update gate already does its job."),
    ("tuning", "how many sigmoids", "Two sigmoids, for z and r, and one tanh for the candidate.",
     "It uses three sigmoids and two tanh functions."),
    ("tuning", "if the update gate got stuck", "h_t stays the same as h_0 forever: z = 1 copies "
     "the old state and ignores the candidate.", "The hidden state becomes the candidate at "
     "every step."),
    ("tuning", "and if it was stuck at 0", "Then h_t = n_t: the state is replaced by the "
     "candidate at every step.", "Then the hidden state stays the same."),
    ("tuning", "ok and the candidate n_t", "It comes from tanh, so it lies in (−1, 1).",
     "The candidate is between 0 and 1, like the gates."),
    ("tuning", "in keras's GRU does z near 1", "Same as PyTorch: Keras computes h = z * h_tm1 + "
     "(1 - z) * hh, so z near 1 keeps the old state.", "Keras uses the flipped convention."),
    ("tuning", "nn.GRU(input_size=1, hidden_size=1)", "3·(1·1 + 1·1 + 2·1) = 12 parameters.",
     "It has 16 parameters."),
    ("tuning", "how many params does nn.GRU(100, 128", "88,320 + 99,072 + 99,072 = 286,464 "
     "parameters.", "3 × 88,320 = 264,960 parameters."),
    ("tuning", "and how much of that is just the first", "The first layer has 88,320 of them.",
     "The first layer has 95,488 parameters."),
    ("tuning", "params for nn.GRU(5, 10, bias=False", "2·3·(10·5 + 10·10) = 900.",
     "It has 1,020 parameters."),
    ("tuning", "is a gru exactly 3x", "Yes: the RNN has 640 and the GRU 1,920, exactly three "
     "times as many.", "No, the GRU has 2,560 parameters."),
    ("tuning", "what shape is bias_ih_l0", "bias_ih_l0 has shape (60,): 3 × 20.",
     "bias_ih_l0 has shape (20,)."),
    ("tuning", "can i pass nn.GRU(10, 20) an unbatched", "Yes: output is (7, 20) and h_n is "
     "(1, 20).", "No, the input must have a batch dimension."),
    ("tuning", "does nn.GRU have proj_size", "No, proj_size is only supported by nn.LSTM; add "
     "an nn.Linear after the GRU instead.", "Yes, nn.GRU supports proj_size just like nn.LSTM."),
    ("tuning", "nn.GRUCell(4, 8) and i give", "It returns one tensor h' of shape (3, 8).",
     "It returns a tuple (output, h_n) with h_n of shape (1, 3, 8)."),
    ("tuning", "the gru came out of", "No. Cho et al. proposed it in 2014 at the Université de "
     "Montréal, in Bengio's group.", "Yes, Schmidhuber's lab introduced the GRU as well."),
    ("tuning", "so was bengio", "Yes, Yoshua Bengio was one of the authors.",
     "No, Bengio was not an author of that paper."),
    ("tuning", "hochreiter found the vanishing", "No, he analysed vanishing gradients in his "
     "1991 diploma thesis, years before the 1997 LSTM.", "Yes, he discovered the vanishing "
     "gradient problem in 1997."),
    ("tuning", "my inputs are raw sensor", "Yes: large inputs saturate the sigmoids, so "
     "standardize them first.", "No, the gates handle large values on their own."),
    ("tuning", "how does pytorch initialise", "Every weight and bias is drawn from "
     "U(−1/√H, 1/√H).", "Yes, PyTorch uses Xavier initialization by default."),
    ("tuning", "and keras, what does", "kernel glorot_uniform, recurrent_kernel orthogonal, "
     "bias zeros.", "Keras uses the same init as PyTorch, uniform for everything."),
    ("tuning", "gradient clipping in pytorch", "After loss.backward() and before "
     "optimizer.step().", "After optimizer.step(), so you clip the updated weights."),
    ("tuning", "i set dropout=0.3", "No: dropout acts between layers, so with one layer it "
     "does nothing and PyTorch warns.", "Yes, dropout is applied to the hidden state at every "
     "time step."),
    ("tuning", "param count of nn.LSTM(10, 20", "The LSTM has 5,920 and the GRU 4,440 "
     "parameters.", "The GRU has 5,920 and the LSTM 8,880."),
    ("tuning", "and if both have bias=False", "Then the LSTM has 5,600 and the GRU 4,200.",
     "Then the LSTM has 5,760 and the GRU 4,320."),
    ("tuning", "keras LSTM(32) vs GRU(32)", "The LSTM has 6,272 and the GRU 4,800 parameters.",
     "The LSTM has 6,400 and the GRU 4,704."),
    ("tuning", "for a batch of 4, what final", "The LSTM gives (h_n, c_n), both (1, 4, 16); the "
     "GRU gives only h_n, (1, 4, 16).", "Both return h_n and c_n; the GRU returns c_n too, "
     "shape (1, 4, 16)."),
    ("tuning", "a gru is basically just an lstm", "Not really: it merges the forget and input "
     "gates into the update gate and has no cell state.", "Yes, that's basically it."),
    ("tuning", "the gates in a gru only look", "No, both gates use x_t and h_{t-1}.",
     "Right, the gates only use the current input x_t."),
    ("tuning", "since z comes out of a sigmoid", "No, z is continuous, any value between 0 "
     "and 1.", "Yes, z is always either 0 or 1."),
    ("tuning", "nn.GRU has a nonlinearity", "No, only nn.RNN has nonlinearity; nn.GRU raises "
     "a TypeError.", "Yes, nn.GRU has a nonlinearity argument: nn.GRU(10, 20, "
     "nonlinearity='relu')."),
    # The fifth held-out edition (2026-12-02, session 9; in tuning.gru since session 10).
    ("tuning", "if the reset gate sat at 1", "It becomes a plain tanh RNN: h_t = tanh(W_in x_t + "
     "b_in + W_hn h_{t-1} + b_hn).", "It turns into an LSTM without the cell state."),
    ("tuning", "if the reset gate sat at 1", "A vanilla RNN: with z = 0 the state is replaced by "
     "the candidate at every step.", "It becomes a vanilla RNN whose hidden state stays "
     "the same."),
    ("tuning", "which gate should i plot", "Plot the update gate z: z close to 1 means the unit "
     "keeps its old value.", "Plot the reset gate r."),
    ("tuning", "which gate should i plot", "The update gate z_t; a unit with z near 1 for many "
     "steps is holding on.", "The update gate: z near 0 means the unit keeps its memory."),
    ("tuning", "does r show up anywhere", "Only inside the candidate: h_t = (1 − z) ⊙ n + z ⊙ "
     "h_{t−1} has no r.", "r also appears in the final update, scaling h_{t-1}."),
    ("tuning", "why do the gates use sigmoid", "A gate must be a fraction between 0 and 1; "
     "ReLU is unbounded, so sigmoid.", "The GRU gates use ReLU in most implementations."),
    ("tuning", "if z_t = 0.8", "In PyTorch's form 0.8 of the old value is kept: h_t = 0.2·n + "
     "0.8·h_{t−1}.", "Only 0.2 of the old value survives; 0.8 comes from the candidate."),
    ("tuning", "and how much comes from the candidate", "0.2, i.e. 1 − z: h_t = 0.2·n_t + "
     "0.8·h_{t−1}.", "80% comes from the candidate."),
    ("tuning", "quick sanity check", "h_t = 0.8·(−1) + 0.2·2 = [−0.4, −0.4, −0.4].",
     "h_t = 0.2·(−1) + 0.8·2 = 1.4 for each unit."),
    ("tuning", "quick sanity check", "Each unit gets (1 − 0.2)·(−1) + 0.2·2 = −0.4.",
     "h_t = [0.4, 0.4, 0.4]."),
    ("tuning", "and with z = [1, 0, 0.25]", "h_t = (1 − z)·n + z·h_{t−1} = [2, −1, −0.25].",
     "h_t = [−1, 2, 1.25]."),
    ("tuning", "in the gru equations which", "The W_* are matrices; x_t, h_{t−1}, z, r, n and "
     "the biases are vectors.", "The W are matrices, but z and r are scalars, one per layer."),
    ("tuning", "what shape is W_hz", "W_hz is (32, 32): rows 32–63 of weight_hh_l0.",
     "W_hz has shape (96, 32)."),
    ("tuning", "how many separate terms", "Four: W_iz x_t + b_iz + W_hz h_{t−1} + b_hz.",
     "Three terms: W_iz x_t, W_hz h_{t−1} and one bias."),
    ("tuning", "if i write my own gru as", "It learns the same thing: the gate just learns "
     "1 − z, since σ(−a) = 1 − σ(a), so the two forms are equivalent.", "Yes, it is worse: the "
     "flipped version is less expressive."),
    ("tuning", "and if i copy the weights", "No. With the same weights the outputs differ; you "
     "have to negate the z weights first.", "Yes, the outputs will match exactly."),
    ("tuning", "so what exactly would i have", "Negate the z rows: W_iz, W_hz, b_iz and b_hz "
     "(rows H:2H) get multiplied by −1, since σ(−a) = 1 − σ(a).", "Nothing needs to change; "
     "just swap the z and r rows."),
    ("tuning", "pytorch's docs call the candidate", "Yes, same role: both name the candidate "
     "state, n_t in PyTorch and h̃_t in your course.", "Yes, but n_t is the new hidden state "
     "h_t, and h̃ is the candidate."),
    ("tuning", "my lecture writes z", "Yes, it is equivalent: W_z is just [W_hz W_iz] side by "
     "side, and b_z = b_iz + b_hz.", "No, the concatenation gives a different model."),
    ("tuning", "how many trainable params in nn.GRU(64", "3·(256·64 + 256·256 + 2·256) = "
     "247,296 parameters.", "4·(256·64 + 256·256 + 2·256) = 329,728 parameters."),
    ("tuning", "how many of those are biases", "1,536: bias_ih_l0 and bias_hh_l0 have 768 "
     "each.", "There are 768 biases."),
    ("tuning", "total params for nn.GRU(30, 40", "Layer 0: 2·3·(40·30 + 40·40 + 80) = 17,280; "
     "layer 1 reads 80 features: 2·3·(40·80 + 40·40 + 80) = 29,280; total 46,560 parameters.",
     "Layer 1 reads 40 features, so the total is 36,960 parameters."),
    ("tuning", "nn.GRUCell(7, 9, bias=False)", "3·(9·7 + 9·9) = 432 parameters.",
     "3·(9·7 + 9·9 + 2·9) = 486 parameters."),
    ("tuning", "whats the weight count of a keras", "3·24·(6 + 24 + 2) = 2,304 parameters.",
     "3·24·(6 + 24 + 1) = 2,232 parameters."),
    ("tuning", "and with reset_after=False", "Then the bias is (72,), so 2,232 parameters, 72 "
     "fewer than 2,304.", "It stays 2,304 parameters."),
    ("tuning", "nn.GRU(12, 6, num_layers=4)", "Layer 0 has 360, layers 1–3 have 252 each: "
     "1,116 parameters.", "Each of the 4 layers has 360, so 1,440 parameters."),
    ("tuning", "nn.GRU(6, 12, num_layers=2", "output is (5, 9, 12) and h_n is (2, 5, 12): "
     "batch_first does not apply to h_n.", "output is (5, 9, 12) and h_n is (5, 2, 12)."),
    ("tuning", "how do i see the names", "Use gru.named_parameters(): weight_ih_l0, "
     "weight_hh_l0, bias_ih_l0, bias_hh_l0.", "They are gru.W_z, gru.W_r and gru.W_n."),
    ("tuning", "my sequences arent sorted", "Yes: pass enforce_sorted=False and PyTorch sorts "
     "them for you.", "No, the lengths must be sorted in decreasing order."),
    ("tuning", "my sequences arent sorted", "No need to sort: pass enforce_sorted=False.",
     "Yes, with enforce_sorted=False, but the lengths must be on the GPU."),
    ("tuning", "ok and what does the gru give back", "output comes back as a PackedSequence "
     "(unpack it with pad_packed_sequence); h_n is a normal tensor (1, B, H).",
     "The output is a regular padded tensor, and h_n is also a PackedSequence."),
    ("tuning", "can i hand nn.GRU an (h0, c0)", "No: nn.GRU takes a single tensor h0 of shape "
     "(num_layers·D, N, H); it has no cell state.", "Yes, nn.GRU accepts (h0, c0) like the "
     "LSTM."),
    ("tuning", "with bidirectional=True, is output[-1]", "No: the backward half of output[-1] "
     "has only seen the last step; the backward final state is in output[0] and h_n[1].",
     "Yes, output[-1] holds the final states of both directions."),
    ("tuning", "what does calling gru.flatten", "It copies the weights into one contiguous "
     "block of memory so cuDNN can use them without a copy each call.", "It flattens the output "
     "into a 2-D tensor for the linear layer."),
    ("tuning", "is there a layer norm option", "No, nn.GRU has no such option (it raises a "
     "TypeError); write your own cell with nn.LayerNorm.", "Yes: nn.GRU(10, 20, "
     "layer_norm=True) turns it on."),
    ("tuning", "roughly how many years after", "About 17 years: the LSTM is from 1997 and the "
     "GRU from 2014.", "Roughly ten years later: the GRU was introduced in 2007."),
    ("tuning", "bahdanau's attention paper", "GRU-ish: Bahdanau et al. used a bidirectional "
     "RNN encoder with gated hidden units, the unit Cho et al. proposed.", "Bahdanau et al. used "
     "a bidirectional LSTM encoder."),
    ("tuning", "and the cho on those papers", "His first name is Kyunghyun: Kyunghyun Cho.",
     "It's Kyung-hoon Cho."),
    ("tuning", "which was on arxiv first", "Cho et al. came first, on arXiv in June 2014; "
     "Sutskever et al. followed in September 2014.", "Sutskever's seq2seq paper came first, and "
     "it used a GRU."),
    ("tuning", "which was on arxiv first", "Cho et al. did: June 2014. Sutskever et al. did not "
     "come first; they posted in September.", "Sutskever et al. came out first, in 2014."),
    ("tuning", "i read google ran a huge search", "Jozefowicz, Zaremba and Sutskever found no "
     "variant that clearly beat both; the GRU beat the LSTM on most tasks, and a forget gate "
     "bias of 1 closed the gap.", "The search discovered the GRU in 2015."),
    ("tuning", "why does the z ⊙ h_{t-1} term", "When z ≈ 1 the state is copied almost as is, so "
     "∂h_t/∂h_{t−1} ≈ z: an additive, nearly identity path with no tanh or weight matrix.",
     "It copies the state, and that prevents exploding gradients completely."),
    ("tuning", "clip_grad_norm_ or clip_grad_value_", "clip_grad_norm_: it rescales the whole "
     "gradient vector, so its direction is kept; clip_grad_value_ clamps each entry and can "
     "change the direction.", "clip_grad_norm_ rescales, but clip_grad_value_ keeps the "
     "direction."),
    ("tuning", "and what does clip_grad_norm_ return", "It returns the total norm of all the "
     "gradients, computed before clipping, as a tensor.", "It returns nothing; it only clips in "
     "place."),
    ("tuning", "my gru loss barely moves", "Yes, 1e-6 is far too small for Adam; try 1e-3 or "
     "3e-4.", "No, 1e-6 is a typical learning rate for a GRU; lower it further."),
    ("tuning", "training a gru on one super long", "Yes: call h = h.detach() between chunks, "
     "otherwise backprop tries to go through the graph of all earlier chunks.", "No, PyTorch "
     "handles that, there is no need to detach."),
    ("tuning", "what error shows up if i forget", "RuntimeError: Trying to backward through the "
     "graph a second time (or you would need retain_graph=True).", "You get a shape mismatch "
     "error."),
    ("tuning", "whats the biggest value the derivative", "The sigmoid's derivative is at most "
     "0.25 (at 0), and tanh's derivative is at most 1.", "The sigmoid derivative peaks at 0.5 "
     "and tanh is bounded by 1."),
    ("tuning", "bidirectional nn.LSTM(40, 30)", "The LSTM has 2·4·(30·40 + 30·30 + 60) = 17,280 "
     "and the GRU 2·3·(30·40 + 30·30 + 60) = 12,960 parameters.", "The LSTM has 12,960 and the "
     "GRU 17,280 parameters."),
    ("tuning", "how many numbers per sequence", "The LSTM carries h and c, so 2H numbers; the "
     "GRU carries only h, H numbers.", "Both carry 2H and 2H: the GRU also keeps a cell state."),
    ("tuning", "can a gru pile new info", "No: in a GRU the weights z and 1 − z sum to 1, so "
     "keeping more of the old state means writing less of the candidate; an LSTM with f = 1 and "
     "i = 1 can do both.", "Yes, a GRU can keep all its old memory and add new information at "
     "the same time."),
    ("tuning", "per timestep, how many matrix", "An LSTM needs 8 (4 with W_i*, 4 with W_h*) "
     "and a GRU 6.", "A GRU needs 8 matrix products and an LSTM 6."),
    ("tuning", "gru has fewer params so", "Not necessarily: fewer parameters can help a bit, "
     "but a GRU can still overfit, so regularize it.", "GRUs can't overfit as much as LSTMs, "
     "that's right."),
    ("tuning", "z and r always add up to 1", "No. z and r are computed separately with their "
     "own weights; it's z and 1 − z that add up to 1.", "Yes, z + r = 1 always."),
    ("tuning", "z and r always add up to 1", "They are independent: each gate has its own "
     "weights.", "Right, the two gates always add up to 1."),
    ("tuning", "bigger hidden_size = the gru", "No. hidden_size is the width of the state, the "
     "number of units; how far back it remembers is learned by the gates, with no fixed "
     "window.", "Yes, hidden_size sets how many steps it can remember."),
    ("tuning", "is it true that a longer sequence", "No. The same weights are reused at every "
     "step, so the count is independent of sequence length.", "Yes, more timesteps means more "
     "parameters."),
    ("tuning", "since the gates are sigmoids", "No: the gates are in (0, 1), but h_t mixes "
     "tanh outputs, so it lies in (−1, 1) and can be negative.", "Yes, it's always positive: "
     "the hidden state always stays between 0 and 1."),
    ("tuning", "the candidate n_t is what", "No. The output at each step is h_t, a mix of n_t "
     "and h_{t−1} weighted by z.", "Yes, the output is the candidate n_t."),
    ("tuning", "gru is cheaper and just as good", "Not really: it depends on the task; LSTMs "
     "still win on some, so try both.", "Yes, there's no reason to use an LSTM anymore; GRUs "
     "always beat them."),
    # The sixth held-out edition (2026-12-02, session 10; tuning material since session 12).
    ("tuning", "can the update gate of one unit", "Yes: z = σ(W_iz x_t + b_iz + W_hz h_{t−1} + "
     "b_hz) with a full matrix W_hz, so each unit's z depends on every unit of h_{t−1}.",
     "No, each unit's gate only looks at its own old value, since W_hz is diagonal."),
    ("tuning", "can a gru unit hold its value", "Only approximately: z approaches 1 but a "
     "sigmoid never reaches it, so the value slowly leaks away.", "Yes, with z = 1 the unit "
     "keeps its value perfectly forever."),
    ("tuning", "what gets computed first", "r and z are computed first from x_t and h_{t−1}; the "
     "candidate n needs r, and h_t needs z and n.", "The candidate is computed first, then the "
     "gates."),
    ("tuning", "weird thought experiment", "σ(0) = 0.5, so z = r = 0.5; n = tanh(0) = 0, "
     "and h_1 = 0.5·0 + 0.5·0 = 0, so the state stays zero.", "z = 0 and r = 0, so h_1 = 0.5."),
    ("tuning", "same all-zero weights", "n = 0 and z = 0.5, so h_t = 0.5·[4, −2] = [2, −1].",
     "h_t = [4, -2], it is unchanged."),
    ("tuning", "which gate matters more for units", "Cho et al. saw that units with active reset "
     "gates capture short-term dependencies, while units with active update gates capture "
     "long-term ones.", "The reset gate captures long-term dependencies and the update gate "
     "handles short-term ones."),
    ("tuning", "whats ∂h_t/∂n_t", "With h_t = (1 − z) ⊙ n_t + z ⊙ h_{t−1}, ∂h_t/∂n_t = "
     "diag(1 − z).", "∂h_t/∂n_t = z."),
    ("tuning", "and ∂h_t/∂h_{t-1}, if i pretend", "Then ∂h_t/∂h_{t−1} = diag(z): the copy path "
     "alone.", "∂h_t/∂h_{t−1} = 1 − z."),
    ("tuning", "how many separate weight matrices", "Six: W_ir, W_iz, W_in, W_hr, W_hz and W_hn.",
     "Three matrices, one per gate."),
    ("tuning", "hidden size 2: h_{t-1}", "h_t = (1 − z)·n + z·h_{t−1} = [0.5·1 + 0.5·0.5, 0.1·1 + "
     "0.9·(−1)] = [0.75, −0.8].", "h_t = [0.75, 0.8]."),
    ("tuning", "and if i'd used the flipped", "Flipped, h_t = (1 − z)·h_{t−1} + z·n = "
     "[0.75, 0.8].", "It stays h_t = [0.75, −0.8]."),
    ("tuning", "hidden 20, input 10", "[h_{t−1}, x_t] has length 30, so W_z is (20, 30).",
     "The concatenation has length 200, so W_z is (20, 20)."),
    ("tuning", "what would actually break", "A sigmoid is in (0, 1), so the candidate could never "
     "be negative and could only push the state up.", "Nothing would change; a sigmoid also "
     "ranges from -1 to 1."),
    ("tuning", "d2l writes X W", "Yes: d2l's matrices are the transposes of PyTorch's, the same "
     "model.", "No, they have the same shapes; it is a different model."),
    ("tuning", "and keras's kernel, which way", "Like d2l: the kernel is (input_dim, 3·units), "
     "the transpose of PyTorch's weight_ih.", "The Keras kernel has the same layout as PyTorch's "
     "weight_ih."),
    ("tuning", "in the flipped convention (z on", "Only z flips; the reset gate stays the same.",
     "The reset gate flips too."),
    ("tuning", "so if a flipped-convention model", "PyTorch would need z = 0.7, that is 1 − 0.3.",
     "PyTorch's z would be 0.3 as well."),
    ("tuning", "does chung et al's 2014 paper", "The other way round: Chung et al. write h_t = "
     "(1 − z) h_{t−1} + z h̃_t, so z weights the candidate.", "Chung et al. use the same form as "
     "PyTorch and Cho."),
    ("tuning", "my notes write z = σ", "U_z is PyTorch's W_hz (the recurrent weights); your W_z "
     "is W_iz.", "W_z is W_hz."),
    ("tuning", "nn.GRU(50, 100, num_layers=3, bias", "45,000 + 60,000 + 60,000 = 165,000 "
     "parameters.", "It has 180,000 parameters."),
    ("tuning", "nn.GRU(1, 64) for a univariate", "3·(64·1 + 64·64 + 2·64) = 12,864 parameters.",
     "It has 17,152 parameters."),
    ("tuning", "keras Bidirectional(GRU(16))", "2·3·16·(8 + 16 + 2) = 2,496 weights.",
     "It has 1,248 weights."),
    ("tuning", "what if the GRU inside the Bidirectional", "Then each direction has "
     "3·16·(8 + 16 + 1) = 1,200, so 2,400 in total.", "It stays 2,496."),
    ("tuning", "nn.GRUCell(100, 50) vs", "Yes, the same: both have 3·(50·100 + 50·50 + 2·50) = "
     "22,800.", "No, the GRUCell has fewer parameters."),
    ("tuning", "how many numbers are in weight_hh", "weight_hh_l0 is (33, 11), so 363 numbers.",
     "weight_hh_l0 is (11, 11), so weight_hh_l0 has 121 numbers."),
    ("tuning", "how many params are just the candidate", "W_in 200 + W_hn 400 + b_in 20 + b_hn "
     "20 = 640.", "It has 620 parameters."),
    ("tuning", "for nn.GRU(4, 6), which rows", "Rows 12:18, i.e. weight_ih_l0[12:18], since "
     "the order is r, z, n.", "W_in is rows 0:6."),
    ("tuning", "keras GRU(stateful=True)", "The last state of each batch is the initial state for "
     "the next batch; call layer.reset_states() between epochs.", "stateful saves the weights "
     "between batches."),
    ("tuning", "3-layer nn.GRU, not bidirectional", "h_n[-1] (the same as h_n[2]) is the top "
     "layer's final state.", "h_n[0] is the top layer."),
    ("tuning", "and if i make it bidirectional", "Take h_n[-2] (forward) and h_n[-1] (backward), "
     "or h_n.view(3, 2, N, H)[-1].", "h_n[-1] holds both directions."),
    ("tuning", "does nn.GRU convert my float64", "No: it raises a ValueError about the dtype; "
     "call x.float() first.", "Yes, it casts it automatically."),
    ("tuning", "after pad_packed_sequence, how long", "The longest sequence in the batch, unless "
     "you pass total_length.", "It pads back to the original padded length."),
    ("tuning", "how do i get it back to my original", "Pass total_length=10 to "
     "pad_packed_sequence.", "You can't get it back."),
    ("tuning", "with packed input, is h_n", "At each sequence's last real step: the GRU never "
     "processes the padding.", "h_n comes from the padded end of the batch."),
    ("tuning", "keras GRU with return_state=True", "Yes, they are identical: a GRU's state is its "
     "last output.", "No, the state is the cell state."),
    ("tuning", "can i feed nn.GRU one timestep", "Yes, you get the same outputs and h_n, up to "
     "float rounding.", "No, the results will be different."),
    ("tuning", "whats the minimal gated unit", "The MGU, by Zhou et al. in 2016, has a single "
     "gate, a forget gate.", "The MGU was proposed by Chung, and the MGU has two gates."),
    ("tuning", "and which gate does it keep", "Its forget gate does both jobs: it gates the past "
     "in the candidate and mixes the update.", "The MGU keeps an output gate."),
    ("tuning", "who wrote the original lstm paper", "Sepp Hochreiter and Jürgen Schmidhuber, "
     "in Neural Computation, 1997.", "Gers wrote the original LSTM, published in NeurIPS."),
    ("tuning", "who were the authors of chung", "Junyoung Chung, Caglar Gulcehre, KyungHyun Cho "
     "and Yoshua Bengio, so yes, Cho was on it.", "No; Schmidhuber co-authored it."),
    ("tuning", "cho's 2014 gru paper was about", "English to French, on the WMT'14 task.",
     "It was English-German."),
    ("tuning", "i heard grus can't count", "Yes: Weiss, Goldberg and Yahav (2018) showed that "
     "LSTMs can count and GRUs cannot.", "That is a myth: GRUs can count just as well as LSTMs."),
    ("tuning", "greff et al's", "None of the variants improved significantly on the vanilla "
     "LSTM; the forget gate and output activation matter most.", "They found a new variant that "
     "was significantly better."),
    ("tuning", "with truncated bptt over 50-step", "Not directly: gradients stop at the 50-step "
     "chunk, though the forward state still carries some information.", "Yes, the gradient "
     "flows back through all 200 steps."),
    ("tuning", "whats a sane max_norm", "Around 1 to 5; with 1e-4 every update becomes tiny and "
     "training crawls.", "Setting it too low makes the gradients explode."),
    ("tuning", "is it ok to put ordinary dropout", "Use variational dropout, with the same mask "
     "at every step (Gal and Ghahramani), or weight-drop on W_hh.", "nn.GRU's dropout applies "
     "between time steps, so just use it."),
    ("tuning", "does packing actually change", "It changes the result: without packing the pad "
     "steps update the state, so h_n differs.", "Packing is only a speed optimisation."),
    ("tuning", "do model.train() and model.eval()", "Only dropout between layers changes; with "
     "dropout=0 the GRU gives the same output.", "Calling eval() freezes the gates."),
    ("tuning", "i did once get 'cudnn RNN backward", "Yes: cuDNN refuses backward in eval mode; "
     "call model.train() first.", "Detaching the hidden state fixes it."),
    ("tuning", "lstm people init the forget bias", "Yes: make the update gate bias positive "
     "(b_iz or b_hz around 1), so z starts near 1 and keeps the state.", "Initialise the z "
     "bias to -1 so z near 0 keeps the memory."),
    ("tuning", "nn.LSTM(64, 64, num_layers=2) vs", "The LSTM has 66,560 and the GRU 49,920 "
     "parameters.", "The GRU has 66,560 parameters."),
    ("tuning", "so the gru is what fraction", "Exactly 3/4: 49,920 / 66,560 = 0.75.",
     "It is about two-thirds."),
    ("tuning", "does pytorch's nn.LSTM set the forget", "No, PyTorch draws every bias from a "
     "uniform distribution; set it yourself.", "Yes, PyTorch initializes the forget bias to 1."),
    ("tuning", "bias=False and bidirectional on both", "The LSTM has 2·4·(60 + 100) = 1,280 and "
     "the GRU 2·3·(60 + 100) = 960.", "The GRU has 1,280 and the LSTM has 960."),
    ("tuning", "can i initialise a gru from a trained", "Not directly: the gates and equations "
     "differ, so there is no one-to-one mapping.", "Yes, just drop the output gate rows."),
    ("tuning", "my lstm code did", "nn.GRU returns (output, h_n) with a single tensor h_n; write "
     "out, h = gru(x).", "It's a shape mismatch error: nn.GRU returns h and c in another order."),
    ("tuning", "in a stacked lstm it's c_t", "No: h_t goes to the next layer, in an LSTM and in a "
     "GRU; c_t stays inside its layer.", "Yes, c_t is passed to the next layer."),
    ("tuning", "so the reset gate is what stops", "No, mostly the update gate: its z ⊙ h_{t−1} "
     "path carries the gradient.", "Yes, the reset gate prevents vanishing gradients."),
    ("tuning", "a bidirectional gru just reads", "No: each direction has its own weights (the "
     "_reverse parameters).", "Yes, the same weights are used for both directions."),
    ("tuning", "a gru only takes one number", "No: input_size can be any number of features, so "
     "one GRU reads all of them.", "Yes, you need one GRU per feature."),
    ("tuning", "h_t is a weighted average", "No: each unit of h_t lies between h_{t−1} and n, not "
     "below both.", "Yes, it is always smaller than both."),
    ("tuning", "z is basically a learned parameter", "No: z is computed at each step from x_t "
     "and h_{t−1}; the optimizer trains W_iz, W_hz and the biases.", "Yes, z is a learned "
     "parameter."),
    ("tuning", "the gru was invented to fix", "No: Cho et al. wanted a simpler unit for "
     "translation; clipping handles exploding gradients.", "Yes, the GRU was designed to fix the "
     "LSTM's exploding gradients."),
    ("tuning", "more layers = the gru", "Not really: depth adds more abstract features per step, "
     "not a longer memory.", "Yes, each extra layer extends the memory by more time steps."),
    # More right phrasings for the sixth edition's checks (fair to a correct tutor).
    ("tuning", "weird thought experiment", "Both gates are σ(0) = 0.5 and tanh(0) = 0, so h_1 = "
     "0.5 ⊙ 0 + 0.5 ⊙ 0 = 0.", "The gates are 1, so h_1 = 0.5."),
    ("tuning", "hidden 20, input 10", "The concatenation has 20 + 10 = 30 entries, so W_z is 20 × "
     "30: [W_hz W_iz] side by side, where W_hz is (20, 20) and W_iz is (20, 10).",
     "W_z has shape (30, 30)."),
    ("tuning", "for nn.GRU(4, 6), which rows", "The order is r, z, n, so W_in is "
     "weight_ih_l0[12:18] (r is [0:6] and z is [6:12]).", "The candidate is rows 6:12."),
    ("tuning", "how many numbers are in weight_hh", "It stacks three (11, 11) blocks, W_hr, W_hz "
     "and W_hn, so it is (33, 11): 363 numbers.", "It is (44, 11)."),
    ("tuning", "how many params are just the candidate", "W_in + b_in = 220 and W_hn + b_hn = "
     "420, so 640 of the layer's 4,440.", "The candidate part has 660 parameters."),
    ("tuning", "keras GRU(stateful=True)", "By default the state resets for every batch. With "
     "stateful=True the final state of each batch becomes the initial state for the next batch; "
     "call reset_states() at each epoch.", "stateful=True resets the state after every batch."),
    ("tuning", "whats a sane max_norm", "Around 0.5 to 5. With 1e-4 each step is a tiny update, "
     "while too high a threshold lets exploding gradients through.", "A max_norm of 1e-4 leads to "
     "exploding gradients."),
    ("tuning", "d2l writes X W", "Essentially yes: d2l's W_xz is (d, h), the same layout as the "
     "Keras kernel and the transpose of PyTorch's block.", "They are identical shapes, so no."),
    ("tuning", "so if a flipped-convention model", "It needs z = 0.7, since 1 − 0.3 = 0.7; a z of "
     "0.3 there means 30% candidate.", "PyTorch's z should be 0.3."),
    ("tuning", "whats the minimal gated unit", "Zhou et al.'s minimal gated unit (2016) keeps a "
     "single forget gate, unlike the GRU with two gates.", "The MGU has three gates, from "
     "Hochreiter."),
    ("tuning", "lstm people init the forget bias", "Yes: in PyTorch set the update gate bias "
     "positive (about 1), so z starts near 1; in the flipped convention you would set it "
     "negative.", "No such trick exists."),
    ("tuning", "can the update gate of one unit", "It does: W_hz mixes the whole hidden "
     "state, not just its own unit.", "Each unit's z only depends on its own unit."),
    # The seventh held-out edition (2026-12-02, session 12; tuning since session 13).
    ("tuning", "say i want a unit to still hold",
     "You need z^10 = 0.9, so z = 0.9^(1/10) ≈ 0.9895 at every step.", "z = 0.9 at every step."),
    ("tuning", "and what number would have to go", "The logit is ln(0.9895 / 0.0105) ≈ 4.55.",
     "The pre-activation is about -4.5."),
    ("tuning", "can the reset gate ever stop",
     "No: r only scales the hidden part, W_hn h_{t−1} + b_hn; W_in x_t always gets in.",
     "Yes, the reset gate can block the input x_t when it is near 0."),
    ("tuning", "if r is stuck at 0 for good, is",
     "Yes, still recurrent: h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, and z reads h_{t−1} too.",
     "It becomes a feedforward network, since the past is gone."),
    ("tuning", "which gate lets a gru basically",
     "The update gate: with z near 1, h_t ≈ h_{t−1}, so the token is skipped.",
     "The reset gate lets it skip the token."),
    ("tuning", "and couldn't r do that on its ow",
     "No: r only scales the past inside the candidate; x_t still enters n, and (1 − z) ⊙ n "
     "still replaces part of h.", "Yes, r near 0 does the same."),
    ("tuning", "the update gate gets multiplied",
     "No. z only acts after the tanh, in h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}; the reset gate is the "
     "one inside the candidate.", "Yes, z is multiplied inside the candidate too."),
    ("tuning", "for z = σ(a), what's dz/da when", "dz/da = z(1 − z) = 0.9 · 0.1 = 0.09.",
     "dz/da = 0.9."),
    ("tuning", "and tanh's slope for the candida", "1 − n² = 1 − 0.81 = 0.19.",
     "The slope is 0.81."),
    ("tuning", "tiny example, hidden size 1, pyt",
     "r = z = σ(1) ≈ 0.731, n = tanh(1 + 0.731·0) = tanh(1) ≈ 0.762, so h_t = (1 − 0.731)·0.762 "
     "≈ 0.205.", "n = tanh(1), so h_t ≈ 0.76."),
    ("tuning", "same setup but h_{t-1} = 1 this",
     "r = z = σ(2) ≈ 0.881, n = tanh(1 + 0.881) ≈ 0.954, h_t = 0.119·0.954 + 0.881·1 ≈ 0.995.",
     "h_t ≈ 0.954."),
    ("tuning", "how many elementwise (⊙) multipl",
     "Three: r ⊙ (W_hn h + b_hn), (1 − z) ⊙ n and z ⊙ h_{t−1}.",
     "Two elementwise products: (1 − z) ⊙ n and z ⊙ h."),
    ("tuning", "can i rewrite h_t so z only show", "Yes: h_t = n_t + z ⊙ (h_{t−1} − n_t).",
     "h_t = h_{t−1} + z ⊙ (n_t − h_{t−1})."),
    ("tuning", "the σ in the gru equations, is t",
     "Yes, the logistic sigmoid σ(x) = 1/(1 + e^(−x)).", "σ is the softmax over the hidden units."),
    ("tuning", "a blog writes h_t = z⊙h̃_t + (1−",
     "Mostly replacing: that form puts z on the candidate, so 90% comes from h̃ and 10% from "
     "the old value.", "It is mostly keeping its old value, 90% of it."),
    ("tuning", "and keras's GRU with that same z",
     "Keras keeps it: h = z * h_tm1 + (1 - z) * hh, so 90% of the old value stays.",
     "Keras replaces it too."),
    ("tuning", "r⊙(W_hn h) vs",
     "They are different: r ⊙ (W h) is not W (r ⊙ h) in general, so the weights cannot be "
     "converted exactly.", "They are equivalent, just renamed weights."),
    ("tuning", "keras GRU(reset_after=False), wh",
     "Cho's original: r multiplies h_{t−1} before the matrix product; reset_after=True is "
     "PyTorch's.", "reset_after=False matches PyTorch."),
    ("tuning", "does cudnn's gru put r where pyt",
     "Where PyTorch does: cuDNN applies r after the recurrent matrix product, to R h + b_R; "
     "that is why Keras defaults to reset_after=True.", "cuDNN follows Cho's placement."),
    ("tuning", "what do pytorch's docs actually",
     "Yes, the docs call n_t the new gate; it is the candidate state.",
     "n stands for next, the next hidden state."),
    ("tuning", "in cho's 2014 formula for the ca",
     "No: Cho's formula has no bias there, h̃ = tanh(W x + U(r ⊙ h_{t−1})); b_hn inside r is "
     "PyTorch's.", "Yes, Cho has a bias inside too, the same b_hn."),
    ("tuning", "tiny one: nn.GRU(3, 5), how many", "3·(5·3 + 5·5 + 2·5) = 150 parameters.",
     "4·(15 + 25 + 10) = 200 parameters."),
    ("tuning", "ok and if i stack two of those,",
     "Layer 2 reads 5 features: 3·(25 + 25 + 10) = 180, so 150 + 180 = 330.",
     "Twice as many: 300 parameters."),
    ("tuning", "nn.GRU(128, 64, num_layers=2, bi",
     "Each layer has 2·3·(64·128 + 64·64 + 2·64) = 74,496 (layer 2 reads 2·64 = 128), so "
     "148,992 in total.", "74,496 + 49,920 = 124,416 parameters."),
    ("tuning", "keras GRU(10) on 5 features per",
     "3·10·(5 + 10 + 2) = 510 parameters, of which 60 are biases: the bias has shape (2, 30).",
     "3·10·(5 + 10 + 1) = 480 parameters, 30 of them biases."),
    ("tuning", "i pack 3 sequences of lengths 5,",
     "It is (10, 8): 5 + 3 + 2 = 10 real steps, 8 features each.",
     "(15, 8), one row per padded step."),
    ("tuning", "and what's in its batch_sizes?",
     "tensor([3, 3, 2, 1, 1]): how many sequences are still running at each step.",
     "batch_sizes is [5, 3, 2]."),
    ("tuning", "bidirectional 3-layer nn.GRU(6,",
     "weight_ih_l2 is (48, 32): 3·16 rows, reading both directions of layer 1 (2·16 = 32); "
     "weight_ih_l0 is (48, 6).", "weight_ih_l2 is (48, 16)."),
    ("tuning", "nn.Embedding(1000, 32) -> nn.GRU", "32,000 + 11,808 + 490 = 44,298 parameters.",
     "32,000 + 11,808 + 480 = 44,288."),
    ("tuning", "bidirectional nn.GRU(5, 7, num_l",
     "The second half: output[..., 7:] is backward, output[..., :7] is forward.",
     "The first half is the backward direction."),
    ("tuning", "and at which time index of outpu",
     "At index 0: output[0, :, 7:] equals h_n[-1], while the forward final state is at "
     "output[-1, :, :7].", "The backward direction's final state is output[-1, :, 7:]."),
    ("tuning", "can i pass h0 as (batch, hidden)",
     "It needs 3-D: (1, batch, hidden); a 2-D hx with batched input raises a RuntimeError, so "
     "use h0.unsqueeze(0).", "A 2-D h0 works fine, it gets broadcast."),
    ("tuning", "keras GRU(32, go_backwards=True,",
     "Reversed: the output's first step belongs to the input's last step; flip it with ops.flip "
     "if you need the original order.", "It comes back in the normal time order."),
    ("tuning", "my data has a Masking(mask_value",
     "It skips them: the state is carried over unchanged and, with return_sequences, the "
     "previous output is repeated.", "It processes the zeros like normal inputs."),
    ("tuning", "i built nn.GRU(input_size=4, hid",
     "It raises RuntimeError: input.size(-1) must be equal to input_size. Expected 4, got 5.",
     "It just ignores the extra feature."),
    ("tuning", "did cho et al 2014 actually tran",
     "Mostly something else: the RNN Encoder–Decoder scored phrase pairs, added as a feature to "
     "a phrase-based SMT system (Moses) for English–French.",
     "Yes, they translated whole sentences end to end with it."),
    ("tuning", "bahdanau et al.'s attention mode",
     "RNNsearch, compared with the plain RNNencdec; its encoder is a bidirectional RNN of gated "
     "units.", "They called it the Transformer."),
    ("tuning", "who came up with peephole connec", "Felix Gers and Jürgen Schmidhuber, in 2000.",
     "Hochreiter introduced peephole connections in 1997."),
    ("tuning", "where was cho's gru paper publis", "EMNLP 2014, in Doha.",
     "It was published at NeurIPS 2014."),
    ("tuning", "chung et al 2014 compared gru an",
     "A traditional tanh unit, the plain RNN, on polyphonic music and speech.",
     "The third unit was the MGU."),
    ("tuning", "what's the 'constant error carou",
     "The CEC is the memory cell's self-connection with a fixed weight of 1.0, so the error "
     "flows back through it unchanged.", "The CEC is the forget gate."),
    ("tuning", "and what plays that role in a gr",
     "The z ⊙ h_{t−1} path: with the update gate near 1, h is copied forward almost unchanged.",
     "The reset gate plays that role."),
    ("tuning", "does clip_grad_norm_ clip each p",
     "All together: it computes one total norm over every gradient, as if concatenated into one "
     "vector, and scales them all by the same factor.",
     "It clips each parameter's gradient separately, by its own norm."),
    ("tuning", "so max_norm=1 and the total norm",
     "Every gradient is multiplied by 1/4 (about 0.25), so the total norm becomes 1 and the "
     "direction stays the same.", "Each gradient element is clipped to 1."),
    ("tuning", "are exploding gradients in a gru",
     "Big ones: large recurrent weights (singular values above 1) make the gradient grow step "
     "by step; small ones make it vanish.", "Small weights cause exploding gradients."),
    ("tuning", "whats teacher forcing when train",
     "Teacher forcing feeds the ground-truth previous token to the decoder during training; at "
     "test time it must eat its own predictions, so errors compound (exposure bias).",
     "Teacher forcing is a kind of distillation from a bigger model."),
    ("tuning", "if the loss only looks at the la",
     "Through the recurrence: backpropagation through time carries the gradient from the last "
     "output back through every h_t, getting weaker on the way.",
     "The early steps get no gradient at all."),
    ("tuning", "why is nn.GRU so much faster on",
     "nn.GRU calls one fused cuDNN kernel for the whole sequence, so there is no Python "
     "overhead per step; the steps still run in order.",
     "nn.GRU runs all the time steps in parallel."),
    ("tuning", "my gru loss is nan on the very f",
     "Before any update the weights are fine, so look at the data: NaN or inf in the inputs or "
     "targets, or a log(0) in the loss; torch.isnan(x).any() finds them.",
     "Exploding gradients are the cause; lower the learning rate."),
    ("tuning", "keras on 3 features per step: LS",
     "LSTM 4·(3·8 + 8·8 + 8) = 384, GRU 3·8·(3 + 8 + 2) = 312, SimpleRNN 3·8 + 8·8 + 8 = 96.",
     "The LSTM has 416, the GRU 312 and the SimpleRNN 104."),
    ("tuning", "what does keras give for that sa",
     "3·8·(3 + 8 + 1) = 288, 24 fewer than the default 312.", "It stays 312."),
    ("tuning", "what hidden size would nn.GRU(10",
     "The LSTM has 4·(320 + 1024 + 64) = 5,632; GRU(10, 38) has 3·(380 + 1444 + 76) = 5,700 and "
     "GRU(10, 37) 5,439, so H ≈ 38.", "About H = 43, since the GRU has 3/4 the gates."),
    ("tuning", "can an lstm's cell state c_t get",
     "Yes, c_t can grow past 1, it adds up step after step. A GRU's h_t stays in (−1, 1) if h_0 "
     "does, since it mixes h_{t−1} with a tanh candidate.",
     "A GRU's h_t can grow without bound too, like c_t can grow."),
    ("tuning", "lstm vs gru: count the sigmoid a",
     "LSTM: 3 sigmoids (i, f, o) and 2 tanh (candidate and tanh(c_t)). GRU: 2 sigmoids (r, z) "
     "and 1 tanh (the candidate).", "The GRU uses 3 sigmoids and 2 tanh, the same as the LSTM."),
    ("tuning", "since a gru has no cell state it",
     "No. The update gate does that job: with z near 1 the hidden state carries information for "
     "many steps.", "Right, only LSTMs can hold long-term memory."),
    ("tuning", "how many bias numbers are in nn.",
     "The LSTM has 2·4·20 = 160 bias numbers and the GRU 2·3·20 = 120.",
     "The LSTM has 80 bias numbers and the GRU has 60."),
    ("tuning", "the hidden state gets wiped back",
     "No. h is carried over from step to step; it starts at zeros only at the start of a "
     "sequence, and the reset gate only scales h_{t−1} inside the candidate.",
     "Yes, the hidden state is reset to zero at every step."),
    ("tuning", "with bidirectional=True, h_n's l",
     "No: h_n is (2, N, H), one slice per direction; it is output whose last dim is 2·H.",
     "Yes, h_n is (1, N, 2H)."),
    ("tuning", "nn.GRU puts a softmax on its out",
     "No: its outputs are raw hidden states h_t in (−1, 1); add an nn.Linear and log_softmax "
     "(or use CrossEntropyLoss) yourself.", "Yes, nn.GRU already applies a softmax."),
    ("tuning", "a gru with hidden_size=1 can onl",
     "No: it holds one real number in (−1, 1), which can carry much more than one bit in "
     "principle.", "Right, it can only store one bit."),
    ("tuning", "the gru's weights get updated at",
     "No: the same weights are used at every step; only the hidden state h changes, and the "
     "optimizer updates the weights after backward.",
     "Yes, the weights are updated at every time step."),
    ("tuning", "z near 1 means the unit is activ",
     "No. In PyTorch z near 1 keeps the old value h_{t−1}; it says nothing about how large the "
     "output is.", "Yes, z near 1 means the unit is firing."),
    ("tuning", "nn.GRU's dropout switches itself",
     "No: it follows the module's mode, so call model.eval() before testing (and model.train() "
     "again after).", "Yes, it turns off automatically."),
    ("tuning", "a 64-unit gru layer is really 64",
     "No: the 64 units interact, since W_hz, W_hr and W_hn are full matrices, so each unit "
     "reads all the units of h_{t−1}.",
     "Yes, 64 independent cells, each with its own private weights."),
    # More right phrasings for the seventh edition's checks (fair to a correct tutor).
    ("tuning", "say i want a unit", "Each step needs z ≈ 0.99, since 0.99^10 ≈ 0.904.",
     "z = 0.1 each step."),
    ("tuning", "bidirectional nn.GRU(5, 7",
     "Forward is output[..., :H] and backward is output[..., H:].",
     "The backward direction is output[..., 0:7]."),
    ("tuning", "can i pass h0 as", "It must be 3-D, shape (num_layers, batch, hidden).",
     "A 2-D h0 is fine."),
    ("tuning", "what hidden size would", "Roughly H = 37.7, so 38.", "H = 43."),
    ("tuning", "can an lstm's cell",
     "c_t is unbounded and can exceed 1, while a GRU's h_t is bounded between -1 and 1.",
     "Both stay in (−1, 1)."),
    ("tuning", "so max_norm=1", "Each gradient gets scaled by max_norm / total_norm = 0.25.",
     "Each gradient is clipped to 1."),
    ("tuning", "for z = σ(a)", "Here it is 0.9 · 0.1 = 0.09.", "It is 0.9."),
    ("tuning", "if the loss only looks",
     "Without BPTT the early steps would get no gradient; with it they get a small one back "
     "through the hidden state.", "The early steps get no gradient at all."),
    # The eighth held-out edition (2026-12-03, session 15; tuning since session 16).
    ("tuning", "quick one: with hidden_size=32",
     "Two gates of 32 units each: 64 sigmoid values per step (32 for z, 32 for r).",
     "It computes 96 sigmoid values per step."),
    ("tuning", "say the number going into the ",
     "σ(2) ≈ 0.88, so about 88% of the old state survives and 12% comes from the candidate.",
     "About 0.12 of the old state survives; the rest is the candidate."),
    ("tuning", "and if that number were -2 ins",
     "σ(−2) ≈ 0.12: only about 12% of the old state survives and 88% comes from the candidate.",
     "Still 0.88 of the old state survives."),
    ("tuning", "which gate would i look at to ",
     "The reset gate r: near 0 it drops h_{t−1} from the candidate.",
     "Look at the update gate; it sits near 1."),
    ("tuning", "if z got stuck at 0 for every ",
     "Yes: with z = 0 you get h_t = n_t, and r still scales the recurrent part inside n.",
     "No, the reset gate would be useless then."),
    ("tuning", "if x_t is all zeros at some st",
     "No. With x_t = 0 the gates are σ(W_h h_{t−1} + biases), which is 0.5 only if h_{t−1} and "
     "the biases are zero too.",
     "Yes, both gates come out as 0.5 then."),
    ("tuning", "nn.GRU(5, 12): is the update g",
     "z has 12 entries, one per hidden unit, not 5 (the input size).",
     "z is 5 numbers long, one per input feature."),
    ("tuning", "pytorch gru, one unit: h_{t-1}",
     "h_t = (1 − z)·0 + z·1 = z, so z = 0.3.",
     "z = 0.7, since 1 − z = 0.3."),
    ("tuning", "and if the formula were the fl",
     "Then h_t = z·0 + (1 − z)·1 = 1 − z, so z = 0.7.",
     "It would still be z = 0.3."),
    ("tuning", "whats ∂h_t/∂z_t in pytorch's g",
     "∂h_t/∂z_t = h_{t−1} − n_t (elementwise).",
     "∂h_t/∂z_t = n_t − h_{t−1}."),
    ("tuning", "pytorch candidate, one unit: W",
     "n = tanh(0.5 + 0.25·2) = tanh(1) ≈ 0.762.",
     "n = tanh(2.5) ≈ 0.987."),
    ("tuning", "one unit, z stays at 0.5 and t",
     "Step 1: h = 0.5·1 + 0.5·0 = 0.5. Step 2: h = 0.5·1 + 0.5·0.5 = 0.75.",
     "After two steps h = 0.5."),
    ("tuning", "pytorch has two biases for the",
     "Yes: for z (and r) only b_iz + b_hz matters, so one is redundant. Not so for the candidate: "
     "b_hn sits inside r ⊙ (…), so b_in and b_hn do not merge.",
     "Yes, and the same goes for b_in and b_hn: they are redundant too."),
    ("tuning", "one unit, z = 0.9 every step a",
     "0.9^6 ≈ 0.531 and 0.9^7 ≈ 0.478, so after 7 steps.",
     "It drops below 0.5 after 6 steps."),
    ("tuning", "at the very first step h0 is a",
     "It still matters: n = tanh(W_in x + b_in + r ⊙ (W_hn·0 + b_hn)) = tanh(W_in x + b_in + r ⊙ "
     "b_hn), so r scales b_hn.",
     "Right, r has no effect on the first step."),
    ("tuning", "keras GRU with the default res",
     "Row 0 is the input bias (added to x·kernel) and row 1 the recurrent bias (added to "
     "h·recurrent_kernel), each 3·units long for z, r, h.",
     "One row is for the forward direction and one for the backward direction."),
    ("tuning", "and for the candidate's part o",
     "r multiplies it: r ⊙ (h·U_h + b_rh), just like PyTorch's b_hn.",
     "It is added outside, after the r multiplication."),
    ("tuning", "ok and with reset_after=False ",
     "There is one bias per gate, added on the input side, outside the reset gate: hh = "
     "tanh(x·W_h + b_h + (r ⊙ h)·U_h).",
     "The bias is still multiplied by r, inside the candidate."),
    ("tuning", "my textbook calls the update g",
     "Same gate, just another letter; check which term it multiplies (old state or candidate), "
     "since some texts flip that.",
     "u_t is a separate gate that some GRUs add on top of z."),
    ("tuning", "keras does x @ kernel. for a b",
     "(4, 18): the kernel is (10, 18), 3·6 columns for z, r, h.",
     "It's (4, 6)."),
    ("tuning", "d2l's gru code does H_tilde = ",
     "That's Cho's original placement: r multiplies h before the matrix product; PyTorch applies "
     "r after W_hn h.",
     "That is PyTorch's placement."),
    ("tuning", "hand-counting nn.GRU(7, 3) for",
     "3·(3·7 + 3·3 + 2·3) = 3·36 = 108 parameters.",
     "It has 144 parameters."),
    ("tuning", "and if i stack it to num_layer",
     "Layer 0 has 108; layers 1 and 2 take 3 inputs, 3·(9 + 9 + 6) = 72 each: 108 + 144 = 252 in "
     "total.",
     "Three times 108: 324 parameters."),
    ("tuning", "param count for a 2-layer bidi",
     "Layer 0: 2 × 3·(29·13 + 29·29) = 7,308; layer 1 gets 58 inputs: 2 × 3·(29·58 + 29·29) = "
     "15,138; total 22,446.",
     "Two layers of 7,308: 14,616 parameters."),
    ("tuning", "nn.GRUCell(33, 17), how many t",
     "3·(17·33 + 17·17 + 2·17) = 3·884 = 2,652.",
     "It has 3,536 parameters."),
    ("tuning", "keras GRU(5) on 9 features per",
     "With reset_after=True: 3·5·(9 + 5 + 2) = 240; with reset_after=False: 3·5·(9 + 5 + 1) = 225.",
     "It has 300 parameters either way."),
    ("tuning", "and if i also set use_bias=Fal",
     "Then there are no biases at all: 3·5·(9 + 5) = 210 parameters, for either reset_after "
     "setting.",
     "That leaves 225 parameters."),
    ("tuning", "nn.GRU(16, 16, num_layers=4, b",
     "Each layer has 3·(16·16 + 16·16 + 2·16) = 1,632, so 4 × 1,632 = 6,528 in total; batch_first "
     "only changes the input layout, not the count.",
     "batch_first changes the parameter count: 8,704 parameters."),
    ("tuning", "biggest hidden_size i can use ",
     "H = 37 gives 9,879; H = 38 already gives 10,260, over the limit.",
     "The largest is hidden_size = 38."),
    ("tuning", "nn.GRU(5, 10, num_layers=3, bi",
     "output is (2, 15, 20) and h_n is (6, 2, 10): h_n keeps layers × directions first even with "
     "batch_first.",
     "output (2, 15, 20), h_n (2, 6, 10)."),
    ("tuning", "is output[:, -1, :10] the same",
     "Yes: it equals h_n[4] (= h_n[-2]), the top layer's forward final state; the backward half's "
     "final state is output[:, 0, 10:], which equals h_n[5].",
     "Yes, it equals h_n[-1]."),
    ("tuning", "in keras GRU, which argument s",
     "recurrent_activation (default 'sigmoid') is for the gates z and r; activation (default "
     "'tanh') is for the candidate.",
     "recurrent_activation is tanh and sets the candidate; activation is sigmoid for the gates."),
    ("tuning", "can i feed token ids (a LongTe",
     "No: nn.GRU wants float features, so a LongTensor raises a dtype error; put an nn.Embedding "
     "in front.",
     "Yes, nn.GRU accepts token ids directly."),
    ("tuning", "whats keras GRU's unroll=True ",
     "It builds the loop out into a static graph, one copy of the step per timestep: faster for "
     "short sequences but memory-hungry, so no, only for short fixed lengths.",
     "Yes, unroll=True runs the time steps in parallel, so always use it."),
    ("tuning", "can nn.GRU hand me the z and r",
     "No, there is no such flag: nn.GRU returns only output and h_n. Recompute z and r yourself "
     "from weight_ih_l0 and weight_hh_l0, or write your own loop with the equations.",
     "Yes, pass return_gates=True and it returns them as a third output."),
    ("tuning", "why does nn.Sequential(nn.GRU(",
     "nn.GRU returns a tuple (output, h_n), and nn.Linear gets that tuple instead of a tensor: "
     "TypeError. Wrap the GRU in a module that keeps output (or h_n[-1]).",
     "nn.Linear only accepts 2-D input, so flatten the sequence first."),
    ("tuning", "cho's other 2014 paper, 'on th",
     "Translation quality degraded quickly as sentences got longer (and with more unknown words).",
     "It found the quality improved on longer sentences."),
    ("tuning", "and what new model did that pa",
     "The gated recursive convolutional neural network, grConv.",
     "It introduced attention."),
    ("tuning", "who wrote 'learning long-term ",
     "Bengio, Simard and Frasconi, 1994 (IEEE Transactions on Neural Networks).",
     "It was written by Hochreiter and Schmidhuber in 1997."),
    ("tuning", "what's GRU4Rec? someone at wor",
     "GRU4Rec (Hidasi et al., ICLR 2016) uses GRUs for session-based recommendation: it predicts "
     "the next item a user clicks.",
     "GRU4Rec is a speech recognition model built on GRUs."),
    ("tuning", "in cho et al's 2014 encoder–de",
     "The encoder squeezed the source into one fixed-length summary vector c, and the decoder "
     "used c at every step (attention came later with Bahdanau et al.).",
     "The decoder used attention over all encoder states."),
    ("tuning", "who came up with bidirectional",
     "Schuster and Paliwal, 1997 (IEEE Transactions on Signal Processing); Graves later "
     "popularised bidirectional LSTMs.",
     "Graves proposed bidirectional RNNs in 2005."),
    ("tuning", "who's credited with backprop t",
     "Paul Werbos, 'Backpropagation Through Time: What It Does and How to Do It', Proceedings of "
     "the IEEE, 1990.",
     "Hochreiter invented BPTT in 1997."),
    ("tuning", "keras GRU(32, dropout=0.2, rec",
     "dropout drops units of the inputs x_t; recurrent_dropout drops units of the recurrent state "
     "h_{t−1} fed back into the gates.",
     "recurrent_dropout drops the outputs between stacked layers."),
    ("tuning", "does turning recurrent_dropout",
     "Yes: with recurrent_dropout > 0 Keras can't use the fused cuDNN kernel and falls back to "
     "the slower generic loop.",
     "No, it runs at the same speed."),
    ("tuning", "i shuffle my sliding windows b",
     "No: shuffling windows is fine, since the order inside each window stays intact; it only "
     "matters for a stateful GRU that carries h across batches.",
     "Yes, shuffling breaks the time order inside each window."),
    ("tuning", "why do people init a gru's wei",
     "An orthogonal W_hh has all singular values 1, so early on the recurrent step neither "
     "shrinks nor blows up the signal and gradients flow over more steps; Keras uses it by "
     "default for recurrent_kernel.",
     "Orthogonal init prevents overfitting."),
    ("tuning", "my gru's validation loss is lo",
     "Not necessarily: dropout is active while training but off in eval, and the training loss is "
     "averaged over an epoch in which the model was still improving. Check for leakage only if "
     "the gap is big.",
     "Yes, that always means you have a bug."),
    ("tuning", "can i make the gru's starting ",
     "Yes: keep h0 = nn.Parameter(torch.zeros(num_layers, 1, H)), expand it to the batch, and "
     "pass it as hx.",
     "Just pass learnable_h0=True to nn.GRU."),
    ("tuning", "what's zoneout, and how is it ",
     "Zoneout (Krueger et al., 2016) randomly makes some units keep their previous value h_{t−1} "
     "for that step instead of updating; dropout would set them to zero.",
     "Zoneout sets random hidden units to zero at each step."),
    ("tuning", "side by side, what do nn.RNN(8",
     "nn.RNN(8, 8): 144, nn.GRU(8, 8): 432, nn.LSTM(8, 8): 576 (1, 3 and 4 blocks of 144).",
     "The GRU has 576 parameters and the LSTM 768."),
    ("tuning", "if you tie an lstm's input gat",
     "Close: the coupled gate acts like the GRU's update gate, but there's still no reset gate, "
     "and c still goes through tanh for h.",
     "Yes, that is exactly a GRU."),
    ("tuning", "for backprop through time, whi",
     "The LSTM stores more: four gate blocks plus c and tanh(c) per step, against three blocks "
     "and h for the GRU.",
     "The GRU stores more activations, because of its reset gate."),
    ("tuning", "keras SimpleRNN(12) vs GRU(12)",
     "SimpleRNN: 12·(20 + 12 + 1) = 396; GRU: 3·12·(20 + 12 + 2) = 1,224, about 3.09×: a bit more "
     "than 3× because the default reset_after=True adds a second bias.",
     "It's exactly 3x: the GRU has 1,188."),
    ("tuning", "pytorch's nn.LSTM stacks weigh",
     "g is the cell candidate, tanh(W_ig x + W_hg h + b), the LSTM's counterpart of the GRU's "
     "candidate n.",
     "g is the gradient gate."),
    ("tuning", "and in the gru, which of r, z,",
     "n, the candidate: both are a tanh of the input and the previous state.",
     "It's z, the update gate."),
    ("tuning", "an lstm keeps its cell exactly",
     "z = 1 on every unit: then h_t = h_{t−1} exactly, whatever r and the candidate are.",
     "Set z = 0 and r = 1."),
    ("tuning", "a bidirectional gru is fine fo",
     "No: the backward direction needs the whole sequence, future steps included, so for "
     "streaming use a unidirectional (causal) GRU.",
     "Yes, a bidirectional GRU works for real-time streaming."),
    ("tuning", "since a gru's h is squashed in",
     "No: h is bounded, but an nn.Linear head on top maps it to any range; scaling the targets "
     "also helps.",
     "Right, a GRU can't output values like 500."),
    ("tuning", "hidden_size is how many gru la",
     "No: hidden_size is the length of h, the number of units in each layer; num_layers sets how "
     "many GRU layers are stacked.",
     "Yes, hidden_size=64 gives 64 stacked layers."),
    ("tuning", "the reset gate and the update ",
     "No, they are two separate gates with their own weights: z mixes the old state and the "
     "candidate, r scales the old state inside the candidate.",
     "Yes, they are the same gate under two names."),
    ("tuning", "if i train my gru on sequences",
     "No: the same weights are applied at every step, so it runs on any length; it may just "
     "generalise worse to much longer sequences.",
     "Right, it can only run on length-50 inputs."),
    ("tuning", "h_n from nn.GRU is just the av",
     "No: h_n is the hidden state at the last time step (for the top layer of a one-direction GRU "
     "it equals output[-1]), not an average.",
     "Yes, h_n is the average of output over time."),
    ("tuning", "the gates only do anything whi",
     "No, the gates are computed the same way in eval mode; only dropout changes between train "
     "and eval.",
     "Yes, the gates are switched off at inference."),
    # The ninth held-out edition (2026-12-03, session 16; tuning since session 17).
    ("tuning", "isnt the reset gate the one th",
     "No, that's the update gate z: it decides how much of h_{t−1} is kept in h_t; the reset gate "
     "r decides how much of h_{t−1} feeds into the candidate.",
     "Yes, the reset gate decides how much of the old h is copied straight into the new h."),
    ("tuning", "why do they even call it a 'ga",
     "Because it multiplies a signal elementwise by a sigmoid value between 0 and 1, like a valve "
     "deciding how much flows through.",
     "A gate is a binary switch: it outputs either 0 or 1."),
    ("tuning", "one unit, the update gate's pr",
     "z = σ(0) = 0.5, so h_t = 0.5·(−0.2) + 0.5·0.6 = 0.2.",
     "z = 0 so h_t = -0.2."),
    ("tuning", "after training i plotted my gr",
     "They mostly keep their previous state: with z near 1, h_t ≈ h_{t−1}, so those units change "
     "slowly and carry long-term information.",
     "They mostly overwrite their old state with the candidate at every step."),
    ("tuning", "and what if their reset gates ",
     "Then the candidate uses the previous state in full, nothing is reset, so n behaves like a "
     "plain RNN's tanh update.",
     "Then the reset gate wipes the old state, so the unit starts fresh."),
    ("tuning", "if i zero out W_ir, W_hr, b_ir",
     "It sits at σ(0) = 0.5 for every unit, whatever x and h are.",
     "The reset gate gets stuck at 0, so it ignores h."),
    ("tuning", "so what does that do to the ca",
     "The recurrent part is halved: n = tanh(W_in x + b_in + 0.5·(W_hn h + b_hn)), so the "
     "candidate still sees half of the old state's contribution.",
     "The candidate ignores the old state completely."),
    ("tuning", "do the gate values get passed ",
     "Only h_t is passed on; z and r are recomputed at every step from x_t and h_{t−1}, and the "
     "next layer sees only h.",
     "The gate values are passed on to the next timestep along with h."),
    ("tuning", "quick calc, pytorch convention",
     "h_t = 0.75·0.4 + 0.25·0.8 = 0.3 + 0.2 = 0.5.",
     "h_t = 0.25·0.4 + 0.75·0.8 = 0.7."),
    ("tuning", "in the candidate, why does r o",
     "The reset gate's job is to let the unit ignore its past; the new input should always get "
     "through, so r scales only the recurrent term W_hn h + b_hn.",
     "Actually r multiplies the input part too."),
    ("tuning", "pytorch fuses the gates into w",
     "Two: one matrix product of x_t with weight_ih_l0 and one of h_{t−1} with weight_hh_l0; the "
     "results are then split into the r, z and n parts.",
     "It does six matrix products per step, one per weight block."),
    ("tuning", "h_t = (1-z)*n + z*h_{t-1} look",
     "Yes, exactly: per unit it's a linear interpolation between n and h_{t−1} with weight z, a "
     "convex mix.",
     "No, it isn't really interpolation, and h_t can land outside the range of n and h_{t−1}."),
    ("tuning", "so if h_{t-1} = -0.6 and n = 0",
     "Since z is between 0 and 1, h_t lands between −0.6 and 0.9: z → 1 gives −0.6, z → 0 gives "
     "0.9.",
     "h_t lands between 0 and 1, like the gates."),
    ("tuning", "by hand: 1-unit torch GRU with",
     "r = z = σ(−1 + 1) = 0.5, n = tanh(−1 + 0.5·1) = tanh(−0.5) ≈ −0.462, h = 0.5·(−0.462) + "
     "0.5·1 ≈ 0.269.",
     "h comes out as 0.5."),
    ("tuning", "does a gru have an output equa",
     "h_t itself is the output: nn.GRU returns the h_t of every step, and any y_t = W h_t is a "
     "separate nn.Linear you add on top.",
     "The GRU has its own output matrix W_hy that computes y_t from h_t."),
    ("tuning", "in pytorch is output[t] the hi",
     "After: output[t] is h_t, the state computed from x_t and h_{t−1}.",
     "output[t] is the state from before x_t is read, i.e. h_{t−1}."),
    ("tuning", "so is h0 in there as output[0]",
     "No: output[0] is h_1, the state after the first input; h0 itself is not in output.",
     "Yes, output[0] is h0."),
    ("tuning", "keras GRU(8), the kernel is (i",
     "Keras orders the kernel's blocks z, r, h, so the reset gate has columns 8:16 (kernel[:, "
     "8:16]).",
     "The reset gate's columns are 0:8, since r comes first."),
    ("tuning", "and in pytorch's weight_ih_l0 ",
     "In PyTorch r comes first: rows 0:8 of weight_ih_l0 (then z in 8:16 and n in 16:24).",
     "The reset gate's rows are 8:16."),
    ("tuning", "pytorch's gru docs write r_t *",
     "It's elementwise (the Hadamard product, ⊙), not a matrix product: r_t and (W_hn h + b_hn) "
     "are both length-H vectors.",
     "It is a matrix multiplication."),
    ("tuning", "keras says units=, pytorch say",
     "Yes, the same: both set the size of the hidden state h (the number of units per layer).",
     "No, units counts the number of timesteps the layer unrolls."),
    ("tuning", "exporting my nn.GRU to onnx an",
     "linear_before_reset=1: the recurrent product W_hn h + b_hn is computed first and then "
     "multiplied by r, as in PyTorch (the default 0 is Cho's placement).",
     "linear_before_reset=0 matches PyTorch."),
    ("tuning", "whats the general formula for ",
     "3·(H·I + H·H + 2·H) = 3H(I + H + 2): three blocks (r, z, n), each with W_i (H×I), W_h (H×H) "
     "and two bias vectors.",
     "It's 4·(H·I + H·H + 2·H)."),
    ("tuning", "plug in I = 6, H = 2 for me",
     "3·2·(6 + 2 + 2) = 60 parameters.",
     "It comes to 80 parameters."),
    ("tuning", "how many params in a keras GRU",
     "3·3·(5 + 3 + 2) = 90 parameters (kernel 5×9, recurrent_kernel 3×9, bias 2×9).",
     "It has 81 parameters."),
    ("tuning", "and if every step had 200 feat",
     "3·3·(200 + 3 + 2) = 1,845 parameters.",
     "That layer has 1,827 parameters."),
    ("tuning", "if i go from hidden_size 32 to",
     "No: it goes from 6,336 to 18,816, about 3×, because the H×H recurrent weights grow with H².",
     "Yes, it just doubles, to 12,672."),
    ("tuning", "bidirectional nn.GRU(2, 3), to",
     "Each direction has 3·(3·2 + 3·3 + 2·3) = 63, so 126 in total.",
     "It has 168 parameters."),
    ("tuning", "embedding(5000, 100) -> nn.GRU",
     "The Linear(128, 5000) has the most: 645,000, against 500,000 for the embedding and 88,320 "
     "for the GRU.",
     "The GRU holds the most parameters."),
    ("tuning", "nn.GRU(input_size, hidden_size",
     "input_size is how many features each x_t has; hidden_size is the length of the hidden state "
     "h_t, the number of units.",
     "input_size is the sequence length and hidden_size is the number of layers."),
    ("tuning", "shapes pls: nn.GRU(3, 5), inpu",
     "output is (10, 2, 5) and h_n is (1, 2, 5).",
     "output (2, 10, 5), h_n (2, 1, 5)."),
    ("tuning", "RuntimeError: Expected hidden ",
     "Your h0 has batch size 8 but this input has batch size 4; usually it's the last, smaller "
     "batch or an h carried over from a bigger one. Make h0 match the batch (or don't pass it).",
     "Your hidden_size is wrong: change hidden_size to 8."),
    ("tuning", "how do i run my gru on the gpu",
     "Move the model and the tensors to the GPU: model.to('cuda'), x = x.to('cuda') (and h0 too); "
     "cuDNN is then used automatically.",
     "Use nn.CuDNNGRU instead of nn.GRU."),
    ("tuning", "keras: stacked two GRU layers ",
     "The first GRU returns only its last output, (batch, units), which is 2-D; the second GRU "
     "needs a sequence, so give the first one return_sequences=True.",
     "Add a Reshape layer between the two GRUs."),
    ("tuning", "what happens if i give a keras",
     "The candidate uses ReLU instead of tanh; the gates keep recurrent_activation (sigmoid). The "
     "state is no longer bounded, and Keras can't use the cuDNN kernel.",
     "All the gates switch to ReLU."),
    ("tuning", "how do i feed sequences of dif",
     "Pad them to one length (pad_sequences) and add a Masking layer, or mask_zero=True in the "
     "Embedding, so the GRU skips the padded steps.",
     "Just feed them as they are; Keras's GRU handles different lengths in one batch."),
    ("tuning", "what was the plain recurrent n",
     "The simple recurrent network, usually credited to Jeffrey Elman (1990, 'Finding Structure "
     "in Time'), with Jordan's 1986 network just before it.",
     "Hochreiter introduced the simple recurrent network in 1991."),
    ("tuning", "wasnt the vanishing gradient p",
     "No: it was identified for recurrent nets in the early 1990s, in Hochreiter's 1991 diploma "
     "thesis and Bengio, Simard and Frasconi (1994).",
     "Yes, it was first spotted in deep feedforward nets around 2006."),
    ("tuning", "the jozefowicz, zaremba & suts",
     "Initialise the forget-gate bias to 1: with that, the LSTM closed most of its gap to the GRU.",
     "They recommended adding peephole connections."),
    ("tuning", "what's the gers paper that add",
     "'Learning to Forget: Continual Prediction with LSTM' by Gers, Schmidhuber and Cummins "
     "(Neural Computation, 2000; ICANN 1999 before that).",
     "It's called Long Short-Term Memory, from 1997."),
    ("tuning", "chung et al 2014 proved grus b",
     "No: they found both gated units clearly beat the plain tanh RNN, and GRU and LSTM were "
     "comparable, with no clear winner; it depended on the dataset.",
     "Yes, they showed the GRU beats the LSTM on every task."),
    ("tuning", "ok so who actually came up wit",
     "Kyunghyun Cho and colleagues, in 'Learning Phrase Representations using RNN Encoder–Decoder "
     "for Statistical Machine Translation' (Cho et al., 2014); Chung et al. later compared it "
     "with the LSTM.",
     "Hochreiter and Schmidhuber proposed the GRU in 1997."),
    ("tuning", "why does keras even have a res",
     "It picks where r is applied: True (the default) applies it after the recurrent matrix "
     "product, the cuDNN-compatible form, which lets Keras use NVIDIA's fused GRU kernel; False "
     "is Cho et al.'s original.",
     "reset_after=True resets the hidden state after every batch."),
    ("tuning", "if a unit's z sits at 0.99 the",
     "0.99^100 ≈ 0.366, about 37% of it.",
     "About 0.01 of it survives."),
    ("tuning", "and with z = 0.9 the whole tim",
     "0.9^100 ≈ 2.7 × 10^−5: practically nothing survives on that path.",
     "About 10% of it gets through."),
    ("tuning", "clip_grad_norm_(params, max_no",
     "Nothing: 2 is below max_norm=5, so the gradients stay as they are; it only scales when the "
     "total norm is above 5.",
     "It scales the gradients up by 2.5 so the norm becomes 5."),
    ("tuning", "for my gru sequence classifier",
     "No: nn.CrossEntropyLoss applies log_softmax internally, so pass it the raw logits from your "
     "nn.Linear.",
     "Yes, apply softmax first and then pass the probabilities to CrossEntropyLoss."),
    ("tuning", "what range does pytorch draw t",
     "All weights and biases come from U(−1/√25, 1/√25) = U(−0.2, 0.2), since PyTorch uses "
     "1/√hidden_size.",
     "The default is Xavier uniform, in (−0.316, 0.316)."),
    ("tuning", "training my gru on 10k-step se",
     "Backprop through time keeps the activations of every step for the backward pass, so memory "
     "grows with sequence length; use truncated BPTT on shorter chunks (detach h between them), a "
     "smaller batch or gradient checkpointing.",
     "The weights grow with the sequence length, so use fewer steps."),
    ("tuning", "my gru overfits, so i should m",
     "No: a bigger hidden_size adds capacity and usually makes overfitting worse; try a smaller "
     "one, dropout, weight decay or early stopping.",
     "Yes, a bigger hidden size reduces overfitting."),
    ("tuning", "what did the gru throw out fro",
     "It merged the cell state into the hidden state, so there's a single h, coupled the forget "
     "and input gates into one update gate z, and dropped the output gate; the reset gate is new.",
     "The GRU keeps the cell state but dropped the reset gate."),
    ("tuning", "nn.LSTM(4, 4) and nn.GRU(4, 4)",
     "nn.LSTM(4, 4) has 4·(16 + 16 + 8) = 160 and nn.GRU(4, 4) has 3·40 = 120.",
     "The GRU has 160 parameters and the LSTM 120."),
    ("tuning", "in keras, LSTM(4) or GRU(4) wi",
     "LSTM(4): 4·4·(2 + 4 + 1) = 112; GRU(4): 3·4·(2 + 4 + 2) = 96 with the default "
     "reset_after=True.",
     "The GRU has 84 and the LSTM has 96."),
    ("tuning", "an lstm ends its step with h_t",
     "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}: there's no output gate and no extra tanh on the "
     "state.",
     "In the GRU it's h_t = r_t ⊙ tanh(h_t)."),
    ("tuning", "does keras's LSTM layer have a",
     "No: reset_after is a GRU-only argument; the LSTM has no reset gate to place.",
     "Yes, the LSTM also has reset_after, default True."),
    ("tuning", "and does keras's GRU have some",
     "No, unit_forget_bias is LSTM-only; for a GRU you'd set the update gate's bias yourself "
     "through bias_initializer or after building.",
     "Yes, GRU has unit_forget_bias=True too."),
    ("tuning", "stacking two layers: nn.LSTM(2",
     "LSTM: 84 + 96 = 180; GRU: 63 + 72 = 135.",
     "The GRU has 126 and the LSTM has 168."),
    ("tuning", "the update gate's output basic",
     "No: z is a vector of mixing weights in (0, 1); h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} uses it to "
     "blend the candidate and the old state.",
     "Yes, the update gate's output is the new hidden state."),
    ("tuning", "a gru only ever sees h_{t-1}, ",
     "No: h_{t−1} is itself a summary of everything before it, so information can be carried over "
     "many steps.",
     "Right, its memory is limited to the previous step."),
    ("tuning", "the gate values come out of a ",
     "No: they're deterministic numbers in (0, 1) that multiply other vectors; nothing is sampled.",
     "Yes, the GRU samples a Bernoulli from each gate."),
    ("tuning", "a gru has to read the whole se",
     "No: a one-direction GRU produces h_t at each step from x_1…x_t, so you can read outputs as "
     "data streams in; only a bidirectional one needs the whole sequence.",
     "Right, the GRU must read the whole sequence first."),
    ("tuning", "lstm has 3 gates and gru has 2",
     "No: it's 3/4. The LSTM has four weight blocks (input, forget, output gates plus the cell "
     "candidate g) and the GRU three (r, z, n), so a GRU has 75% of an LSTM's parameters.",
     "Yes, a GRU has 2/3 of the LSTM's parameters."),
    ("tuning", "the 'reset' gate resets the gr",
     "No: it's an activation computed at each step that scales how much of h_{t−1} enters the "
     "candidate; the weights change only through the optimizer.",
     "Yes, the reset gate resets the weights at each step."),
    ("tuning", "nn.GRU's output is the predict",
     "No: output holds the top layer's hidden state h_t at every step, and h_n is the last step's "
     "state for each layer (for one layer it equals output[-1]); predictions come from a layer "
     "you add.",
     "Yes, output holds the predictions and h_n holds the memory."),
    # The tenth held-out edition (2026-12-03, session 17).
    ("tuning", "every sequence in my batch get",
     "No. The weights are shared, but z is computed from each sequence's own x_t and h_{t−1}, so "
     "every sample gets its own z: shape (batch, hidden_size).",
     "Yes, every sequence in the batch gets the same z at that step."),
    ("tuning", "ok so with a batch of 8, 20 ti",
     "8 × 20 × 128 = 20,480 update gate values.",
     "It computes 2,560 values."),
    ("tuning", "the reset gate's pre-activatio",
     "r = σ(ln 3) = 3 / (1 + 3) = 0.75.",
     "r = 0.25, since σ(ln 3) = 1/(1+3)."),
    ("tuning", "is the update gate basically t",
     "Pretty much: h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} is an exponential moving average of the "
     "candidates, with z as the decay, except that z is computed per unit and per step from x_t "
     "and h_{t−1}.",
     "Yes: z is a fixed smoothing factor that the GRU learns once."),
    ("tuning", "if z sat at 0.95 for a unit, a",
     "Its weight after k steps is 0.95^k, and 0.95^k = 1/e at k = 1/(−ln 0.95) ≈ 19.5, so about "
     "20 steps (roughly 1/(1 − z)).",
     "About 5 steps, since 1 − 0.95 = 0.05."),
    ("tuning", "what do ppl mean when they say",
     "A saturated gate has a large pre-activation, so its sigmoid sits near 0 or 1 where the "
     "curve is flat: the derivative σ(1 − σ) is close to 0, so almost no gradient reaches that "
     "gate's weights and it stops learning.",
     "Saturated gates make the gradients explode, because the sigmoid output is large."),
    ("tuning", "ok and whats the sigmoid's slo",
     "σ(5) ≈ 0.9933, so the slope is σ(5)(1 − σ(5)) ≈ 0.0066, about 40 times smaller than the "
     "0.25 at 0.",
     "The slope is 0.25."),
    ("tuning", "1-unit nn.GRU: weight_ih_l0 = ",
     "Rows go r, z, n: r = σ(1), z = σ(2) ≈ 0.881, n = tanh(3) ≈ 0.995 (W_hh is 0, so r doesn't "
     "matter). h_1 = 0.119·0.995 + 0.881·0.5 ≈ 0.559.",
     "z = σ(1) ≈ 0.731, so h_1 = 0.633."),
    ("tuning", "and if those three rows were i",
     "Then the first row is z: z = σ(1) ≈ 0.731, r = σ(2) (still irrelevant), n = tanh(3) ≈ "
     "0.995, so h_1 = 0.269·0.995 + 0.731·0.5 ≈ 0.633.",
     "h_1 stays 0.559; the order changes nothing."),
    ("tuning", "two steps by hand: 1 unit, eve",
     "Step 1 (x = 1, h = 0): r = z = σ(1) ≈ 0.731, n = tanh(1) ≈ 0.762, h_1 ≈ 0.269·0.762 ≈ "
     "0.205. Step 2 (x = 0): r = z = σ(0.205) ≈ 0.551, n = tanh(0.551·0.205) ≈ 0.112, h_2 ≈ "
     "0.449·0.112 + 0.551·0.205 ≈ 0.163.",
     "h = 0.2048 after step two."),
    ("tuning", "why do they call n the 'candid",
     "Because it is a proposal: n_t is the new content the unit could write, and the update gate "
     "decides how much of it is actually taken, h_t = (1 − z) ⊙ n_t + z ⊙ h_{t−1}.",
     "n is the new hidden state; the candidate is just another name for h_t."),
    ("tuning", "pytorch does gi = W_ih x + b_i",
     "Split each into three chunks of size H in the order r, z, n: r = σ(gi_r + gh_r), z = "
     "σ(gi_z + gh_z), and n = tanh(gi_n + r ⊙ gh_n); r only multiplies the hidden chunk gh_n.",
     "Split them into r, z, n and add them: n = tanh(gi_n + gh_n)."),
    ("tuning", "the gru step kind of looks lik",
     "Yes: rewrite it as h_t − h_{t−1} = (1 − z) ⊙ (n − h_{t−1}), an Euler step of dh/dt = (1 − "
     "z) ⊙ (n − h) with step size 1; GRU-ODE-Bayes (De Brouwer et al., 2019) uses that "
     "continuous-time version.",
     "No, the GRU has nothing to do with ODEs; it's a discrete update."),
    ("tuning", "pretend r and z both come out ",
     "With r = 0 the recurrent part (the 5) is cut out: n = tanh(0.7) ≈ 0.604, and with z = 0, "
     "h_t = n ≈ 0.604.",
     "n = tanh(0.7 + 5) ≈ 1, so h_t ≈ 1."),
    ("tuning", "can i just do weight_hh_l0.chu",
     "Yes: weight_hh_l0 is (48, 16), and weight_hh_l0.chunk(3) (dim 0) gives three (16, 16) "
     "tensors in the order r, z, n: W_hr, W_hz, W_hn.",
     "Yes, but the order is z, r, n, and each chunk is (16, 5)."),
    ("tuning", "does batch_first=True change t",
     "No. batch_first only changes the layout of the input and output tensors, (N, L, H_in) "
     "instead of (L, N, H_in); the weights are identical and still stacked r, z, n, and h_n "
     "stays (layers, N, H).",
     "Yes: batch_first transposes the weights and changes the gate order."),
    ("tuning", "nn.GRU with num_layers=2 and b",
     "h_n is (num_layers·2, N, H) = (4, N, H), ordered layer by layer with forward before "
     "backward: h_n[0] is layer 0 forward, h_n[1] is layer 0 backward, h_n[2] is layer 1 forward "
     "and h_n[3] is layer 1 backward.",
     "h_n[1] is layer 1 forward and h_n[2] is layer 0 backward."),
    ("tuning", "whats the _reverse on the end ",
     "It marks the backward direction of a bidirectional GRU: weight_ih_l0_reverse is layer 0's "
     "input weights for the pass that reads the sequence from the end to the start, with its own "
     "values.",
     "The _reverse weights are the transpose of weight_ih_l0, used for backprop."),
    ("tuning", "so for nn.GRU(4, 8, num_layers",
     "16: weight_ih, weight_hh, bias_ih and bias_hh for 2 layers × 2 directions (the backward "
     "ones end in _reverse), so 4 × 2 × 2 = 16 tensors.",
     "It lists 8 tensors."),
    ("tuning", "cho's paper writes the gru per",
     "No, it's the same model: Cho writes component j of each vector, r_j = σ([W_r x]_j + [U_r "
     "h_{t−1}]_j), and the vector form just does all units at once.",
     "Yes, Cho's per-unit version is a different model, because each unit has its own small "
     "network."),
    ("tuning", "keras 3's GRU still uses hard_",
     "No. In Keras 3 the default recurrent_activation is 'sigmoid'; hard_sigmoid was the default "
     "in older Keras 2 versions. The candidate still uses tanh.",
     "Yes, Keras 3 uses hard_sigmoid for the gates by default."),
    ("tuning", "nn.GRU(300, 512) on top of 300",
     "3·(512·300 + 512·512 + 2·512) = 3·416,768 = 1,250,304 parameters.",
     "4·416,768 = 1,667,072 parameters."),
    ("tuning", "nn.GRU(256, 512, num_layers=2)",
     "Layer 0: 3·(512·256 + 512·512 + 1024) = 1,182,720; layer 1 reads 512: 3·(512·512 + 512·512 "
     "+ 1024) = 1,575,936. Total 2,758,656 parameters × 4 bytes = 11,034,624 bytes ≈ 11.0 MB "
     "(10.5 MiB).",
     "2 × 1,182,720 = 2,365,440 parameters, so about 9.5 MB."),
    ("tuning", "and if i store it in fp16?",
     "Half the bytes: 2,758,656 × 2 = 5,517,312 bytes ≈ 5.5 MB (5.26 MiB).",
     "In fp16 it takes 22 MB."),
    ("tuning", "if i bump nn.GRU(10, 20) up to",
     "nn.GRU(10, 21) has 2,079 and nn.GRU(10, 20) has 1,920, so 159 more: 3·(10 + 2·20 + 1 + 2).",
     "One unit adds 3·(10 + 20 + 2) = 96 parameters."),
    ("tuning", "is there a neat closed form fo",
     "3·(H·H + H·H + 2H) = 6H(H + 1), so 6·100·101 = 60,600 parameters.",
     "It is 8H(H + 1) = 80,800 parameters."),
    ("tuning", "keras GRU(128) fed 300-dim emb",
     "kernel (300, 384) + recurrent_kernel (128, 384) + bias (2, 384) = 115,200 + 49,152 + 768 = "
     "165,120.",
     "3·128·(300 + 128 + 1) = 164,736 parameters."),
    ("tuning", "roughly how many multiply-adds",
     "W_ih is (384, 64) and W_hh is (384, 128), so 384·64 + 384·128 = 3·128·(64 + 128) = 73,728 "
     "multiply-adds per step (the gate arithmetic adds only a few hundred more).",
     "4·128·(64 + 128) = 98,304 multiply-adds."),
    ("tuning", "forgot batch_first=True and fe",
     "Shapes don't reveal it: nn.GRU only checks the last dim (8), so it read dim 0 (32) as time "
     "steps and 10 as the batch. It ran 32 steps over 10 'sequences' that mix your samples, and "
     "output came out (32, 10, 16) (h_n (1, 10, 16)); it trained on garbage order.",
     "PyTorch detects the batch dimension automatically, so output is (10, 32, 16)."),
    ("tuning", "pad_sequence on 3 tensors of s",
     "pad_sequence defaults to batch_first=False, so you get (5, 3, 8): (max length, batch, "
     "features), which is exactly what nn.GRU(8, H) expects with its default layout; the zero "
     "pad steps are still run unless you pack.",
     "You get a (3, 5, 8) tensor by default."),
    ("tuning", "how do i pick each sequence's ",
     "Index with lengths − 1: last = output[torch.arange(B), lengths − 1] (same as output.gather "
     "along dim 1); output[:, −1] would give pad steps for the shorter ones.",
     "Just take output[:, -1], that's the last step for every sequence."),
    ("tuning", "can i int8-quantize my gru mod",
     "Yes: torch.ao.quantization.quantize_dynamic(model, {nn.GRU, nn.Linear}, dtype=torch.qint8) "
     "swaps in a DynamicQuantizedGRU with int8 weights for CPU inference (newer releases point "
     "you to torchao for this).",
     "No, dynamic quantization only supports nn.LSTM and nn.Linear, not nn.GRU."),
    ("tuning", "old keras tutorials use keras.",
     "No, not in Keras 3: CuDNNGRU was a TF 1 / Keras 2 layer. Today keras.layers.GRU picks the "
     "cuDNN kernel automatically on a GPU when you keep the cuDNN-compatible defaults.",
     "Yes, in Keras 3 you still use keras.layers.CuDNNGRU for GPU speed."),
    ("tuning", "and which settings knock the k",
     "Any of: recurrent_dropout > 0, unroll=True, use_bias=False, reset_after=False, an "
     "activation other than tanh or a recurrent_activation other than sigmoid (and masks that "
     "aren't right-padded). Then Keras falls back to the slower generic kernel.",
     "Setting return_sequences=True or stateful=True disables cuDNN."),
    ("tuning", "keras.Input(shape=(None, 8)) i",
     "It's the number of time steps left unspecified, so the GRU accepts sequences of any "
     "length; 8 is the features per step. The batch size isn't in shape= at all.",
     "None is the batch size, so you can use any batch size."),
    ("tuning", "google translate's big 2016 ne",
     "No: GNMT (Wu et al., 2016) stacked LSTMs, 8 encoder and 8 decoder layers with residual "
     "connections and attention.",
     "Yes, GNMT was built on stacked GRUs."),
    ("tuning", "whats a light gru (li-gru)? ca",
     "Ravanelli et al. (2018) proposed it for speech: a GRU with the reset gate removed, ReLU "
     "instead of tanh for the candidate, and batch normalisation on the feed-forward parts, so "
     "it is smaller and faster.",
     "Li-GRU removes the update gate to save compute."),
    ("tuning", "whats this mingru thing from t",
     "minGRU, from Feng et al. (2024): the gates and the candidate depend only on x_t, not on "
     "h_{t−1}; the reset gate and the tanh are gone. The recurrence h_t = (1 − z_t) ⊙ h_{t−1} + "
     "z_t ⊙ h̃_t (their convention) is then linear, so training runs as a parallel scan over the "
     "sequence.",
     "minGRU adds self-attention to a GRU so it trains like a transformer."),
    ("tuning", "why does taking h_{t-1} out of",
     "Then z_t and h̃_t can be computed for every step at once from the inputs, and what's left, "
     "h_t = a_t ⊙ h_{t−1} + b_t with a_t = 1 − z_t, is a linear recurrence: an associative "
     "operation, so a parallel scan gets all h_t in O(log T) depth instead of a step-by-step "
     "loop.",
     "Because h_t no longer depends on h_{t-1}, every step is independent."),
    ("tuning", "elman net vs jordan net, whats",
     "Both are simple RNNs with context units. Elman's (1990) copies the hidden layer back in as "
     "context for the next step; Jordan's (1986) feeds back the network's output instead.",
     "Elman feeds back the output; Jordan feeds back the hidden state."),
    ("tuning", "the quasi-rnn (qrnn), who made",
     "Bradbury, Merity, Xiong and Socher (Salesforce, 2016) proposed it: convolutions over time "
     "compute the candidate and the gates for all steps in parallel, and only a cheap "
     "elementwise recurrence (fo-pooling) runs step by step, whereas a GRU's gates need h_{t−1}.",
     "The QRNN was introduced by Google in 2017 and uses attention instead of recurrence."),
    ("tuning", "who wrote 'on the difficulty o",
     "Pascanu, Mikolov and Bengio (ICML 2013). For exploding gradients they proposed gradient "
     "norm clipping, rescaling the gradient when its norm passes a threshold; for vanishing "
     "ones, a regulariser that keeps the error signal's norm from shrinking.",
     "It was written by Sepp Hochreiter; it proposed the LSTM."),
    ("tuning", "clip_grad_value_(params, clip_",
     "Each entry is clamped to [−0.5, 0.5] on its own: [3, −0.2, −1] becomes [0.5, −0.2, −0.5]. "
     "The direction changes, unlike clip_grad_norm_.",
     "It rescales the whole vector to norm 0.5: [0.473, −0.032, −0.158]."),
    ("tuning", "my gru forecast looks like the",
     "It has learned a persistence forecast: predicting roughly the last value it saw, which "
     "scores well on MSE for a slowly varying or random-walk-like series. Compare against that "
     "naive baseline, predict differences instead of levels, or forecast further ahead.",
     "The GRU is working fine; it's just a plotting offset."),
    ("tuning", "ppl say 'overfit a single batc",
     "It's a quick sanity check: a GRU with enough capacity should memorise one small batch and "
     "drive its loss close to 0. If it can't, you have a bug (shapes, batch_first, labels, "
     "learning rate, a detached graph) rather than a modelling problem.",
     "Overfitting one batch first improves generalization later."),
    ("tuning", "my gru gives different numbers",
     "Seed everything (torch.manual_seed, numpy, random), then set "
     "torch.backends.cudnn.deterministic = True and cudnn.benchmark = False, or "
     "torch.use_deterministic_algorithms(True); for cuDNN RNNs PyTorch's docs also say to set "
     "CUBLAS_WORKSPACE_CONFIG=:4096:2 (or :16:8).",
     "torch.manual_seed(0) is enough; that guarantees identical runs."),
    ("tuning", "truncated bptt over a 10,000-s",
     "10,000 / 35 = 285.7, so 286 chunks: 285 full ones of 35 steps plus a last one of 25 steps, "
     "one backward pass each.",
     "You get 285 chunks; the leftover is dropped."),
    ("tuning", "my gru classifier just predict",
     "Usually that's class imbalance: the majority class alone gives a low loss. Weight the loss "
     "(CrossEntropyLoss(weight=...)), oversample the rare classes (WeightedRandomSampler), and "
     "watch per-class recall or F1, not accuracy; also check labels and learning rate.",
     "It's a vanishing gradient problem; switch to an LSTM and that will fix it."),
    ("tuning", "my gru classifier with 10 clas",
     "That's expected: an untrained model spreads its probability evenly, so the cross-entropy "
     "is −ln(1/10) = ln 10 ≈ 2.303. A start far above that would be the warning sign.",
     "Yes, a loss of 2.3 means there is a bug; it should start near 0."),
    ("tuning", "keras LSTM(64) vs GRU(64) on 3",
     "Not exactly. The LSTM has 4·64·(32 + 64 + 1) = 24,832 and the GRU 3·64·(32 + 64 + 2) = "
     "18,816, a ratio of 0.758.",
     "Yes: the LSTM has 24,832 and the GRU has 18,624, exactly 3/4."),
    ("tuning", "why isnt it exactly 3/4 there?",
     "Because of reset_after=True: the GRU's bias is (2, 192), a second bias row for the "
     "recurrent part, while the LSTM has one bias vector (256,). With reset_after=False the GRU "
     "has 18,624, exactly 3/4 of 24,832.",
     "Because unit_forget_bias adds extra parameters to the LSTM."),
    ("tuning", "honest question: why would any",
     "For streaming and edge use: a GRU carries a fixed-size state, so each new step costs O(1) "
     "time and memory, with no growing attention cache; it also works well on small datasets and "
     "tiny devices. Transformers usually win on large-scale sequence tasks.",
     "Because GRUs always outperform transformers in accuracy."),
    ("tuning", "and per new token at inference",
     "A GRU does O(1) work per token (one step on its fixed-size state), independent of how long "
     "the stream has been. A transformer attends to all previous tokens, so each new token costs "
     "O(n) and the KV cache grows linearly with the context.",
     "Both are about the same; the GRU's cost also grows with the sequence length."),
    ("tuning", "in an lstm, f near 1 means rem",
     "Same direction: in PyTorch z near 1 keeps the old state, like an LSTM forget gate near 1, "
     "and 1 − z plays the input gate's role. Only the flipped convention found in some texts "
     "reverses it.",
     "It's the other way round in PyTorch: z near 1 means the unit forgets its state."),
    ("tuning", "the gru's update gate is just ",
     "No. A GRU has no output gate at all; the update gate merges the LSTM's forget and input "
     "gates into one, with z keeping and 1 − z writing.",
     "Yes, the update gate is the LSTM's output gate with a new name."),
    ("tuning", "nn.LSTM(128, 256) vs nn.GRU(12",
     "The LSTM has 4·(256·128 + 256·256 + 512) = 395,264 and the GRU 3·98,816 = 296,448, so "
     "98,816 more: one extra block.",
     "The LSTM has 98,304 more parameters."),
    ("tuning", "the update gate is basically a",
     "No. The update gate only mixes two things per unit, the old state h_{t−1} and the "
     "candidate, with an elementwise weight z in (0, 1); attention computes softmax weights over "
     "many past positions.",
     "Yes, the update gate is basically attention over the previous time steps."),
    ("tuning", "hidden_size has to equal input",
     "No. x_t first goes through W_i* (H × I) and h_{t−1} through W_h* (H × H), so both land in "
     "H dimensions before they are added; input and hidden size are independent, e.g. "
     "nn.GRU(300, 64).",
     "Yes, hidden_size must equal input_size so x and h can be added."),
    ("tuning", "grus are only good for classif",
     "No: GRUs generate text fine. A GRU language model reads one token, predicts a softmax over "
     "the next token, you sample it and feed it back; Cho et al.'s GRU was itself the decoder of "
     "an encoder–decoder for translation.",
     "Right, GRUs are only good for classification."),
    ("tuning", "ok so how would the generation",
     "Start with a start token (or a prompt) and h = zeros. Each step: run the GRU on the "
     "current token with h, put a Linear + softmax on the output, sample (or take the argmax) "
     "the next token, then feed that token back in as the next input and carry h along. Stop at "
     "an end token or a length limit.",
     "Reset the hidden state at every token and run the GRU on that token alone."),
    ("tuning", "a bigger batch size lets my gr",
     "No. The sequences in a batch are processed in parallel but independently: each has its own "
     "h and never sees the others. Batch size changes the gradient estimate and speed; how far "
     "back the GRU can reach depends on the sequence (or BPTT chunk) length and what it learns.",
     "Yes, a bigger batch lets the GRU remember further back."),
    ("tuning", "z and r are trained as their o",
     "No. There are no gate targets: W_iz, W_hz, W_ir, W_hr and the biases are trained end to "
     "end by backprop through time from your one task loss, like every other weight.",
     "Yes, each gate has its own loss and targets."),
    ("tuning", "the tanh in the candidate is w",
     "No. tanh's derivative is at most 1 and usually smaller, so it adds to vanishing; what "
     "helps is the update gate's path z ⊙ h_{t−1}, which copies the state with no squashing when "
     "z is near 1.",
     "Yes, tanh stops the vanishing gradient because its range is (−1, 1)."),
    ("tuning", "packing my sequences glues the",
     "No. Each sequence keeps its own hidden state and is never run into another; packing stores "
     "the non-pad steps time-major with batch_sizes, so at each step the GRU runs only the "
     "sequences still going and skips the padding.",
     "Yes, packing concatenates all the sequences into one long sequence."),
    ("heldout", "wait so a reset gate close to ",
     "No, it's the other way round: r near 1 lets the whole previous state into the candidate, so "
     "nothing is reset; r near 0 is what makes the candidate ignore h_{t−1}, the 'reset'.",
     "Yes, r close to 1 resets the memory."),
    ("heldout", "ok so what would r have to be ",
     "r near 0: then r ⊙ (W_hn h + b_hn) vanishes and n ≈ tanh(W_in x_t + b_in), built from the "
     "input alone.",
     "r has to be near 1 so the candidate ignores h."),
    ("heldout", "why do the gates have to be sm",
     "Because a hard step has zero derivative almost everywhere (and none at the jump), so "
     "backprop would get no gradient to learn the gate weights; the sigmoid is a smooth, "
     "differentiable version of that switch.",
     "A hard step gate would train just as well; people just like sigmoids."),
    ("heldout", "one unit, pytorch gru: W_iz = ",
     "The pre-activation is 1.5·2 + 0.2 − 2·0.5 − 0.2 = 2, so z = σ(2) ≈ 0.881.",
     "z ≈ 0.731."),
    ("heldout", "so for that unit, what weight ",
     "1 − z ≈ 0.119, so about 12% of h_t comes from the candidate and the other 88% is the old "
     "state.",
     "0.88 comes from the candidate."),
    ("heldout", "z for one unit is 0.7 at step ",
     "Only the z path carries h0, so multiply: 0.7 × 0.4 = 0.28, i.e. 28% of h0 is still in h2.",
     "What survives is 0.3 × 0.6 = 0.18 of h0."),
    ("heldout", "i zero-pad my sequences at the",
     "No. On a zero step the gates still see W_h* h_{t−1} and the biases, so z isn't 1 and the "
     "candidate isn't h: h keeps drifting through the padding, and h_n ends up after the pads. "
     "Pack the batch (pack_padded_sequence) or pick each sequence's output at its real last step.",
     "Right, the zeros leave the hidden state unchanged, so h_n is fine."),
    ("heldout", "full step by hand for a 1-unit",
     "r = σ(0.5·2 + 1·(−0.5)) = σ(0.5) ≈ 0.622, z = σ(−2) ≈ 0.119, n = tanh(2 + 0.622·(2·(−0.5) + "
     "0.5)) = tanh(1.689) ≈ 0.934, so h_1 = 0.881·0.934 + 0.119·(−0.5) ≈ 0.763.",
     "h_1 ≈ 0.781."),
    ("heldout", "and if r were applied to h_{t-",
     "Then n = tanh(2 + 2·(0.622·(−0.5)) + 0.5) = tanh(1.878) ≈ 0.954, so h_1 = 0.881·0.954 + "
     "0.119·(−0.5) ≈ 0.781, a bit higher than PyTorch's 0.763.",
     "h_1 stays at 0.763 either way."),
    ("heldout", "i set h0 = 3 for one unit on p",
     "h_1 = 0.1·1 + 0.9·3 = 2.8 and h_2 = 0.1·1 + 0.9·2.8 = 2.62.",
     "h_2 = 1.02."),
    ("heldout", "and if that just keeps going f",
     "It converges to the candidate's value 1: h_t = 1 + 2·0.9^t, so the gap to 1 shrinks by a "
     "factor 0.9 each step.",
     "It stays at 3 forever."),
    ("heldout", "is the sigmoid in the gates ba",
     "Yes: σ(x) = (1 + tanh(x/2))/2, so a sigmoid gate is a tanh rescaled into (0, 1). You could "
     "write the gates with tanh, but you'd have to halve and shift it to keep them in (0, 1).",
     "The sigmoid is a different function from tanh."),
    ("heldout", "which bits of a gru step can b",
     "The input side: W_ih x_t + b_ih (the W_ir, W_iz, W_in terms) for every step can be done in "
     "one big matrix product up front, since x is known. Everything that touches h_{t−1}, W_hh "
     "h_{t−1} + b_hh and then r, z, n and h_t, has to go step by step.",
     "r and z can be precomputed too, since they have their own weights."),
    ("heldout", "h_t = (1-z)*n + z*h_{t-1} is j",
     "No. That last line is linear only if z and n are held fixed, but both depend on h_{t−1} "
     "through σ and tanh (n also through r), so h_t is a nonlinear function of h_{t−1}.",
     "Yes, the GRU update is linear in h_{t-1}."),
    ("heldout", "exporting nn.GRU to onnx: does",
     "No. ONNX's GRU stores W as z, r, h (W[zrh]) per direction, while PyTorch's weight_ih_l0 is "
     "r, z, n; the exporter reorders the blocks for you.",
     "Yes, ONNX keeps PyTorch's r, z, n order."),
    ("heldout", "why is pytorch's default layou",
     "It's time-major because the GRU loops over time: x[t] is then one contiguous (batch, "
     "feature) block per step, which is also cuDNN's native layout. batch_first=True only changes "
     "the layout you pass in, not the results.",
     "The layout changes the results, time-major is more accurate."),
    ("heldout", "nn.GRU(8, 16, num_layers=3, bi",
     "h_n is (6, 4, 16), layer-major; h_n.view(3, 2, 4, 16) gives [layer, direction, batch, "
     "hidden], so h_n.view(3, 2, 4, 16)[-1, 1] is the top layer's backward state.",
     "Use h_n.view(2, 3, 4, 16): directions first, then layers."),
    ("heldout", "my own numpy gru and nn.GRU ag",
     "Probably none: 1e-7 is float32 rounding noise (machine epsilon is about 1.2e-7), from "
     "summing in a different order. A wrong convention would give differences of order 0.1; "
     "compare with np.allclose.",
     "You must have flipped the z convention."),
    ("heldout", "for nn.GRU(3, 4), which tensor",
     "b_hn is bias_hh_l0[8:12], the last 4 entries (rows are r, z, n); b_in, outside the r "
     "product, is bias_ih_l0[8:12].",
     "bias_ih_l0[8:12] is b_hn."),
    ("heldout", "if i build the same gru in ker",
     "No. PyTorch draws every weight and bias of nn.GRU from U(−1/√H, 1/√H). Keras uses "
     "glorot_uniform for the kernel, orthogonal for the recurrent_kernel and zeros for the bias.",
     "Yes, both use the same Xavier init."),
    ("heldout", "keras Bidirectional(GRU(32)) g",
     "The default merge_mode='concat' puts the forward and backward 32-d outputs side by side, "
     "hence 64. Pass merge_mode='sum' (or 'ave' or 'mul') to get 32.",
     "Bidirectional splits the units between the two directions, so set return_sequences=False."),
    ("heldout", "nn.GRU(20, 64, num_layers=3, d",
     "Layer 0: 3·(64·20 + 64·64 + 2·64) = 16,512; layers 1 and 2: 3·(64·64 + 64·64 + 128) = "
     "24,960 each; total 66,432. Dropout has no parameters, so it adds none.",
     "It has 49,536 params, plus dropout adds some weights."),
    ("heldout", "how many extra numbers does to",
     "nn.GRU(100, 200) has 3·(200·100 + 200·200 + 400) = 181,200 parameters, and Adam keeps two "
     "buffers per parameter (exp_avg and exp_avg_sq), so 362,400 numbers, plus a step counter per "
     "tensor.",
     "Adam keeps 181,200 extra numbers, one per weight."),
    ("heldout", "and roughly how many MB in fp3",
     "Four numbers per parameter (weight, grad, exp_avg, exp_avg_sq): 4 × 181,200 = 724,800 "
     "floats × 4 bytes = 2,899,200 bytes, about 2.9 MB (2.76 MiB).",
     "About 0.72 MB."),
    ("heldout", "if i stack nn.GRUCell(10, 20) ",
     "Yes, same: GRUCell(10, 20) has 3·(200 + 400 + 40) = 1,920 and GRUCell(20, 20) 3·(400 + 400 "
     "+ 40) = 2,520, total 4,440, exactly nn.GRU(10, 20, num_layers=2).",
     "The GRUCells have more parameters, 5,040 in total."),
    ("heldout", "nn.GRU(128, 256, bidirectional",
     "The bidirectional GRU has 2·3·(256·128 + 256·256 + 512) = 592,896 and the Linear 512·10 + "
     "10 = 5,130, so 598,026 in total.",
     "296,448 + 5,130 = 301,578 params."),
    ("heldout", "switching a keras GRU(48) from",
     "You save 144, one bias row of 3·48: the bias goes from (2, 144) to (144,). It doesn't "
     "depend on the input features; the kernel stays (input_dim, 144) either way.",
     "It saves 288 params, and it depends on the input features."),
    ("heldout", "keras GRU(50) on a univariate ",
     "3·50·(1 + 50 + 2) = 7,950: kernel (1, 150), recurrent_kernel (50, 150) and bias (2, 150).",
     "3·50·(1 + 50 + 1) = 7,800."),
    ("heldout", "getting 'UserWarning: RNN modu",
     "cuDNN wants the GRU's weights in one contiguous buffer and yours got split (typical after "
     "nn.DataParallel or after assigning weights). Call self.gru.flatten_parameters(), e.g. at "
     "the start of forward(); the results were right anyway, it just costs memory and speed.",
     "It means your weights are corrupted; call .contiguous() on your input."),
    ("heldout", "how do i write the time loop m",
     "h = torch.zeros(batch, hidden); outs = []; for t in range(x.size(0)): h = cell(x[t], h); "
     "outs.append(h). Each call takes one step's (batch, features) slice and the (batch, hidden) "
     "state.",
     "GRUCell takes the whole sequence at once: out = cell(x, h)."),
    ("heldout", "and how do i turn that into th",
     "out = torch.stack(outs) gives (10, 4, 8), the same as nn.GRU's output, and h.unsqueeze(0) "
     "is (1, 4, 8) like its h_n.",
     "torch.cat(outs) gives (4, 10, 8)."),
    ("heldout", "will torch.jit.script choke on",
     "No. nn.GRU is scriptable: torch.jit.script on a module with a GRU and a Linear works out of "
     "the box and gives the same outputs.",
     "Yes, nn.GRU breaks under torch.jit.script, so trace it instead."),
    ("heldout", "moved my model to cuda with .t",
     ".to('cuda') moves the module's parameters and buffers, not tensors you create inside "
     "forward, so h0 is still on the CPU. Make it on the input's device: torch.zeros(1, b, 64, "
     "device=x.device), or just don't pass h0 and nn.GRU uses zeros on the right device.",
     "Just call model.cuda() again after creating h0."),
    ("heldout", "i packed with enforce_sorted=F",
     "In your original batch order: with enforce_sorted=False the PackedSequence stores "
     "sorted_indices and unsorted_indices, and nn.GRU uses them to put h_n back in the order you "
     "passed.",
     "h_n comes back sorted by length, so you have to reorder h_n yourself."),
    ("heldout", "nn.GRU(4, 6, batch_first=True)",
     "(5, 3, 6): pad_packed_sequence has its own batch_first, which defaults to False, so you get "
     "time-major output even though the GRU is batch_first. Pass batch_first=True to get (3, 5, "
     "6).",
     "You get (3, 5, 6) because the GRU is batch_first."),
    ("heldout", "someone at a meetup mentioned ",
     "That's Rahul Dey and Fathi Salem, 'Gate-Variants of Gated Recurrent Unit (GRU) Neural "
     "Networks' (2017): the variants compute the gates from h and a bias, from h alone, or from "
     "the bias alone.",
     "Those variants were proposed by Cho et al. in 2014."),
    ("heldout", "whats the SRU (simple recurren",
     "No. The SRU comes from Tao Lei et al. (2017, EMNLP 2018): its matrix products use only x_t "
     "and its recurrence is elementwise, so the heavy work runs in parallel across time; it also "
     "adds a highway connection.",
     "Yes, SRU is just another name for a GRU."),
    ("heldout", "did cho's 2014 paper actually ",
     "Not in those words: Cho et al. (2014) introduced it as a new kind of hidden unit, 'a hidden "
     "unit that adaptively remembers and forgets'; the name 'gated recurrent unit' (GRU) caught "
     "on with Chung et al.'s 2014 comparison.",
     "Yes, Cho's paper was titled 'Gated Recurrent Units for Translation'."),
    ("heldout", "sutskever's 2014 seq2seq paper",
     "No. Sutskever, Vinyals and Le (2014) used deep LSTMs, 4 layers of 1,000 cells, and reversed "
     "the source sentence; the GRU came from Cho et al.'s encoder–decoder paper the same year.",
     "Yes, Sutskever et al. used GRUs as well."),
    ("heldout", "how deep was their network, ho",
     "Four layers: both the encoder LSTM and the decoder LSTM were 4 layers deep with 1,000 cells "
     "per layer, and they found deep LSTMs clearly beat shallow ones.",
     "They used 2 layers."),
    ("heldout", "is there a big nmt study that ",
     "Yes: Britz et al. 2017, 'Massive Exploration of Neural Machine Translation Architectures', "
     "ran large NMT sweeps and found LSTM cells consistently outperformed GRU cells.",
     "Britz et al. 2017 found GRUs consistently outperformed LSTMs."),
    ("heldout", "why did gers add a forget gate",
     "Without a forget gate the cell could only add to its state, so on long continual input "
     "streams that were never reset, the cell states grew without bound and saturated the units. "
     "Gers, Schmidhuber and Cummins (2000) added the forget gate so the cell can learn to reset "
     "itself.",
     "The 1997 LSTM already had a forget gate; Gers only renamed it."),
    ("heldout", "whats scheduled sampling when ",
     "It mixes teacher forcing with free running: at each decoder step you feed the ground-truth "
     "previous token with probability p and the model's own prediction otherwise, decaying p over "
     "training (Bengio et al., 2015), so the GRU learns to cope with its own mistakes.",
     "Scheduled sampling is a learning-rate schedule that samples the batches."),
    ("heldout", "nn.CrossEntropyLoss(ignore_ind",
     "28: the real tokens, 10 + 7 + 7 + 4. ignore_index drops the 12 pad positions from the sum "
     "and from the count, so the loss is the sum over 28 terms divided by 28, not by 40.",
     "It averages over all 40 positions."),
    ("heldout", "clip_grad_norm_(params, max_no",
     "The total norm is √(9 + 16 + 144) = 13, so everything is scaled by 1.3/13 = 0.1: [3, 4] → "
     "[0.3, 0.4] and [12] → [1.2].",
     "Each is clipped: [0.78, 1.04] and [1.3]."),
    ("heldout", "what learning rate does torch.",
     "The default is lr=1e-3 (0.001), and that's a reasonable first try for a GRU; lower it (e.g. "
     "3e-4) if the loss jumps around, and keep gradient clipping on.",
     "Adam defaults to lr=0.01."),
    ("heldout", "i want orthogonal init for my ",
     "Better per gate: orthogonal_ on the whole (3H, H) matrix only gives orthonormal columns "
     "overall, and the separate W_hr, W_hz, W_hn blocks are not orthogonal. Do `with "
     "torch.no_grad(): for w in gru.weight_hh_l0.chunk(3): nn.init.orthogonal_(w)`.",
     "Yes, calling it on the whole matrix makes each gate block orthogonal."),
    ("heldout", "my sequence lengths go from 5 ",
     "Bucket by length: sort (or group) sequences by length so each batch holds similar lengths, "
     "then pack_padded_sequence so the GRU skips what padding is left; very long ones you can "
     "also chunk for truncated BPTT.",
     "Pad everything to 500 so it's faster."),
    ("heldout", "my gru's train loss keeps fall",
     "That's overfitting: the GRU is memorising the training set. Use early stopping (keep the "
     "checkpoint with the best validation loss, around epoch 8), and add dropout or weight decay, "
     "or shrink the model.",
     "It's underfitting, so train it for more epochs."),
    ("heldout", "nn.LSTMCell(32, 64) vs nn.GRUC",
     "nn.LSTMCell(32, 64): 4·(64·32 + 64·64 + 2·64) = 25,088; nn.GRUCell(32, 64): 3·(2,048 + "
     "4,096 + 128) = 18,816.",
     "The GRUCell has 25,088 and the LSTMCell has 18,816."),
    ("heldout", "nn.LSTM(16, 32, proj_size=8) v",
     "The GRU does: nn.GRU(16, 32) has 4,800, while the projected LSTM has 3,584 (weight_ih "
     "128×16, weight_hh 128×8, two 128 biases, weight_hr 8×32), because proj_size shrinks h to 8.",
     "The LSTM has more params: 6,400 vs 4,800."),
    ("heldout", "gru has fewer params so itll a",
     "No. Fewer parameters make each step a bit cheaper, but how many epochs it takes depends on "
     "the task, data and tuning; Chung et al. (2014) and later studies found mixed results, and "
     "sometimes the LSTM gets there first.",
     "Yes, GRUs always converge in fewer epochs."),
    ("heldout", "keras Bidirectional(LSTM(16)) ",
     "Bidirectional(LSTM(16)) has 2·4·16·(4 + 16 + 1) = 2,688 and Bidirectional(GRU(16)) has "
     "2·3·16·(4 + 16 + 2) = 2,112.",
     "The LSTM one has 1,344 and the GRU one 1,056."),
    ("heldout", "if i want a gru that carries a",
     "The LSTM carries h and c, 64 + 64 = 128 numbers per sequence, so a GRU with hidden_size=128 "
     "carries the same, all in its single h.",
     "Use hidden_size=64, the same as the LSTM."),
    ("heldout", "and how do the param counts co",
     "nn.GRU(32, 128) has 3·(128·32 + 128·128 + 256) = 62,208, about 2.5 times the LSTM's "
     "4·(64·32 + 64·64 + 128) = 25,088.",
     "The GRU has 18,816 and the LSTM 25,088."),
    ("heldout", "a gru does 3 blocks of matmuls",
     "No. It does about 3/4 of the matrix work per step, but real speed depends on the kernels, "
     "memory bandwidth, per-step overhead and batch size, so the gap is often smaller or larger "
     "than 25%; benchmark both.",
     "Yes, it runs exactly 25% faster."),
    ("heldout", "when r is 0 the gradient cant ",
     "No. r only gates the candidate's view of h_{t−1}; h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} still has "
     "the direct z ⊙ h_{t−1} path, and h_{t−1} also feeds z, so gradient still flows back.",
     "Right, r = 0 blocks all the gradient to h_{t-1}."),
    ("heldout", "gradient clipping fixes vanish",
     "No. Clipping only scales gradients down when their norm is above the threshold, which "
     "guards against exploding gradients; it never makes tiny gradients bigger. For vanishing "
     "ones the gating (the z ⊙ h path), good init and shorter paths help.",
     "Yes, clipping fixes vanishing gradients too."),
    ("heldout", "grus need positional encodings",
     "No. A GRU reads the tokens one step at a time, in order, and each h_t depends on h_{t−1}, "
     "so word order is built into the computation; shuffle the words and you get a different h.",
     "Yes, GRUs need positional encodings to know the order."),
    ("heldout", "if i shuffle my training batch",
     "No. nn.GRU keeps no state between calls: every forward pass starts from h0, zeros unless "
     "you pass one, so shuffling batches is fine (and usually good).",
     "Right, the GRU carries its state over from the previous batch."),
    ("heldout", "ok so when would i actually wa",
     "When consecutive batches are consecutive chunks of the same long sequence, as in truncated "
     "BPTT over a long text or series: pass the last h into the next call, but h.detach() it so "
     "the backward pass stops at the chunk boundary.",
     "You should always carry h between shuffled batches."),
    ("heldout", "with batch_first=True, output[",
     "No. With batch_first=True the first index is the batch, so output[-1] is the last "
     "sequence's outputs at every step, shape (T, H). The last step for every sequence is "
     "output[:, -1].",
     "Right, output[-1] gives the last timestep."),
    ("heldout", "my sequences are 100 steps lon",
     "No. input_size is the number of features per step, so nn.GRU(input_size=3, "
     "hidden_size=...); the 100 steps are just the length of the time dimension, which nn.GRU "
     "takes at call time, any length.",
     "Yes, input_size=100 because the sequence is 100 long."),
    ("heldout", "and if i one-hot encode charac",
     "input_size=27: each step is a 27-long one-hot vector. (With an nn.Embedding in front you'd "
     "use the embedding size instead.)",
     "input_size should be 1, since each step is one character."),
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
