"""Too close to call between checking one's own case and learning about a program: ask once.

"I turned 65 and have not received my Medicare card" may want the Medicare lookup or to learn
how enrolment works. When the intent ranking's top two are a lookup (status_*) and a life
experience (le_*) within `margin`, starting the lookup would ask for a Medicare number that
the person may not want to give. The message falls to the fallback instead, marked with both
routes (`case_or_program` in the parse data), and the fallback action asks which one.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.parse_keys import CASE_OR_PROGRAM

LOOKUP_PREFIX = "status_"
EXPERIENCE_PREFIX = "le_"


def close_call(ranking: list[dict], margin: float) -> dict[str, str] | None:
    """The lookup and the life experience at the top of the ranking, if too close to call."""
    ranked = [r for r in ranking if r[INTENT_NAME_KEY] != DEFAULT_NLU_FALLBACK_INTENT_NAME][:2]
    if len(ranked) < 2 or ranked[0]["confidence"] - ranked[1]["confidence"] >= margin:
        return None
    names = [r[INTENT_NAME_KEY] for r in ranked]
    lookup = next((n for n in names if n.startswith(LOOKUP_PREFIX)), None)
    experience = next((n for n in names if n.startswith(EXPERIENCE_PREFIX)), None)
    if lookup is None or experience is None:
        return None
    return {"lookup": lookup, "experience": experience}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CaseOrProgram(GraphComponent, IntentClassifier):
    """Sends a lookup-or-program close call to the fallback, with both routes."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"margin": 0.1}

    def __init__(self, config: dict[str, Any]) -> None:
        self._margin = float(config["margin"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CaseOrProgram:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            choice = close_call(message.get(INTENT_RANKING_KEY) or [], self._margin)
            if choice is None:
                continue
            confidence = (message.get(INTENT) or {}).get("confidence", 0.0)
            verdict = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": confidence}
            message.data[INTENT] = verdict
            message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, dict(verdict))
            message.set(CASE_OR_PROGRAM, choice, add_to_output=True)
        return messages
