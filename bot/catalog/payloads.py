"""The message a click on a life experience sends: its intent, written as a payload.

The NLU model has one intent per life experience, named `le_<id>`; a button that sends
`/le_<id>` starts that experience without guessing; with a service it opens that service's
details without the questions. The web app's starting buttons and the action server's
buttons all write it here.
"""

from __future__ import annotations

import json

EXPERIENCE_INTENT_PREFIX = "le_"


def experience_payload(experience_id: str) -> str:
    """`/le_retirement` for the experience `retirement`."""
    return f"/{EXPERIENCE_INTENT_PREFIX}{experience_id}"


def service_payload(experience_id: str, service_id: str) -> str:
    """`/le_retirement{"service": "ssa_retirement_benefits"}`: that service, in its experience."""
    return f"{experience_payload(experience_id)}{json.dumps({'service': service_id})}"
