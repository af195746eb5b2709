"""Initial assessment (初步评估): which category a description suggests, how severe it is.

Pure. POLICY.md §2: the category's default severity; any sign of illness or injury, or
more than one person affected, makes a complaint urgent; illness words in the
description make the tool *suggest* urgent — the operator decides.
"""

from __future__ import annotations

from typing import NamedTuple

from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import SEVERITIES, SEVERITY_RANK


class Facts(NamedTuple):
    """What intake knows that bears on severity."""

    description: str
    people: int = 1
    ill: bool = False
    injured: bool = False


class Suggestion(NamedTuple):
    category: str
    severity: str
    reasons: tuple[str, ...]


def find_word(text: str, words: tuple[str, ...]) -> str | None:
    """The first of `words` found in `text`. Latin words count only at the start of a
    word ("vomit" finds "vomited" but "late" does not find "chocolate"); Chinese has no
    word breaks, so any occurrence counts."""
    lowered = text.lower()
    for word in words:
        at = lowered.find(word)
        while at != -1:
            if not word.isascii() or at == 0 or not ("a" <= lowered[at - 1] <= "z"):
                return word
            at = lowered.find(word, at + 1)
    return None


def suggest_category(description: str, rules: Rules) -> tuple[str, str | None]:
    """The first category (in the rules' order of precedence) whose keywords the
    description contains, with the keyword; `other` when none does."""
    for key, rule in rules.categories.items():
        word = find_word(description, rule.keywords)
        if word is not None:
            return key, word
    return "other", None


def suggest_severity(category: str, facts: Facts, rules: Rules) -> tuple[str, tuple[str, ...]]:
    """The severity the rules suggest for a case of `category` with these facts."""
    severity = rules.categories[category].severity
    reasons = [f"{category} is {severity} by default"]
    raisers: list[str] = []
    if facts.ill:
        raisers.append("someone fell ill")
    if facts.injured:
        raisers.append("someone was injured")
    if facts.people > rules.severity.urgent_when_people_over:
        raisers.append(f"{facts.people} people affected")
    word = find_word(facts.description, rules.severity.illness_words)
    if word is not None:
        raisers.append(f"the description mentions {word!r}")
    if raisers and severity != "urgent":
        severity = "urgent"
        reasons.append("urgent because " + ", ".join(raisers))
    elif raisers:
        reasons.append(", ".join(raisers))
    return severity, tuple(reasons)


def suggest(facts: Facts, rules: Rules, category: str | None = None) -> Suggestion:
    """Category (unless given) and severity for a new complaint."""
    reasons: list[str] = []
    if category is None:
        category, word = suggest_category(facts.description, rules)
        reasons.append(
            f"category {category} from the word {word!r}" if word else "no category keyword found"
        )
    severity, why = suggest_severity(category, facts, rules)
    return Suggestion(category, severity, (*reasons, *why))


def check_severity(chosen: str, suggested: str, reason: str | None) -> None:
    """Raising needs no reason; lowering below the suggestion needs one (kept in history)."""
    if SEVERITY_RANK[chosen] < SEVERITY_RANK[suggested] and not (reason and reason.strip()):
        raise RuleError(
            "reason",
            f"lowering severity to {SEVERITIES.label(chosen)} below the suggested "
            f"{SEVERITIES.label(suggested)} needs --reason",
        )
