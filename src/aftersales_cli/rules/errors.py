"""The errors the rules raise. Pure: the shell turns them into one line for the user."""

from __future__ import annotations


class RuleError(ValueError):
    """Input the rules refuse. `field` names what was wrong, the message what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Refused(RuleError):
    """An action the status flow does not allow (closing twice, revisiting an open case...)."""


class RulesFileError(ValueError):
    """A rules file that cannot be used; the message names the key."""
