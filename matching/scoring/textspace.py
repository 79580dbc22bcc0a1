"""TF-IDF vectors of an event's texts and the dense embeddings their cosines are taken from.

Each text gets two TF-IDF blocks, fitted on all texts of the event: folded word unigrams and
bigrams (sublinear term frequency), and character 3- to 5-grams taken within words padded with
a space (scikit-learn's ``char_wb`` analyser applied word by word), which let "component" meet
"components". Each block is L2-normalised and the two are concatenated with weights
``1 - char_weight`` and ``char_weight`` on their inner products, so the cosine of two texts is
the weighted mean of their word and character cosines.

Comparing every host with every guest on these sparse vectors costs as much as a dense product
of the vocabulary's size, so texts are embedded in a dense space instead:

* up to ``EXACT_LIMIT`` non-empty texts, the embedding reproduces the TF-IDF cosines exactly
  (eigendecomposition of their Gram matrix);
* above it, latent semantic analysis: a truncated SVD with ``dimensions`` components, fitted on
  an evenly spread sample of texts, projects every text; embeddings are re-normalised, so the
  text cosine becomes the cosine in that latent space.

Character n-grams of a text are the sum of those of its words, so the projection of the
character block is computed from the words' n-grams without building the texts' n-gram matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from threadpoolctl import threadpool_limits

from matching.scoring.wording import Glossary, merge_segments, segment_text, split_segments

__all__ = ["EXACT_LIMIT", "TextSpace", "build_text_space", "char_ngrams"]

EXACT_LIMIT = 1024
# Texts the SVD is fitted on at most; more adds time but hardly changes the components.
SVD_SAMPLE = 4000
# Rows of the character n-gram matrix built at once, to bound memory on large events.
_ROW_BLOCK = 4096
CHAR_NGRAM_RANGE = (3, 5)
_OVERSAMPLING = 10
_POWER_ITERATIONS = 2


def char_ngrams(word: str) -> list[str]:
    """Character 3- to 5-grams of a word padded with spaces, as scikit-learn's ``char_wb``."""
    padded = f" {word} "
    grams: list[str] = []
    low, high = CHAR_NGRAM_RANGE
    for n in range(low, high + 1):
        if len(padded) < n:
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


@dataclass(frozen=True)
class TextSpace:
    """An event's text features and embeddings; row ``i`` is the ``i``-th text given."""

    feature_names: list[str]
    word_tfidf: sp.csr_matrix
    embeddings: np.ndarray
    exact: bool

    def has_text(self) -> np.ndarray:
        """Whether each text had any feature."""
        return np.diff(self.word_tfidf.indptr) > 0


class _FeatureCounter:
    """Counts word features of many texts, analysing each distinct segment once.

    Profiles repeat phrases ("đất công nghiệp sạch", "tax incentives"), so segments are
    analysed once per event and kept as column numbers.
    """

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self.vocabulary: dict[str, int] = {}
        self._segments: dict[str, tuple[list[int], dict[int, tuple[str, ...]]]] = {}
        self._expansions: list[tuple[list[int], ...]] = [
            tuple(self._columns(label) for label in labels) for labels in glossary.expansions
        ]

    def _columns(self, features: Sequence[str]) -> list[int]:
        vocabulary = self.vocabulary
        return [vocabulary.setdefault(feature, len(vocabulary)) for feature in features]

    def _segment(self, part: str) -> tuple[list[int], dict[int, tuple[str, ...]]]:
        cached = self._segments.get(part)
        if cached is None:
            segment = segment_text(part)
            if segment is None:
                cached = ([], {})
            else:
                cached = (self._columns(segment.features), self.glossary.find(segment.folded))
            self._segments[part] = cached
        return cached

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            columns, _ = merge_segments(map(self._segment, split_segments(text)), self._expansions)
            indices.extend(columns)
            indptr.append(len(indices))
        shape = (len(texts), len(self.vocabulary))
        data = np.ones(len(indices), dtype=np.float64)
        matrix = sp.csr_matrix((data, np.asarray(indices, np.int64), indptr), shape=shape)
        matrix.sum_duplicates()
        return matrix


