"""The numpy encoder reproduces all-MiniLM-L6-v2 as sentence-transformers runs it."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlu.encoder import WIDTH, SentenceEncoder, shared_encoder


def cosine(encoder: SentenceEncoder, a: str, b: str) -> float:
    va, vb = encoder.sentence_vectors([a, b])
    return float(va @ vb)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Scores printed by the sentence-transformers documentation for this model
        # ("Semantic Textual Similarity", all-MiniLM-L6-v2).
        ("The new movie is awesome", "The new movie is so great", 0.8939),
        ("A man is playing guitar", "A woman watches TV", -0.0327),
    ],
)
def test_similarities_match_the_reference_implementation(a: str, b: str, expected: float) -> None:
    assert cosine(shared_encoder(), a, b) == pytest.approx(expected, abs=0.01)


def test_paraphrases_are_closer_than_unrelated_requests() -> None:
    encoder = shared_encoder()
    lost = cosine(encoder, "I just lost my job", "I got laid off last week")
    unrelated = cosine(encoder, "I just lost my job", "where is my passport")
    assert lost > unrelated + 0.3


def test_a_text_gets_the_same_bits_whatever_it_is_encoded_with() -> None:
    """Rasa decides what to train again by fingerprinting features: a text's vector must
    not depend on the other texts of the call (as it would in a padded batch)."""
    encoder = SentenceEncoder(cache_size=0)
    texts = ["hi", "my husband died last month and I need help with his social security"]
    together = encoder.sentence_vectors(texts)
    alone = np.stack([encoder.sentence_vectors([t])[0] for t in reversed(texts)][::-1])
    assert together.shape == (2, WIDTH)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(together, alone)


def test_each_text_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = SentenceEncoder(cache_size=10)
    computed: list[str] = []
    forward = encoder._forward

    def counting(texts: list[str]):  # type: ignore[no-untyped-def]
        computed.extend(texts)
        return forward(texts)

    monkeypatch.setattr(encoder, "_forward", counting)
    encoder.encode(["where is my refund", "yes", "where is my refund"])
    encoder.encode(["yes", "no"])
    assert sorted(computed) == ["no", "where is my refund", "yes"]


def test_the_cache_is_bounded() -> None:
    encoder = SentenceEncoder(cache_size=2)
    encoder.encode(["one", "two", "three"])
    assert list(encoder._cache) == ["two", "three"]


def test_span_vectors_average_the_pieces_of_each_word() -> None:
    encoding = shared_encoder().encode(["unemploymnt benefits"])[0]
    # The misspelt word is split into several word pieces; the word's vector is their mean.
    first = [i for i, (s, e) in enumerate(encoding.offsets) if e <= len("unemploymnt")]
    assert len(first) > 1
    vectors = encoding.span_vectors([(0, 11), (12, 20), (30, 35)])
    np.testing.assert_allclose(vectors[0], encoding.pieces[first].mean(axis=0), atol=1e-6)
    assert not vectors[2].any()  # a span with no piece in it gets zeros
