"""The verified notes: their facts, retrieval over them and the grounded prompt."""

from __future__ import annotations

import re

import pytest

from gruchat.tutor.notes import (
    Note,
    NoteIndex,
    _parse_note,
    default_index,
    get_note,
    grounded_user_message,
    load_notes,
)

EXPECTED_NOTES = {
    "what-is-a-gru",
    "equations",
    "gates",
    "candidate-state",
    "hidden-state-update",
    "gru-vs-lstm",
    "vanishing-gradients",
    "parameter-count",
    "conventions-and-pitfalls",
    "history-and-papers",
    "when-to-use",
    "pytorch-usage",
    "pytorch-weights",
    "keras-usage",
    "training-problems",
}


def _note(name: str) -> Note:
    note = get_note(name)
    assert note is not None, name
    return note


def _all_text(note: Note) -> str:
    return f"{note.title}\n{note.body}"


# --- the files -------------------------------------------------------------------------


def test_all_expected_notes_exist_and_are_sorted() -> None:
    notes = load_notes()
    names = [n.name for n in notes]
    assert set(names) >= EXPECTED_NOTES
    assert names == sorted(names)


def test_load_notes_is_cached_but_returns_a_fresh_list() -> None:
    first, second = load_notes(), load_notes()
    assert first == second
    assert first is not second
    assert all(a is b for a, b in zip(first, second, strict=True))
    first.clear()
    assert load_notes()


def test_notes_are_short_titled_and_free_of_latex() -> None:
    for note in load_notes():
        assert note.title and not note.title.startswith("#")
        words = len(note.body.split())
        assert 40 <= words <= 120, (note.name, words)
        assert "\\" not in note.body and "$" not in note.body, note.name
        assert not note.body.lower().startswith("tags:")


