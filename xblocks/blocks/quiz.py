"""`tosca_quiz`: one question, single or multiple choice, feedback per choice, a limit on attempts; the best
score is published as the block's grade."""

from __future__ import annotations

import math

from lxml import etree
from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.fields import Boolean, Float, Integer, List, Scope, String
from xblock.scorable import Score

from xblocks.blocks.base import Progress, ToscaBlockMixin, json_body, json_response, post_handler
from xblocks.sanitize import sanitize_html

MAX_CHOICES = 26
MAX_WEIGHT = 1000


def _inner_html(node) -> str:
    return ((node.text or "") + "".join(etree.tostring(child, encoding="unicode") for child in node)).strip()


@XBlock.needs("i18n")
@XBlock.wants("user")
@XBlock.wants("replace_urls")
class QuizBlock(ToscaBlockMixin, XBlock):
    display_name = String(display_name="Title", default="Quiz", scope=Scope.settings)
    question = String(default="", scope=Scope.content, help="HTML, sanitized when shown")
    choices = List(default=[], scope=Scope.content, help="[{id, text, correct, feedback}]")
    multiple = Boolean(default=False, scope=Scope.settings, help="several choices may be right (all-or-nothing)")
    max_attempts = Integer(default=0, scope=Scope.settings, help="0: no limit")
    weight = Float(default=1.0, scope=Scope.settings, help="weight in the module's score")

    attempts = Integer(default=0, scope=Scope.user_state)
    selected = List(default=[], scope=Scope.user_state)
    best = Float(default=None, scope=Scope.user_state, help="best score so far, 0..1")

    has_score = True
    icon_class = "problem"

    @classmethod
    def parse_xml(cls, node, runtime, keys):
        block = runtime.construct_xblock_from_class(cls, keys)
        block.display_name = node.get("display_name", block.display_name)
        block.multiple = node.get("multiple", "false").lower() == "true"
        block.max_attempts = max(0, int(node.get("max_attempts") or 0))
        weight = float(node.get("weight") or 1)
        if not math.isfinite(weight) or not 0 <= weight <= MAX_WEIGHT:
            raise ValueError(f"weight must be a number from 0 to {MAX_WEIGHT}, not {node.get('weight')!r}")
        block.weight = weight
        choices = []
        for child in node:
            if child.tag == "question":
                block.question = sanitize_html(_inner_html(child))
            elif child.tag == "choice":
                choice_id = child.get("id") or f"c{len(choices) + 1}"
                choices.append(
                    {
                        "id": choice_id,
                        "text": sanitize_html(_inner_html(child)),
                        "correct": child.get("correct", "false").lower() == "true",
                        "feedback": sanitize_html(child.get("feedback", "")),
                    }
                )
        block.choices = choices
        return block

    def add_xml_to_node(self, node):
        node.tag = self.scope_ids.block_type
        node.set("display_name", self.display_name)
        node.set("multiple", "true" if self.multiple else "false")
        node.set("max_attempts", str(self.max_attempts))
        node.set("weight", f"{self.weight:g}")
        etree.SubElement(node, "question").text = etree.CDATA(self.question)
        for choice in self.choices:
            element = etree.SubElement(
                node,
                "choice",
                id=choice["id"],
                correct="true" if choice["correct"] else "false",
                feedback=choice.get("feedback", ""),
            )
            element.text = etree.CDATA(choice["text"]) if choice["text"] else None

    def problems(self) -> list[str]:
        """What makes this quiz unanswerable, for import reports and validation."""
        found = []
        if not self.choices:
            found.append(self._("the quiz has no choices"))
        elif not any(choice["correct"] for choice in self.choices):
            found.append(self._("no choice is marked correct"))
        elif not self.multiple and sum(choice["correct"] for choice in self.choices) > 1:
            found.append(self._("a single-choice quiz has more than one correct choice"))
        if len({choice["id"] for choice in self.choices}) != len(self.choices):
            found.append(self._("two choices have the same id"))
        return found

    # -- learner ------------------------------------------------------------------------------------------

    def attempts_left(self) -> int | None:
        return None if not self.max_attempts else max(0, self.max_attempts - self.attempts)

    def _feedback(self, selected: list[str]) -> list[dict]:
        by_id = {choice["id"]: choice for choice in self.choices}
        return [
            {
                "id": choice_id,
                "correct": by_id[choice_id]["correct"],
                "feedback": sanitize_html(by_id[choice_id].get("feedback", "")),
            }
            for choice_id in selected
            if choice_id in by_id
        ]

    def student_view(self, context=None) -> Fragment:
        selected = set(self.selected)
        feedback = {item["id"]: item for item in self._feedback(self.selected)}
        return self.fragment(
            "quiz.html",
            {
                "title": self.display_name,
                "question": sanitize_html(self.question),
                "multiple": self.multiple,
                "choices": [
                    {
                        "id": choice["id"],
                        "text": sanitize_html(choice["text"]),
                        "checked": choice["id"] in selected,
                        "feedback": feedback.get(choice["id"]),
                    }
                    for choice in self.choices
                ],
                "attempts": self.attempts,
                "attempts_left": self.attempts_left(),
                "best": self.best,
                "answered": self.attempts > 0,
                "correct": self.best == 1.0 if self.attempts else None,
                "block_id": self.scope_ids.usage_id,
            },
            js="quiz.js",
            init="ToscaQuiz",
        )

    def author_view(self, context=None) -> Fragment:
        return self.student_view(context)

    @post_handler
    def submit(self, request, suffix=""):
        try:
            data = json_body(request)
        except ValueError:
            return json_response({"error": self._("The answer is not valid JSON.")}, 400)
        selected = data.get("selected")
        if not isinstance(selected, list) or not all(isinstance(item, str) for item in selected):
            return json_response({"error": self._("Send the chosen answers as a list of choice ids.")}, 400)
        selected = list(dict.fromkeys(selected))
        known = {choice["id"] for choice in self.choices}
        unknown = [item for item in selected if item not in known]
        if unknown:
            return json_response(
                {"error": self._("There is no choice “%(choice)s” in this question.") % {"choice": unknown[0][:40]}},
                400,
            )
        if not selected:
            return json_response({"error": self._("Choose an answer before submitting.")}, 400)
        if not self.multiple and len(selected) > 1:
            return json_response({"error": self._("This question takes only one answer.")}, 400)
        if self.attempts_left() == 0:
            return json_response({"error": self._("You have used all your attempts for this question.")}, 409)
        right = {choice["id"] for choice in self.choices if choice["correct"]}
        score = 1.0 if set(selected) == right else 0.0
        self.attempts += 1
        self.selected = selected
        self.best = max(self.best or 0.0, score)
        self.runtime.publish(self, "grade", {"value": self.best, "max_value": 1.0})
        self.progressed()
        left = self.attempts_left()
        if score == 1.0:
            message = self._("Correct.")
        elif left == 0:
            message = self._("Not correct, and no attempts are left.")
        else:
            message = self._("Not correct. Read the feedback and try again.")
        return json_response(
            {
                "correct": score == 1.0,
                "score": score,
                "best": self.best,
                "message": message,
                "feedback": self._feedback(selected),
                "attempts": self.attempts,
                "attempts_left": left,
                "attempts_text": None
                if left is None
                else self.ngettext("%(left)s attempt left", "%(left)s attempts left", left) % {"left": left},
            }
        )

    # -- grading -----------------------------------------------------------------------------------------

    def max_score(self) -> float:
        return 1.0

    def get_score(self) -> Score:
        return Score(raw_earned=self.best or 0.0, raw_possible=1.0)

    def tosca_content(self) -> dict:
        """What a channel that scores the quiz itself (a SCORM package, in the browser) needs, answers included."""
        return {
            "question": sanitize_html(self.question),
            "choices": [
                {
                    "id": choice["id"],
                    "text": sanitize_html(choice["text"]),
                    "correct": bool(choice["correct"]),
                    "feedback": sanitize_html(choice.get("feedback", "")),
                }
                for choice in self.choices
            ],
            "multiple": self.multiple,
            "max_attempts": self.max_attempts,
            "weight": self.weight,
            "problems": self.problems(),
        }

    def tosca_progress(self) -> Progress:
        return Progress(
            complete=self.attempts > 0,
            earned=self.best if self.attempts else None,
            possible=1.0,
            weight=self.weight,
        )

    @staticmethod
    def workbench_scenarios():
        return [
            (
                "Tosca: quiz",
                """<tosca_quiz display_name="Verifica" max_attempts="2">
                  <question><![CDATA[<p>Chi partecipa alla co-progettazione?</p>]]></question>
                  <choice id="a" correct="false" feedback="No: anche il terzo settore.">Solo l'ente pubblico</choice>
                  <choice id="b" correct="true" feedback="Sì.">Ente pubblico e terzo settore</choice>
                </tosca_quiz>""",
            )
        ]
