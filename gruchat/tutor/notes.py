"""Verified GRU notes and BM25 retrieval over them.

The chat model is tiny (135M parameters) and gets facts wrong on its own, so each
answer is grounded on one or two short hand-checked notes picked by BM25.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import bm25s
from bm25s.stopwords import STOPWORDS_EN

from gruchat.resources import data_path

NOTES_DIR = "prompts/notes"

# Question fillers that would otherwise match notes such as "What is a GRU?" for
# every "what does ... do?" question.
_QUESTION_WORDS = frozenset(
    {
        *("what", "which", "who", "whom", "whose", "why", "how", "when", "where"),
        *("does", "do", "did", "done", "can", "could", "would", "should", "shall", "may"),
        *("might", "must", "has", "have", "had", "i", "me", "my", "you", "your", "we", "our"),
        *("please", "explain", "tell", "describe", "show", "give", "about", "mean", "means"),
        *("meaning", "exactly", "really", "much", "many", "some", "any", "also", "just"),
        *("s", "t", "d", "m", "ll", "re", "ve"),  # pieces of contractions such as "what's"
        # how a learner asks, not what about: "is it true that …", "so … right?"
        *("true", "right", "correct", "wrong", "heard", "think", "thought", "actually", "ok"),
        *("okay", "so", "happens", "happen", "other", "one", "else", "again", "say", "said"),
        # "why does a GRU need a reset gate at all?" is about the reset gate, not the paper
        # "Attention is all you need" (a tag of the later-work note)
        *("need", "needs", "needed"),
    }
)
# Plain-text notation a learner types, spelled as the notes spell it.
_NOTATION = (
    (re.compile(r"\bh_?\{?t\s*-\s*1\}?|\bh_?\(t\s*-\s*1\)|\bh_prev\b", re.I), "hₜ₋₁"),
    (re.compile(r"\bh_\{?t\}?\b|\bh\(t\)", re.I), "hₜ"),
    (re.compile(r"\bx_\{?t\}?\b|\bx\(t\)", re.I), "xₜ"),
    (re.compile(r"\b([zr])_\{?t\}?\b", re.I), r"\1"),
)
# LSTM parts as one word each, so "output gate" does not match PyTorch's "output" and
# "forgets the past" does not match "forget gate".
_COMPOUNDS = re.compile(r"\b(output|input|forget|cell)[ -](gates?|states?)\b", re.IGNORECASE)
# A question that leans on the one before: "and the other gate?", "what about r?", "why?"
# "ok and with bias=False?", "wait, why?": an interjection before the word that continues
_LEAD_IN = (
    r"^\W*(?:(?:ok(?:ay)?|oh|ah|right|cool|thanks|great|nice|hm+|alright|wait|got it|i see)\W+)*"
)
_CONTINUES = re.compile(
    _LEAD_IN
    + r"(and|but|so|then|also|what about|how about|what else|the other|same for|what if)\b",
    re.IGNORECASE,
)
_WHY = re.compile(_LEAD_IN + r"(why|how come|really|is that|does that|is it)\b", re.IGNORECASE)
_ANAPHORA = re.compile(r"\b(it|its|that|this|they|them|those|other|one|ones)\b", re.IGNORECASE)
_MODEL_WORDS = re.compile(r"\b(grus?|lstms?|rnns?)\b", re.IGNORECASE)
# "in those rows", "that paper": a demonstrative pointing back at the last answer
# ("is it true that z …" is no pointer: "that" there starts a clause)
_POINTS_BACK = re.compile(
    r"\b(?:those|these)\s+(?!are\b|were\b)[a-z⊙]|"
    r"\b(?:of|with|from|on)\s+(?:those|these|them)\b(?!\s+(?:are|were)\b)|"
    r"\b(?:in|of|from|about|with|for|on|to|by|at)\s+(?:that|this)\s+(?!is\b|was\b)[a-z⊙]",
    re.IGNORECASE,
)
# "same setup but h_{t-1} = 1 this time?": the earlier question with one value changed
_SAME_AGAIN = re.compile(
    r"\bsame (?:setup|numbers|weights|example|thing|layer|model|sizes?)\b|\bthis time\b"
    r"|\binstead\b",
    re.IGNORECASE,
)
_POINTING_MAX_WORDS = 6
_FOLLOW_UP_MAX_WORDS = 4  # content words after "and …"; a longer question stands alone
_STOPWORDS = frozenset(set(STOPWORDS_EN) | _QUESTION_WORDS)
# Single-character tokens are kept on purpose: "z", "r" and "n" name the gates.
_TOKEN_PATTERN = r"(?u)\b\w+\b"
# Scores below this fraction of the best hit are noise from shared words like "gru".
_RELATIVE_CUTOFF = 0.5
_MIN_SCORE = 0.3
_HEADING_WEIGHT = 1.0
# A question naming only the topic ("what is a GRU?", "explain GRUs") gets the overview note;
# BM25 cannot pick it because "gru" occurs in every note and so has almost no weight.
_OVERVIEW_NOTE = "what-is-a-gru"
_TOPIC_STEMS = frozenset(
    {"gru", "recurrent", "unit", "rnn", "cell", "network", "neural"}
    | {"stand", "acronym", "abbreviation", "full", "name"}  # "what does GRU stand for?"
)


@dataclass(frozen=True)
class Note:
    """One verified note; `name` is the file stem, `body` excludes the title, tags and gist.

    The learner sees the body; the model is sent the ``gist`` (an optional `gist:` line, at
    most 40 words: the facts a model must not contradict, in about a third of the body's
    tokens, since each prompt token costs the 1.5B ~6 ms before its first word).
    """

    name: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    gist_line: str = ""

    @property
    def gist(self) -> str:
        """What a grounded question sends the model: the gist line, else the body."""
        return self.gist_line or self.body


def _parse_note(name: str, text: str) -> Note:
    """Split a note file into title, optional `tags:` and `gist:` lines and body."""
    lines = text.strip().splitlines()
    title = name.replace("-", " ")
    if lines and lines[0].startswith("#"):
        title = lines.pop(0).lstrip("#").strip()
    tags: tuple[str, ...] = ()
    if lines and lines[0].lower().startswith("tags:"):
        raw = lines.pop(0).split(":", 1)[1]
        tags = tuple(t.strip() for t in raw.split(",") if t.strip())
    gist = ""
    if lines and lines[0].lower().startswith("gist:"):
        gist = lines.pop(0).split(":", 1)[1].strip()
    return Note(name=name, title=title, body="\n".join(lines).strip(), tags=tags, gist_line=gist)


@lru_cache(maxsize=1)
def _load_all() -> tuple[Note, ...]:
    """Read the notes once; they ship with the package and never change at runtime."""
    folder = data_path(NOTES_DIR)
    paths = sorted(folder.glob("*.md"))
    return tuple(_parse_note(p.stem, p.read_text(encoding="utf-8")) for p in paths)


def load_notes() -> list[Note]:
    """All notes sorted by name (a fresh list, so callers cannot mutate the cache)."""
    return list(_load_all())


def get_note(name: str) -> Note | None:
    """Find a note by exact stem or by a unique stem prefix (handy for a `/note` command)."""
    key = name.strip().lower().removesuffix(".md")
    if not key:
        return None
    notes = _load_all()
    for note in notes:
        if note.name == key:
            return note
    matches = [n for n in notes if n.name.startswith(key)]
    return matches[0] if len(matches) == 1 else None


def _light_stem(word: str) -> str:
    """Fold plurals and -ed/-ing/-e endings ("gates", "updated", "GRUs") with no extra dependency.

    PyStemmer would need a compiled wheel; this covers the words the notes actually use.
    """
    if len(word) <= 3 or not word.isascii() or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "is")) and word != "bias":
        # "status" and "corpus" keep their s; short plurals such as "grus" lose it.
        word = word if word.endswith("us") and len(word) > 4 else word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _document_text(note: Note) -> str:
    """Everything a note says, title and tags included."""
    return "\n".join([note.title, ", ".join(note.tags), note.body])


def _heading_text(note: Note) -> str:
    """Title and tags only: the words that say what the note is *about*."""
    return "\n".join([note.title, ", ".join(note.tags)])


class NoteIndex:
    """BM25 (bm25s) index over the notes, answering "which notes fit this question?".

    Two bm25s indexes share one vocabulary: one over whole notes and one over titles and
    tags. Adding the heading score makes title words count more: "gate" is in most note
    bodies, so in the whole-note index it barely separates them, but it is in one title.
    """

    def __init__(self, notes: Sequence[Note] | None = None) -> None:
        self.notes: list[Note] = list(notes) if notes is not None else load_notes()
        self._tokenizer = bm25s.tokenization.Tokenizer(
            splitter=_TOKEN_PATTERN, stopwords=sorted(_STOPWORDS), stemmer=_light_stem
        )
        self._indexes: list[tuple[bm25s.BM25, float]] = []
        if not self.notes:
            return
        for text_of, weight, update_vocab in (
            (_document_text, 1.0, True),  # builds the shared vocabulary
            (_heading_text, _HEADING_WEIGHT, False),  # headings only use words seen above
        ):
            tokens = self._tokenizer.tokenize(
                [normalise_notation(text_of(n)) for n in self.notes],
                update_vocab=update_vocab,
                return_as="tuple",
                show_progress=False,
            )
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            self._indexes.append((retriever, weight))

    def scores(self, question: str) -> list[tuple[Note, float]]:
        """Every note with its combined BM25 score for `question`, best first."""
        if not self._indexes or not re.search(r"\w", question):
            return []
        question = _IMPERATIVE.sub(" ", normalise_notation(question))
        query = self._tokenizer.tokenize(
            [question], update_vocab=False, return_as="ids", show_progress=False
        )
        totals = [0.0] * len(self.notes)
        if query and query[0]:
            for retriever, weight in self._indexes:
                for i, score in enumerate(retriever.get_scores(query[0])):
                    totals[i] += weight * float(score)
        return sorted(zip(self.notes, totals, strict=True), key=lambda pair: -pair[1])

    def _is_topic_only(self, question: str) -> bool:
        """True when every content word of `question` just names the topic itself."""
        words = content_words(_IMPERATIVE.sub(" ", question))
        return bool(words) and all(
            w in _TOPIC_STEMS or _light_stem(w) in _TOPIC_STEMS for w in words
        )

    def search(self, question: str, k: int = 2) -> list[Note]:
        """The `k` most relevant notes, dropping weak matches so off-topic chat gets none."""
        if k > 0 and self._is_topic_only(question):
            overview = [n for n in self.notes if n.name == _OVERVIEW_NOTE]
            if overview:
                return overview
        ranked = self.scores(question)
        if k <= 0 or not ranked or ranked[0][1] < _MIN_SCORE:
            return []
        floor = max(_MIN_SCORE, ranked[0][1] * _RELATIVE_CUTOFF)
        return [note for note, score in ranked[:k] if score >= floor]


def normalise_notation(text: str) -> str:
    """h_t, h_{t-1}, x_t … written the way the notes write them (hₜ, hₜ₋₁, xₜ), and
    "output gate", "cell state" … as one word each (documents and queries alike)."""
    for pattern, replacement in _NOTATION:
        text = pattern.sub(replacement, text)
    return _COMPOUNDS.sub(lambda m: m.group(1) + m.group(2).rstrip("s"), text)


def stems(text: str) -> set[str]:
    """The stems BM25 matches on in ``text``: notation normalised, stopwords and question
    fillers dropped, plurals and endings folded (gruchat.tutor.note_lines ranks lines by them)."""
    words = re.findall(_TOKEN_PATTERN, normalise_notation(text).lower())
    return {_light_stem(w) for w in words if w not in _STOPWORDS}


def content_words(question: str) -> list[str]:
    """The words of `question` that say what it is about (no fillers, no stopwords)."""
    return [w for w in re.findall(_TOKEN_PATTERN, question.lower()) if w not in _STOPWORDS]


# "Name the two gates", "list the gates": the verb asks, it is not about weight names;
# "explain GRUs in depth": how much to say, not the depth-and-memory note
# "… at all?": emphasis, not the all-zero-weights note (seen on "and the update gate?"
# after "why does a GRU need a reset gate at all?")
_IMPERATIVE = re.compile(
    r"^\W*(?:please\s+)?(?:name|list)\b|\bin (?:more |great |full |much )?(?:depth|detail)\b"
    r"|\b(?:thoroughly|detailed|deep[- ]dive)\b|\bat all\b",
    re.IGNORECASE,
)
_NUMBER_LIST = re.compile(r"(?<!\w)[\[(]\s*[-−]?\d[\d\s.,−-]*[\])]")


def is_follow_up(question: str) -> bool:
    """True for a short question that needs the one before it: "and the other gate?".

    A list of numbers counts as one word: "and with z = [1, 0, 0.25] instead?" is short."""
    words = content_words(_NUMBER_LIST.sub(" values ", question))
    if not words:
        return bool(re.search(r"\w", question))  # "why?", "and?": all filler
    if _CONTINUES.search(question) and len(words) <= _FOLLOW_UP_MAX_WORDS:
        return True  # a longer "and …" question may still point back ("… two of those")
    if _WHY.search(question):
        return len(words) <= 1  # "why not r?"; "why does z weight the old state?" stands alone
    names_a_model = _MODEL_WORDS.search(question) or "nn." in question
    if not names_a_model and (_POINTS_BACK.search(question) or _SAME_AGAIN.search(question)):
        return len(words) <= _POINTING_MAX_WORDS
    return len(words) <= 2 and not names_a_model and bool(_ANAPHORA.search(question))


# Parts of the same kind: a follow-up naming one ("and the reset gate?" after a question
# about z, "and in Keras?" after nn.GRU, "what about an LSTM?") asks the earlier question
# about it instead, so the earlier question's part of that kind no longer counts.
_SWAPPABLE = (
    re.compile(
        r"\b(?:update|reset)(?:[ -]gates?)?\b|\b[zr]\b|\bcandidate(?:[ -](?:hidden[ -])?state)?\b"
        r"|\bh̃|\b(?:hidden|new|old|cell)[ -]state\b|\b(?:output|input|forget)[ -]gates?\b",
        re.IGNORECASE,
    ),
    re.compile(r"\bpytorch\b|\btorch\b|\bnn\.\w+|\bkeras\b|\btensorflow\b|\btf\.\w*", re.I),
    re.compile(r"\bgrus?\b|\blstms?\b|\b(?:vanilla |plain |simple ?)?rnns?\b", re.IGNORECASE),
)


def follow_up_query(question: str, earlier: str) -> str:
    """What to search the notes for when ``question`` follows up on ``earlier``: both,
    less the earlier question's parts of a kind the follow-up names anew."""
    context = earlier
    for kind in _SWAPPABLE:
        if kind.search(question):
            context = kind.sub(" ", context)
    return f"{question} {' '.join(context.split())}"