def _word_to_ngrams(feature_names: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Character n-gram counts of each single-word feature, and those features' columns."""
    gram_index: dict[str, int] = {}
    words = [i for i, name in enumerate(feature_names) if " " not in name]
    rows: list[int] = []
    cols: list[int] = []
    for row, feature in enumerate(words):
        for gram in char_ngrams(feature_names[feature]):
            index = gram_index.get(gram)
            if index is None:
                index = gram_index[gram] = len(gram_index)
            rows.append(row)
            cols.append(index)
    data = np.ones(len(rows), dtype=np.float64)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(words), len(gram_index)))
    return matrix, np.asarray(words, dtype=np.int64)


@dataclass(frozen=True)
class _CharBlock:
    """The character block of texts, kept factored: ``scale[i] * word_counts[i] @ ngrams``."""

    word_counts: sp.csr_matrix
    ngrams: sp.csr_matrix  # word x n-gram counts, columns multiplied by the n-gram idf
    scale: np.ndarray  # 1 / norm of each text's weighted n-gram counts (0 for none)

    def rows(self, which: np.ndarray) -> sp.csr_matrix:
        block = self.word_counts[which] @ self.ngrams
        return sp.csr_matrix(sp.diags(self.scale[which]) @ block)


def _char_block(counts: sp.csr_matrix, feature_names: list[str]) -> _CharBlock:
    ngrams, word_columns = _word_to_ngrams(feature_names)
    word_counts = sp.csr_matrix(counts[:, word_columns])
    n_texts = counts.shape[0]
    document_frequency = np.zeros(ngrams.shape[1], dtype=np.float64)
    for start in range(0, n_texts, _ROW_BLOCK):
        block = word_counts[start : start + _ROW_BLOCK] @ ngrams
        document_frequency += np.bincount(block.indices, minlength=ngrams.shape[1])
    # scikit-learn's smoothed idf, as TfidfTransformer computes it.
    idf = np.log((1.0 + n_texts) / (1.0 + document_frequency)) + 1.0
    weighted = sp.csr_matrix(ngrams @ sp.diags(idf))
    squared_norms = np.zeros(n_texts, dtype=np.float64)
    for start in range(0, n_texts, _ROW_BLOCK):
        block = word_counts[start : start + _ROW_BLOCK] @ weighted
        squared_norms[start : start + _ROW_BLOCK] = np.asarray(
            block.multiply(block).sum(axis=1)
        ).ravel()
    norms = np.sqrt(squared_norms)
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return _CharBlock(word_counts, weighted, scale)


def _exact_embeddings(
    word: sp.csr_matrix, chars: _CharBlock, nonempty: np.ndarray, char_weight: float
) -> np.ndarray:
    rows = np.flatnonzero(nonempty)
    char_rows = chars.rows(rows)
    gram = (1.0 - char_weight) * (word[rows] @ word[rows].T).toarray()
    gram += char_weight * (char_rows @ char_rows.T).toarray()
    values, vectors = np.linalg.eigh(gram)
    keep = values > values.max(initial=0.0) * 1e-9
    embedded = vectors[:, keep] * np.sqrt(values[keep])
    out = np.zeros((word.shape[0], embedded.shape[1]), dtype=np.float32)
    out[rows] = embedded
    return out


def _orthonormal(block: np.ndarray) -> np.ndarray:
    """An orthonormal basis of a tall block's column space.

    Through the eigendecomposition of its small Gram matrix, twice for accuracy: matrix
    products use every core, where a Householder QR of a tall matrix crawls on two threads.
    """
    for _ in range(2):
        values, vectors = np.linalg.eigh(block.T @ block)
        keep = values > values.max(initial=0.0) * 1e-12
        block = block @ (vectors[:, keep] / np.sqrt(values[keep]))
    return block


