"""Surveys with simulated users: ``simuser survey``.

A questionnaire (:func:`load_questionnaire`: open, Likert and multiple-choice items) is asked one item per
turn by :class:`SurveyAsker` and answered by ``n`` simulated respondents per persona of a population
(:func:`run_survey`). Free-text answers are kept; closed items are mapped from the text by a transparent
rule (:func:`map_answer`) with the unmapped share reported; per-item distributions per segment carry 95%
intervals; ``answers.csv``, ``distributions.csv``, ``survey.json`` and ``survey.html`` hold the results.
"""

from simuser.survey.analysis import Answer, answers_of, distributions
from simuser.survey.asker import SurveyAsker
from simuser.survey.mapping import map_answer, map_choice, map_likert
from simuser.survey.questionnaire import Item, Questionnaire, load_questionnaire, question_text
from simuser.survey.report import write_survey_reports
from simuser.survey.run import SurveyResult, run_survey

__all__ = [
    "Answer",
    "Item",
    "Questionnaire",
    "SurveyAsker",
    "SurveyResult",
    "answers_of",
    "distributions",
    "load_questionnaire",
    "map_answer",
    "map_choice",
    "map_likert",
    "question_text",
    "run_survey",
    "write_survey_reports",
]
