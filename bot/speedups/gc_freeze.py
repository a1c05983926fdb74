"""Keep the loaded model out of the garbage collector's full passes.

A loaded model is about 900,000 Python objects (TensorFlow, Rasa's graph, the domain)
that live as long as the model. Every full collection walked all of them: under
`make bench` one took 0.3-0.9 s, during which the event loop, and so every
conversation in flight, stood still: the slowest turns were those waits. Once a model
is loaded it is collected and frozen (`gc.freeze`), so full collections walk only
what was made since. Loading another model (`PUT /model`) unfreezes first, so the
model it replaces can still be collected once it is let go.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any

from rasa.core.agent import Agent

_WRAPPED = "_cx_frozen_after"


def frozen_after(load: Callable[..., Any]) -> Callable[..., Any]:
    """`load`, then everything alive collected and frozen."""
    if getattr(load, _WRAPPED, False):
        return load

    @functools.wraps(load)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gc.unfreeze()  # what the last load froze may be garbage soon: collectable again
        result = load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return result

    setattr(wrapper, _WRAPPED, True)
    return wrapper


def install() -> None:
    """Idempotent."""
    Agent.load_model = frozen_after(Agent.load_model)  # type: ignore[method-assign]
