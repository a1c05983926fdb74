"""Score a trained model on real people's words (tests/nlu/real_people.yml), never trained on.

python -m tests.nlu.real_people MODEL [--set FILE] [--out FILE.json] [--no-targets]

Each message is parsed as the Rasa server parses it. Its route is the life experience or
lookup its intent starts (le_* and status_* intents); any other intent (out_of_scope, the
fallback, greetings) starts neither, which is what an off-topic message should get. A message
that falls to the fallback gets the catalog search answer (actions/search.py), searched here
in a catalog seeded from data/catalog into a temporary database: an answer is useful when the
route is right, the close call it asks about ("your own case, or learn how it works?")
includes the right route, or one of the services it offers is one the message needs (an
off-topic message: when it is left unset and offered nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import structlog
import yaml
from rasa.core.agent import Agent
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME as FALLBACK_INTENT

from actions.conversation import case_or_program_buttons
from actions.search import find_services
from bot.catalog.queries import clear_cache
from bot.catalog.seed import seed_catalog
from bot.settings import REPO_ROOT, get_settings

REAL_PEOPLE = REPO_ROOT / "tests" / "nlu" / "real_people.yml"
OUT_OF_SCOPE = "out_of_scope"
ROUTE_PREFIXES = ("le_", "status_")
TARGET_ROUTE = 0.85
TARGET_OFF_TOPIC = 0.90
TARGET_USEFUL = 0.92
# Until the targets are met, `make nlu-report` fails below these floors: the figures of
# 2026-12-02 (0.680, 0.975, 0.819) less a margin for retraining noise, so a change that
# makes the assistant understand real people worse does not land.
FLOOR_ROUTE = 0.64
FLOOR_OFF_TOPIC = 0.90
FLOOR_USEFUL = 0.77


@dataclass(frozen=True)
class Case:
    text: str
    expect: str
    services: tuple[str, ...]
    source: str


@dataclass
class Outcome:
    case: Case
    intent: str
    confidence: float
    found_services: list[str] = field(default_factory=list)
    offered_routes: list[str] = field(default_factory=list)  # "your own case, or learn?"

    @property
    def route(self) -> str | None:
        return self.intent if self.intent.startswith(ROUTE_PREFIXES) else None

    @property
    def in_scope(self) -> bool:
        return self.case.expect != OUT_OF_SCOPE

    @property
    def right(self) -> bool:
        return self.route == (self.case.expect if self.in_scope else None)

    @property
    def useful(self) -> bool:
        if not self.in_scope:
            return self.right and not self.found_services
        return (
            self.right
            or self.case.expect in self.offered_routes
            or bool(set(self.found_services) & set(self.case.services))
        )


def load_cases(path: Path = REAL_PEOPLE) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(m["text"], m["expect"], tuple(m.get("services") or ()), m["source"])
        for m in data["messages"]
    ]


def score(outcomes: list[Outcome]) -> dict:
    in_scope = [o for o in outcomes if o.in_scope]
    off_topic = [o for o in outcomes if not o.in_scope]

    def share(items: list[Outcome], test) -> float:  # type: ignore[no-untyped-def]
        return sum(1 for o in items if test(o)) / len(items) if items else 0.0

    misses = Counter((o.case.expect, o.route or o.intent) for o in outcomes if not o.right)
    return {
        "messages": len(outcomes),
        "in_scope": len(in_scope),
        "off_topic": len(off_topic),
        "right_route": share(in_scope, lambda o: o.right),
        "off_topic_kept_unset": share(off_topic, lambda o: o.right),
        "useful_answer": share(outcomes, lambda o: o.useful),
        "confusions": [
            {"expected": a, "got": b, "count": n} for (a, b), n in misses.most_common(12)
        ],
    }


def missed(
    result: dict,
    targets: tuple[float, float, float] = (TARGET_ROUTE, TARGET_OFF_TOPIC, TARGET_USEFUL),
) -> list[str]:
    checks = zip(
        ("right route", "off-topic kept unset", "useful answer"),
        (result["right_route"], result["off_topic_kept_unset"], result["useful_answer"]),
        targets,
        strict=True,
    )
    return [f"{name} {value:.3f} < {target}" for name, value, target in checks if value < target]


async def evaluate(model: Path, cases: list[Case]) -> list[Outcome]:
    agent = Agent.load(str(model))
    outcomes = []
    for case in cases:
        parsed = await agent.parse_message(case.text)
        intent = parsed.get("intent") or {}
        outcome = Outcome(case, intent.get("name") or "", float(intent.get("confidence", 0)))
        if outcome.intent == FALLBACK_INTENT:
            buttons = case_or_program_buttons(parsed)
            if buttons:
                outcome.offered_routes = [b["payload"].lstrip("/") for b in buttons]
            else:
                outcome.found_services = [h.entry.service.id for h in find_services(case.text)]
        outcomes.append(outcome)
    return outcomes


def seeded_catalog(folder: Path) -> None:
    """The search reads the catalog from the product database: a fresh one, from data/catalog."""
    os.environ["CX_VAR_DIR"] = str(folder)
    os.environ.pop("DATABASE_URL", None)
    get_settings.cache_clear()
    clear_cache()
    seed_catalog()


def report(result: dict, outcomes: list[Outcome]) -> str:
    lines = [
        f"real-people messages      {result['messages']} "
        f"({result['in_scope']} in scope, {result['off_topic']} off-topic)",
        f"right route (in scope)    {result['right_route']:.3f}  (target >= {TARGET_ROUTE})",
        f"off-topic kept unset      {result['off_topic_kept_unset']:.3f}"
        f"  (target >= {TARGET_OFF_TOPIC})",
        f"useful answer             {result['useful_answer']:.3f}  (target >= {TARGET_USEFUL})",
        "top confusions (expected -> got):",
    ]
    lines += [f"  {c['expected']} -> {c['got']}: {c['count']}" for c in result["confusions"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--set", type=Path, default=REAL_PEOPLE)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-targets", action="store_true", help="report without failing")
    parser.add_argument(
        "--floors", action="store_true", help="fail only below the regression floors"
    )
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as folder:
        seeded_catalog(Path(folder))
        outcomes = asyncio.run(evaluate(args.model, load_cases(args.set)))
    result = score(outcomes)
    print(report(result, outcomes))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        detail = [
            {
                "text": o.case.text,
                "expect": o.case.expect,
                "intent": o.intent,
                "confidence": round(o.confidence, 3),
                "right": o.right,
            }
            for o in outcomes
        ]
        args.out.write_text(json.dumps({**result, "detail": detail}, indent=2))
    targets = missed(result)
    if targets:
        print("real-people targets not met yet: " + "; ".join(targets))
    floors = missed(result, (FLOOR_ROUTE, FLOOR_OFF_TOPIC, FLOOR_USEFUL))
    if args.no_targets or not (floors if args.floors else targets):
        return
    print("real-people figures below their floor: " + "; ".join(floors or targets))
    sys.exit(1)


if __name__ == "__main__":
    main()
