"""Measured fixes for Rasa 3.6's largest per-message costs on this assistant.

Profiling the Rasa server under `make bench` (py-spy), in the order they were found:
- 45% of its CPU was re-checking the action-response schema on every custom action
  call, then 10% looking up event classes by name (`rasa_internals`);
- then, at 20 concurrent conversations, a quarter was TEDPolicy's TensorFlow graph
  recomputing the same prediction for the same dialogue state (`ted_cache`); 14% the
  Redis tracker store rebuilding trackers to save one (bot.redis_tracker_store); 12%
  copying slots whenever Rasa builds a tracker (`rasa_internals`); and a new
  connection for every call to the action server (`endpoint_sessions`).
- then the slowest turns: each full garbage collection walked the ~900,000 objects of
  the loaded model, stalling every conversation for 0.3-0.9 s (`model_gc`).

Each keeps Rasa's behaviour exactly; the tests next to them compare with Rasa's own.
"""

from __future__ import annotations

from bot.speedups import endpoint_sessions, model_gc, rasa_internals, ted_cache


def install() -> None:
    """Idempotent; called when the Rasa server loads this project's stores."""
    rasa_internals.install()
    ted_cache.install()
    endpoint_sessions.install()
    model_gc.install()