def test_note_files_start_with_a_title_line() -> None:
    from gruchat.resources import data_path

    for path in data_path("prompts/notes").glob("*.md"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# "), path.name


def test_get_note_accepts_stem_or_unique_prefix() -> None:
    assert _note("gates").name == "gates"
    assert _note("param").name == "parameter-count"
    assert _note("vanishing-gradients.md").name == "vanishing-gradients"
    assert get_note("g") is None  # gates, gru-vs-lstm: ambiguous
    assert get_note("no-such-note") is None
    assert get_note("") is None


# --- the facts ---------------------------------------------------------------------------


def test_hidden_state_update_uses_pytorch_convention() -> None:
    body = _note("hidden-state-update").body
    assert "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁" in body
    assert "z weights the OLD state" in body


def test_equations_match_pytorch_nn_gru() -> None:
    body = _note("equations").body
    for formula in (
        "r = σ(W_ir xₜ + b_ir + W_hr hₜ₋₁ + b_hr)",
        "z = σ(W_iz xₜ + b_iz + W_hz hₜ₋₁ + b_hz)",
        "n = tanh(W_in xₜ + b_in + r ⊙ (W_hn hₜ₋₁ + b_hn))",
        "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁",
    ):
        assert formula in body


def test_the_other_update_convention_is_always_flagged() -> None:
    other = re.compile(r"\(1 − z\) ⊙ hₜ₋₁ \+ z ⊙")
    for note in load_notes():
        for line in note.body.splitlines():
            if other.search(line):
                assert "z weights the new candidate" in line, note.name


def test_peepholes_are_only_attributed_to_lstm() -> None:
    mentions = 0
    for note in load_notes():
        for sentence in re.split(r"(?<=[.;])\s", _all_text(note)):
            if "peephole" in sentence.lower():
                mentions += 1
                assert "LSTM" in sentence, (note.name, sentence)
    assert mentions >= 2


def test_gates_and_activations() -> None:
    gates = _note("gates").body
    assert "sigmoid" in gates and "between 0 and 1" in gates
    assert "z ≈ 1 keeps hₜ₋₁" in gates
    candidate = _note("candidate-state").body
    assert "tanh" in candidate and "between −1 and 1" in candidate
    overview = _note("what-is-a-gru").body
    assert "no separate cell state and no output gate" in overview
    assert "Cho et al. (2014)" in overview


def test_reset_placement_is_stated_both_ways() -> None:
    candidate = _note("candidate-state").body
    assert "r is applied after the matrix product" in candidate
    assert "Cho et al. apply r before it" in candidate
    pitfalls = _note("conventions-and-pitfalls").body
    assert "reset_after=True" in pitfalls


def test_parameter_formula_and_worked_number() -> None:
    body = _note("parameter-count").body
    assert "3·(H·I + H·H + 2·H)" in body
    assert "4·(H·I + H·H + 2·H)" in body
    assert "3·(200 + 400 + 40) = 1920" in body
    assert "2560" in body
    i, h = 10, 20
    assert 3 * (h * i + h * h + 2 * h) == 1920
    assert 4 * (h * i + h * h + 2 * h) == 2560


def test_parameter_numbers_agree_with_torch() -> None:
    torch = pytest.importorskip("torch")
    gru = torch.nn.GRU(input_size=10, hidden_size=20)
    lstm = torch.nn.LSTM(input_size=10, hidden_size=20)
    assert sum(p.numel() for p in gru.parameters()) == 1920
    assert sum(p.numel() for p in lstm.parameters()) == 2560


def test_papers_are_cited_exactly() -> None:
    body = _note("history-and-papers").body
    assert (
        'Cho et al., 2014, "Learning Phrase Representations using RNN Encoder–Decoder '
        'for Statistical Machine Translation"'
    ) in body
    assert (
        'Chung et al., 2014, "Empirical Evaluation of Gated Recurrent Neural Networks '
        'on Sequence Modeling"'
    ) in body


def test_gru_vs_lstm_counts() -> None:
    body = _note("gru-vs-lstm").body
    assert "GRU: 2 gates" in body
    assert "LSTM: 3 gates (input, forget, output)" in body
    assert "cell state c" in body


def _shape(text: str, name: str) -> tuple[int, ...]:
    """The first numeric shape the note gives after ``name``: "weight_ih_l0 (60, 10)"."""
    match = re.search(rf"\b{re.escape(name)}\s*\((\d+(?:,\s*\d+)*)\)", text)
    assert match, name
    return tuple(int(n) for n in match.group(1).split(","))


def test_notes_gists_are_one_short_line_kept_out_of_the_body() -> None:
    with_gist = [note for note in load_notes() if note.gist_line]
    assert len(with_gist) == len(load_notes())  # every note names what must not be contradicted
    for note in with_gist:
        assert len(note.gist.split()) <= 42, note.name
        assert len(note.gist) < 0.8 * len(note.body), note.name  # what makes it worth sending
        assert "\n" not in note.gist and not note.body.lower().startswith("gist:")


def test_a_gist_line_is_parsed_after_the_tags() -> None:
    note = _parse_note("x", "# T\ntags: a, b\ngist: z ≈ 1 keeps the old state.\nBody text.")
    assert (note.title, note.tags, note.gist, note.body) == (
        "T",
        ("a", "b"),
        "z ≈ 1 keeps the old state.",
        "Body text.",
    )
    assert _parse_note("x", "# T\nBody.").gist_line == ""


def test_pytorch_weight_and_state_shapes_agree_with_torch() -> None:
    torch = pytest.importorskip("torch")
    body = _note("pytorch-weights").body
    gru = torch.nn.GRU(10, 20)
    assert _shape(body, "weight_ih_l0") == tuple(gru.weight_ih_l0.shape) == (60, 10)
    assert _shape(body, "weight_hh_l0") == tuple(gru.weight_hh_l0.shape) == (60, 20)
    stacked = torch.nn.GRU(10, 20, num_layers=2)
    _, h_n = stacked(torch.zeros(5, 4, 10))
    assert _shape(body, "the final state is") == tuple(h_n.shape)
    assert "(D·num_layers, N, H)" in body and "(3·H, D·H above it)" in body
    deep = torch.nn.GRU(10, 20, num_layers=2, bidirectional=True)
    _, h_n = deep(torch.zeros(5, 4, 10))
    assert tuple(h_n.shape) == (2 * 2, 4, 20)
    assert tuple(deep.weight_ih_l1.shape) == (3 * 20, 2 * 20)
    assert tuple(deep.weight_ih_l0_reverse.shape) == (60, 10)
    assert tuple(deep.bias_hh_l1.shape) == (60,)


def test_pytorch_gate_rows_are_in_the_order_r_z_n_as_the_weights_note_says() -> None:
    """Rebuild one step from the row blocks taken as r, z, n and compare with nn.GRU."""
    torch = pytest.importorskip("torch")
    assert "gate order r, z, n" in _note("pytorch-weights").body
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 4)
    x, h = torch.randn(1, 1, 3), torch.randn(1, 1, 4)
    _, expected = gru(x, h)
    wi, wh = gru.weight_ih_l0.chunk(3), gru.weight_hh_l0.chunk(3)
    bi, bh = gru.bias_ih_l0.chunk(3), gru.bias_hh_l0.chunk(3)
    x, h = x[0, 0], h[0, 0]
    r = torch.sigmoid(wi[0] @ x + bi[0] + wh[0] @ h + bh[0])
    z = torch.sigmoid(wi[1] @ x + bi[1] + wh[1] @ h + bh[1])
    n = torch.tanh(wi[2] @ x + bi[2] + r * (wh[2] @ h + bh[2]))
    assert torch.allclose((1 - z) * n + z * h, expected[0, 0], atol=1e-6)


