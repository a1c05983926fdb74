"""The domain, the training data, the actions and the catalog agree with each other.

`rasa data validate` cannot see responses that actions send, so its warnings are
checked here: a warning is accepted only when this project knows why it is harmless.
"""

from __future__ import annotations

import re
import warnings
from functools import cache

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.validator import Validator

from bot.catalog.seed import read_seed
from bot.insights.survey import load_survey
from bot.settings import REPO_ROOT
from bot.training import CONFIG, DOMAIN, TRAINING_DATA

WIDGET = REPO_ROOT / "bot" / "web" / "static" / "widget" / "cx-navigator.js"
RESPONSE_IN_CODE = re.compile(r"""response=["'](utter_\w+)["']""")
# response=f"utter_invalid_{slot}": one response per form slot, chosen at run time.
RESPONSE_PREFIX_IN_CODE = re.compile(r"""response=f["'](utter_\w+_)\{""")
# Input channels render their refusals and apologies themselves (connectors/guard.py).
RESPONSE_IN_CHANNEL = re.compile(r"""respond\(\s*[\w.]+,\s*["'](utter_\w+)["']""")
# with_contact(...) also falls back to the response's `_general` variant.
RESPONSE_WITH_CONTACT = re.compile(r"""with_contact\([\w.]+, ["'](utter_\w+)["']""")


@cache
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / DOMAIN))


def _action_sources() -> list[str]:
    return [path.read_text() for path in (REPO_ROOT / "actions").rglob("*.py")]


def _channel_sources() -> list[str]:
    return [path.read_text() for path in (REPO_ROOT / "connectors").rglob("*.py")]


def form_slots() -> set[str]:
    forms = domain().as_dict().get("forms", {})
    return {slot for form in forms.values() for slot in form.get("required_slots", [])}


@cache
def responses_sent_by_actions() -> set[str]:
    found: set[str] = set()
    for source in _action_sources():
        found |= set(RESPONSE_IN_CODE.findall(source))
        for prefix in RESPONSE_PREFIX_IN_CODE.findall(source):
            found |= {f"{prefix}{slot}" for slot in form_slots()}
    return found


@cache
def responses_sent_by_channels() -> set[str]:
    found: set[str] = set()
    for source in _channel_sources():
        found |= set(RESPONSE_IN_CHANNEL.findall(source))
        for name in RESPONSE_WITH_CONTACT.findall(source):
            found |= {name, f"{name}_general"}
    return found


def test_every_response_a_channel_renders_exists() -> None:
    sent = responses_sent_by_channels()
    assert {"utter_internal_error", "utter_slow_down", "utter_service_unavailable"} <= sent
    missing = sent - set(domain().responses)
    assert not missing, f"channels render responses the domain lacks: {sorted(missing)}"


def question_slots() -> set[str]:
    return {q for exp in read_seed().life_experiences for q in exp.questions}


def survey_slots() -> set[str]:
    return {q.slot for q in load_survey().questions} | {"survey_comment"}


def button_payload_intents() -> set[str]:
    """Intents only ever sent by a button or the widget (payloads like /survey_skip)."""
    texts = [yaml.safe_dump(domain().as_dict()["responses"]), WIDGET.read_text()]
    return {m for text in texts for m in re.findall(r"[\"' ]/([a-z_]+)", text)}


def test_every_response_an_action_sends_exists() -> None:
    lookup_slots = form_slots() - {"life_experience"} - survey_slots()
    needed = {r for r in responses_sent_by_actions() if not r.startswith("utter_invalid_")}
    needed |= {f"utter_invalid_{slot}" for slot in lookup_slots}
    missing = needed - set(domain().responses)
    assert not missing, f"actions send responses the domain lacks: {sorted(missing)}"


def test_every_catalog_question_has_a_slot_and_a_question() -> None:
    for slot in question_slots():
        assert slot in domain().as_dict()["slots"], f"catalog asks {slot!r}: no such slot"
        assert f"utter_ask_{slot}" in domain().responses, f"no utter_ask_{slot} response"


def _harmless(message: str) -> bool:
    if message.startswith("Slot auto-fill has been removed in 3.0"):
        return True  # printed by Rasa 3.6 on every domain load, whatever the domain
    unused = re.match(r"The utterance '(utter_\w+)' is not used in any story or rule", message)
    if unused:
        name = unused.group(1)
        # Sent by a custom action, or asked by a form whose questions come from the catalog.
        asked = name.removeprefix("utter_ask_")
        asked_by_a_form = asked in question_slots() | form_slots() | survey_slots()
        sent_in_code = responses_sent_by_actions() | responses_sent_by_channels()
        return name in sent_in_code or asked_by_a_form
    untrained = re.match(r"The intent '(\w+)' is listed in the domain file, but is not", message)
    if untrained:
        # Survey answers and "end chat" arrive as button payloads, never as free text.
        return untrained.group(1) in button_payload_intents()
    return False


@pytest.mark.filterwarnings("always")
def test_rasa_data_validate_has_no_unexplained_warning() -> None:
    importer = TrainingDataImporter.load_from_config(
        str(REPO_ROOT / CONFIG),
        str(REPO_ROOT / DOMAIN),
        [str(REPO_ROOT / d) for d in TRAINING_DATA],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validator = Validator.from_importer(importer)
        ok = all(
            [
                validator.verify_domain_validity(),
                validator.verify_actions_in_stories_rules(),
                validator.verify_forms_in_stories_rules(),
                validator.verify_form_slots(),
                validator.verify_slot_mappings(),
                validator.verify_nlu(ignore_warnings=True),
                validator.verify_story_structure(ignore_warnings=False),
            ]
        )
    messages = {str(w.message).strip() for w in caught if issubclass(w.category, UserWarning)}
    unexplained = sorted(m for m in messages if not _harmless(m))
    assert ok, "rasa data validate reports errors"
    assert not unexplained, "\n".join(unexplained)
