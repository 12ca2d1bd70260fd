"""Training pairs for the career model, in the text forms the engine embeds: name, lead passage and sentence texts."""

from __future__ import annotations

import random
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.builds.layout import SENTENCE_MIN_WORDS
from indexer.documents import PATH_SEP, Document, Passage
from indexer.ingest.corpus import read_corpus
from indexer.ingest.passages import passages_of, sentence_texts
from indexer.tuning.evaluation import Occupation, write_esco_corpus

# How a search box is typed: mostly the bare title, sometimes a question around it.
TEMPLATES = ("what does a {} do", "how do I become a {}", "{} job description", "{} career")
TEMPLATE_SHARE = 0.2
# Which of a career's texts a label is paired with: the name vector, the lead passage or one of its sentences.
FORMS = (("name", 0.3), ("lead", 0.4), ("sentence", 0.3))


@dataclass(frozen=True)
class Pair:
    """A query, the text that answers it, and a hard negative: the same form of a neighbouring career."""

    anchor: str
    positive: str
    negative: str
    source: str  # "esco:<doc_id>" or "corpus:<doc_id>": what it was made from, to check the split
    form: str  # "name", "lead" or "sentence": batches hold one form, so short texts are not padded to long ones


@dataclass
class CareerTexts:
    """One document as the engine embeds it."""

    doc_id: str
    title: str
    aliases: list[str]
    name: str
    passages: list[Passage]
    texts: list[str]  # each passage's embed text
    sentences: list[str]  # the lead passage's sentence texts

    def form(self, kind: str, rng: random.Random) -> str:
        if kind == "name":
            return self.name
        if kind == "sentence":
            return rng.choice(self.sentences) if self.sentences else self.texts[0]
        return self.texts[0]


def career_texts(documents: Sequence[Document], min_words: int = 40, max_words: int = 200) -> list[CareerTexts]:
    out = []
    for doc in documents:
        passages = passages_of(doc, min_words, max_words)
        if not passages:
            continue
        texts = [p.embed_text(doc.aliases) for p in passages]
        out.append(CareerTexts(doc.doc_id, doc.title, list(doc.aliases), doc.name_text(), passages, texts,
                               sentence_texts(passages[0], SENTENCE_MIN_WORDS)))
    return out


def read_careers(corpus: Path) -> list[CareerTexts]:
    return career_texts(read_corpus(corpus).documents)


def esco_careers(occupations: Sequence[Occupation]) -> list[CareerTexts]:
    """The occupations as the engine reads them: written as Markdown and read back by the corpus reader."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "esco"
        write_esco_corpus(occupations, folder)
        return read_careers(folder)


def _asked(label: str, rng: random.Random) -> str:
    return rng.choice(TEMPLATES).format(label) if rng.random() < TEMPLATE_SHARE else label


def _pick_form(rng: random.Random) -> str:
    return rng.choices([f for f, _ in FORMS], weights=[w for _, w in FORMS])[0]


def esco_pairs(occupations: Sequence[Occupation], seed: int) -> list[Pair]:
    """Each alternative or hidden label of each occupation, paired with one of its texts; the negative is the same
    form of another occupation of the same ISCO group (of its 3-digit group if alone there)."""
    rng = random.Random(seed)
    careers = {c.doc_id: c for c in esco_careers(occupations)}
    groups: dict[str, list[str]] = defaultdict(list)
    for o in occupations:
        if o.doc_id in careers:
            groups[o.isco_group].append(o.doc_id)
            groups[o.isco_group[:3]].append(o.doc_id)
    everyone = sorted(careers)
    pairs = []
    for o in occupations:
        career = careers.get(o.doc_id)
        if career is None:
            continue
        near = [d for d in groups[o.isco_group] if d != o.doc_id] or [d for d in groups[o.isco_group[:3]]
                                                                     if d != o.doc_id]
        for label in dict.fromkeys([*o.alt_labels, *o.hidden_labels]):
            if label.casefold() == o.label.casefold():
                continue
            kind = _pick_form(rng)
            other = careers[rng.choice(near)] if near else careers[rng.choice(everyone)]
            pairs.append(Pair(_asked(label, rng), career.form(kind, rng), other.form(kind, rng), f"esco:{o.doc_id}",
                              kind))
    return pairs


def guard_texts(careers: Sequence[CareerTexts], esco: Sequence[CareerTexts], esco_share: int, seed: int) -> list[str]:
    """Texts whose base-model vectors training keeps (distillation): every passage, sentence and heading path of the
    corpus, and a sample of the training occupations' lead passages. Labels move towards careers; these stay put, so
    passage ranking inside a career is not forgotten."""
    texts: list[str] = []
    for c in careers:
        texts += c.texts
        for p in c.passages:
            texts += sentence_texts(p, SENTENCE_MIN_WORDS)
            if p.section:
                texts.append(f"{c.title} {p.section.replace(PATH_SEP, ' ')}".lower())
    leads = [c.texts[0] for c in esco]
    texts += random.Random(seed).sample(leads, min(esco_share, len(leads)))
    return list(dict.fromkeys(texts))


def corpus_pairs(careers: Sequence[CareerTexts], seed: int) -> list[Pair]:
    """From the corpus itself: each title and alias to the lead passage and the name; each heading path to its
    passage, against another passage of the same career (which section answers, not which career)."""
    rng = random.Random(seed)
    pairs = []
    for c in careers:
        others = [o for o in careers if o.doc_id != c.doc_id]
        for label in [c.title, *c.aliases]:
            for kind in ("lead", "name"):
                other = rng.choice(others) if others else c
                pairs.append(Pair(_asked(label, rng), c.form(kind, rng), other.form(kind, rng), f"corpus:{c.doc_id}",
                                  kind))
        for p, text in zip(c.passages, c.texts, strict=True):
            if not p.section or len(c.passages) < 2:
                continue
            anchor = f"{c.title} {p.section.replace(PATH_SEP, ' ')}".lower()
            negative = rng.choice([t for t in c.texts if t != text] or c.texts)
            pairs.append(Pair(anchor, text, negative, f"corpus:{c.doc_id}", "lead"))
    return pairs