def test_keras_note_shapes_are_torchs_transposed_with_both_biases() -> None:
    """Keras 3 (checked in a scratch install when the note was written) stores kernel
    (features, 3·units), recurrent_kernel (units, 3·units) and bias (2, 3·units) with
    reset_after=True: PyTorch's tensors transposed, and its two bias vectors stacked."""
    torch = pytest.importorskip("torch")
    body = _note("keras-usage").body
    for fact in ("kernel (features, 3·units)", "recurrent_kernel (units, 3·units)",
                 "bias (2, 3·units)", "gate order z, r, h", "rows r, z, n",
                 "h = z ⊙ hₜ₋₁ + (1 − z) ⊙ h̃", "no cell state"):  # fmt: skip
        assert fact in body, fact
    features, units = 10, 64
    gru = torch.nn.GRU(features, units)
    assert tuple(gru.weight_ih_l0.T.shape) == (features, 3 * units)
    assert tuple(gru.weight_hh_l0.T.shape) == (units, 3 * units)
    assert tuple(torch.stack([gru.bias_ih_l0, gru.bias_hh_l0]).shape) == (2, 3 * units)
    total = sum(p.numel() for p in gru.parameters())
    assert total == 3 * units * (features + units + 2)  # the same count in both libraries


def test_training_note_describes_clip_grad_norm_as_torch_does_it() -> None:
    torch = pytest.importorskip("torch")
    body = _note("training-problems").body
    assert "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)" in body
    assert "rescales them together" in body and "vanishing" in body
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])  # total norm 5
    norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert float(norm) == pytest.approx(5.0)
    assert torch.allclose(a.grad, torch.tensor([0.6, 0.0]), atol=1e-5)  # same direction,
    assert torch.allclose(b.grad, torch.tensor([0.8]), atol=1e-5)  # total norm 1
    a.grad, b.grad = torch.tensor([0.3, 0.0]), torch.tensor([0.4])  # under max_norm
    torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert torch.allclose(b.grad, torch.tensor([0.4]))  # small gradients stay as they are


# --- retrieval ---------------------------------------------------------------------------

