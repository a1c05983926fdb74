"""Keep what a server loads at start-up out of the garbage collector's full passes.

A full collection walks every object the process holds, and stops the event loop,
and so every conversation in flight, while it does. Under `make bench` that was
0.3-0.9 s in the Rasa server (a loaded model is about 900,000 objects) and 0.1-0.25 s
every few seconds in the action server. Once loaded, everything alive is collected
and frozen (`gc.freeze`), so full collections walk only what was made since: a few
milliseconds. Loading again (`PUT /model`) unfreezes first, so what the new load
replaces can still be collected once it is let go.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any

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
