"""Read a `rasa test nlu` output folder, print the held-out figures, fail on a missed target.

python -m tests.nlu.report var/results/nlu
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

TARGET_MACRO_F1 = 0.95
TARGET_OUT_OF_SCOPE = 0.90  # precision and recall


def figures(folder: Path) -> dict:
    report = json.loads((folder / "intent_report.json").read_text())
    errors_file = folder / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    pairs = Counter(
        (e["intent"], e["intent_prediction"]["name"]) for e in errors if e.get("intent_prediction")
    )
    oos = report.get("out_of_scope", {})
    return {
        "accuracy": report["accuracy"],
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "out_of_scope_precision": oos.get("precision", 0.0),
        "out_of_scope_recall": oos.get("recall", 0.0),
        "examples": report["macro avg"]["support"],
        "confusions": [
            {"intent": a, "predicted": b, "count": n} for (a, b), n in pairs.most_common(8)
        ],
    }


def missed(result: dict) -> list[str]:
    problems = []
    if result["macro_f1"] < TARGET_MACRO_F1:
        problems.append(f"macro F1 {result['macro_f1']:.3f} < {TARGET_MACRO_F1}")
    for kind in ("precision", "recall"):
        value = result[f"out_of_scope_{kind}"]
        if value < TARGET_OUT_OF_SCOPE:
            problems.append(f"out-of-scope {kind} {value:.3f} < {TARGET_OUT_OF_SCOPE}")
    return problems


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "var/results/nlu")
    result = figures(folder)
    (folder / "summary.json").write_text(json.dumps(result, indent=2))
    print(f"held-out examples        {result['examples']}")
    print(f"intent accuracy          {result['accuracy']:.3f}")
    print(f"macro F1                 {result['macro_f1']:.3f}  (target >= {TARGET_MACRO_F1})")
    print(f"out-of-scope precision   {result['out_of_scope_precision']:.3f}")
    print(f"out-of-scope recall      {result['out_of_scope_recall']:.3f}")
    print("top confusions (intent -> predicted):")
    for pair in result["confusions"]:
        print(f"  {pair['intent']} -> {pair['predicted']}: {pair['count']}")
    problems = missed(result)
    if problems:
        print("NLU targets missed: " + "; ".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()