PEEPHOLE_NOTES = {"conventions-and-pitfalls", "gru-vs-lstm"}
RETRIEVAL_CASES: list[tuple[str, str | set[str]]] = [
    ("what does the reset gate do?", "gates"),
    ("What does the update gate do?", "gates"),
    ("what are the gates of a GRU?", "gates"),
    ("what does z do?", "gates"),
    ("sigmoid or tanh for the gates?", {"gates", "sigmoid-not-relu"}),
    ("how many parameters does a GRU layer have?", "parameter-count"),
    ("GRU vs LSTM?", "gru-vs-lstm"),
    ("difference between GRU and LSTM", "gru-vs-lstm"),
    ("what is a GRU?", "what-is-a-gru"),
    ("Explain GRUs", "what-is-a-gru"),
    ("what is a gated recurrent unit?", "what-is-a-gru"),
    ("why do GRUs help with vanishing gradients?", "vanishing-gradients"),
    ("do GRUs fix exploding gradients?", {"vanishing-gradients", "training-problems"}),
    ("does a GRU have peepholes?", PEEPHOLE_NOTES),
    ("which activation does the candidate use?", "candidate-state"),
    ("what are the GRU equations?", "equations"),
    ("what is the formula for h_t?", "equations"),
    ("who invented the GRU?", "history-and-papers"),
    ("which paper introduced GRUs?", "history-and-papers"),
    ("how do I use nn.GRU in PyTorch?", "pytorch-usage"),
    ("what is the shape of h_n?", {"pytorch-usage", "pytorch-weights"}),
    ("when should I use a GRU instead of an LSTM?", "when-to-use"),
    ("how does the hidden state get updated?", "hidden-state-update"),
    ("is z the weight of the old or the new state?", "hidden-state-update"),
    ("what is reset_after in Keras?", {"conventions-and-pitfalls", "keras-usage"}),
]


@pytest.mark.parametrize(("question", "expected"), RETRIEVAL_CASES)
def test_search_puts_the_right_note_first(question: str, expected: str | set[str]) -> None:
    hits = default_index().search(question)
    assert hits, question
    allowed = expected if isinstance(expected, set) else {expected}
    assert hits[0].name in allowed


def test_peephole_question_gets_only_lstm_attributions() -> None:
    hits = default_index().search("does a GRU have peepholes?")
    assert all("peephole" in h.body.lower() for h in hits)


@pytest.mark.parametrize("question", ["hello", "tell me a joke", "what's the weather today?", ""])
def test_off_topic_questions_get_no_notes(question: str) -> None:
    assert default_index().search(question) == []


def test_search_respects_k_and_drops_weak_matches() -> None:
    index = default_index()
    assert index.search("what does the reset gate do?", k=0) == []
    assert len(index.search("what does the reset gate do?", k=1)) == 1
    assert len(index.search("sigmoid tanh gate candidate", k=5)) <= 5
    # A clear single-topic question does not drag in an unrelated second note.
    assert [n.name for n in index.search("how many parameters does a GRU layer have?")] == [
        "parameter-count"
    ]


def test_scores_are_sorted_and_cover_every_note() -> None:
    index = default_index()
    scored = index.scores("update gate")
    assert len(scored) == len(index.notes)
    values = [s for _, s in scored]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0


def test_title_words_outweigh_body_mentions() -> None:
    notes = [
        Note("a", "Reset gate", "It scales the recurrent part of the candidate."),
        Note("b", "Candidate", "The reset gate is mentioned here once in a longer body text."),
        Note("c", "Other", "Nothing relevant at all in this one."),
    ]
    assert NoteIndex(notes).search("reset gate", k=1)[0].name == "a"


def test_index_over_no_notes_is_empty() -> None:
    assert NoteIndex([]).search("reset gate") == []


def test_bm25s_prints_no_progress_bars(capsys: pytest.CaptureFixture[str]) -> None:
    NoteIndex().search("what does the reset gate do?")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# --- the grounded prompt -----------------------------------------------------------------


def test_grounded_message_puts_notes_before_the_question() -> None:
    notes = [_note("gates"), _note("candidate-state")]
    message = grounded_user_message("  what does r do?  ", notes)
    assert message.startswith("Notes:\n")
    assert "Question: what does r do?\n" in message
    for note in notes:  # the gist goes to the model; the learner sees the body
        assert note.gist_line and note.gist in message and note.body not in message
        assert message.index(note.gist) < message.index("what does r do?")
    assert "tags:" not in message and "gist:" not in message
    assert len(message) < 800


def test_a_note_without_a_gist_sends_its_body() -> None:
    note = _parse_note("x", "# X\ntags: a\nThe body.")
    assert note.gist == "The body." and note.gist_line == ""


def test_grounded_message_without_notes_is_just_the_question() -> None:
    assert grounded_user_message(" hi ", []) == "hi"