def _latent_embeddings(
    word: sp.csr_matrix,
    chars: _CharBlock,
    nonempty: np.ndarray,
    char_weight: float,
    dimensions: int,
) -> np.ndarray:
    """Rank-``dimensions`` LSA embeddings, fitted on a sample of the texts.

    Halko, Martinsson and Tropp's randomized range finder with power iterations, run in the
    space of the sample's texts, which is much smaller than the feature space: with ``X`` the
    sample's TF-IDF rows, it finds ``Q`` spanning the top of ``X X^T``; ``Q^T X X^T Q = U L U^T``
    then gives the top right singular vectors ``X^T Q U L^-1/2`` that every text is projected
    on. The character block is kept factored, as word counts times the words' n-grams.
    """
    rows = np.flatnonzero(nonempty)
    sample = rows[np.linspace(0, len(rows) - 1, min(len(rows), SVD_SAMPLE)).astype(np.int64)]
    word_share, char_share = 1.0 - char_weight, char_weight
    sample_word = word[sample]
    sample_counts = chars.word_counts[sample]
    sample_scale = chars.scale[sample][:, None]

    def to_features(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``X^T texts``, its character part already multiplied back onto the words."""
        by_word = sample_word.T @ texts
        by_char = sample_counts.T @ (sample_scale * texts)
        by_char = chars.ngrams @ (chars.ngrams.T @ by_char)
        return by_word, by_char

    def gram(texts: np.ndarray) -> np.ndarray:
        by_word, by_char = to_features(texts)
        return word_share * (sample_word @ by_word) + char_share * (
            sample_scale * (sample_counts @ by_char)
        )

    rng = np.random.default_rng(0)
    width = min(len(sample), dimensions + _OVERSAMPLING)
    basis = _orthonormal(gram(rng.standard_normal((len(sample), width))))
    for _ in range(_POWER_ITERATIONS):
        basis = _orthonormal(gram(basis))
    values, vectors = np.linalg.eigh(basis.T @ gram(basis))
    order = np.argsort(values)[::-1][:dimensions]
    order = order[values[order] > values.max(initial=0.0) * 1e-12]
    by_word, by_char = to_features(basis @ (vectors[:, order] / np.sqrt(values[order])))
    out = np.zeros((word.shape[0], len(order)), dtype=np.float32)
    for start in range(0, word.shape[0], _ROW_BLOCK):
        part = slice(start, start + _ROW_BLOCK)
        embedded = word_share * (word[part] @ by_word)
        embedded += char_share * (chars.scale[part, None] * (chars.word_counts[part] @ by_char))
        norms = np.linalg.norm(embedded, axis=1, keepdims=True)
        np.divide(embedded, norms, out=embedded, where=norms > 0)
        embedded[norms[:, 0] == 0] = 0.0
        out[part] = embedded
    out[~nonempty] = 0.0
    return out


def build_text_space(
    texts: Sequence[str],
    glossary: Glossary,
    *,
    dimensions: int = 256,
    char_weight: float = 0.5,
) -> TextSpace:
    """Fit TF-IDF on ``texts`` and embed each of them (see the module's description)."""
    if not 0.0 <= char_weight <= 1.0:
        raise ValueError(f"char_weight must be in [0, 1], got {char_weight!r}")
    if dimensions < 1:
        raise ValueError(f"dimensions must be >= 1, got {dimensions!r}")
    counter = _FeatureCounter(glossary)
    counts = counter.counts(texts)
    feature_names = list(counter.vocabulary)
    nonempty = np.diff(counts.indptr) > 0
    if not nonempty.any():
        empty = sp.csr_matrix((len(texts), 0), dtype=np.float64)
        return TextSpace(feature_names, empty, np.zeros((len(texts), 1), np.float32), True)
    word = sp.csr_matrix(TfidfTransformer(sublinear_tf=True).fit_transform(counts))
    chars = _char_block(counts, feature_names)
    # Small dense factorisations run far slower on several BLAS threads than on one, the more
    # so on a busy machine; the sparse products here are single-threaded anyway.
    with threadpool_limits(limits=1, user_api="blas"):
        if nonempty.sum() <= EXACT_LIMIT:
            embeddings = _exact_embeddings(word, chars, nonempty, char_weight)
            return TextSpace(feature_names, word, embeddings, exact=True)
        embeddings = _latent_embeddings(word, chars, nonempty, char_weight, dimensions)
        return TextSpace(feature_names, word, embeddings, exact=False)