def follow_up_of(question: str, previous: Sequence[str]) -> str:
    """The earlier question a follow-up leans on (walking back over follow-ups), or ""."""
    if not is_follow_up(question):
        return ""
    for earlier in previous:
        if not is_follow_up(earlier):
            return earlier
    return ""


@lru_cache(maxsize=1)
def default_index() -> NoteIndex:
    """A shared index over the shipped notes, built on first use."""
    return NoteIndex()


def grounded_user_message(
    question: str, notes: Sequence[Note], follows: str = "", recalled: bool = False
) -> str:
    """The user turn for the model: notes first, then the question, in as few tokens as possible.

    ``follows`` is the earlier question a follow-up leans on; it is named, since that
    exchange may have been left out of the history sent to the model. ``recalled``: the
    question draws on notes an earlier message of the history carries (not repeated).
    """
    question = question.strip()
    if follows:
        question = f"{question} (following up on: {follows.strip()})"
    if not notes and not recalled:
        return question
    # Measured on the 135M default model: bare note bodies, the question after them and
    # a request for two short sentences in the notes' words gave shorter answers with
    # fewer contradictions than titled notes + "Using only these notes, answer:".
    blocks = "\n\n".join(n.gist for n in notes)
    head = f"Notes:\n{blocks}\n\n" if notes else ""
    # No generic "if the notes contradict the question, begin with No" line (session 8):
    # both models then began "No," where the answer was yes (13 answers of the fourth
    # held-out edition); a premise the guard judges gets its verdict in grounding.py.
    return (
        f"{head}Question: {question}\nAnswer in two short sentences, using the notes' exact words."
    )
