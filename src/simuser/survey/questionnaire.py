"""The questionnaire: open, Likert and multiple-choice items, read from YAML with one-line errors.

Example::

    topic: a meal-kit delivery service
    items:
      - {id: overall, type: likert, text: "I am satisfied with the service."}
      - {id: channel, type: choice, text: "How did you hear about us?", options: [a friend, an advert, a search engine]}
      - {id: improve, type: open, text: "What one thing should we improve?"}

A Likert item's ``scale`` is its labels from 1 upward (default: the five-point agreement scale).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simuser.errors import UserError

AGREEMENT = ["strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    type: Literal["open", "likert", "choice"]
    text: str = Field(min_length=1)
    scale: list[str] | None = None
    options: list[str] | None = None

    @model_validator(mode="after")
    def _fits_its_type(self) -> Item:
        if self.type == "choice" and (not self.options or len(self.options) < 2):
            raise ValueError("a choice item needs options: [at least two]")
        if self.type == "likert" and self.scale is not None and len(self.scale) < 2:
            raise ValueError("a likert scale needs at least two labels")
        if self.type != "choice" and self.options:
            raise ValueError(f"options belong to choice items, not {self.type}")
        return self

    @property
    def labels(self) -> list[str]:
        """The Likert labels (1 = first) or the choice options."""
        return list(self.options or []) if self.type == "choice" else list(self.scale or AGREEMENT)


class Questionnaire(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=1)
    intro: str = "Thanks for taking part in this short survey. I'll ask one question at a time."
    closing: str = "That's all. Thank you for your answers!"
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Questionnaire:
        ids = [item.id for item in self.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"item id(s) {', '.join(duplicates)} used twice")
        return self


def load_questionnaire(path: Path | str) -> Questionnaire:
    from simuser.errors import require

    path = Path(path)
    if not path.is_file():
        raise UserError(f"questionnaire {path} does not exist; write a YAML file with topic: and items: (docs/survey.md)")
    yaml = require("yaml", "population")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserError(f"questionnaire {path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise UserError(f"questionnaire {path}: expected a mapping with topic: and items: (docs/survey.md)")
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "questionnaire"
        raise UserError(f"questionnaire {path}: {where}: {error['msg'].removeprefix('Value error, ')}") from None


def question_text(item: Item) -> str:
    """How the survey asks an item: its text, plus the scale or the options for closed items."""
    if item.type == "likert":
        labels = item.labels
        return f"{item.text} On a scale from 1 ({labels[0]}) to {len(labels)} ({labels[-1]}), where would you put yourself?"
    if item.type == "choice":
        return f"{item.text} Options: {'; '.join(item.labels)}."
    return item.text
