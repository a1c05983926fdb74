"""The message a click on a life experience sends: its intent, written as a payload.

The NLU model has one intent per life experience, named `le_<id>`; a button that sends
`/le_<id>` starts that experience without guessing. The web app's starting buttons use this;
the action server still writes the same pattern itself (actions/navigation.py).
"""

from __future__ import annotations

EXPERIENCE_INTENT_PREFIX = "le_"


def experience_payload(experience_id: str) -> str:
    """`/le_retirement` for the experience `retirement`."""
    return f"/{EXPERIENCE_INTENT_PREFIX}{experience_id}"
