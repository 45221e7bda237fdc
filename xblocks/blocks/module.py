"""`tosca_module`: a learning module. Holds any blocks, is tagged with the competences it develops or
assesses, and when its completion rule is met publishes completion and grade and records the evidence that
goes into the learner's libretto, once per attempt."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.fields import Float, Integer, List, Scope, String

from xblocks import competences as tags
from xblocks.blocks.base import Progress, ToscaBlockMixin, json_body, json_response, post_handler
from xblocks.blocks.rule import Evaluation, evaluate, record
from xblocks.sanitize import plain_text

MAX_HOURS = 1000


def libretto_url() -> str | None:
    try:
        return reverse("libretto:home")
    except NoReverseMatch:
        return None


def _number(value, *, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    number = float(value)
    if not low <= number <= high:
        raise ValueError(number)
    return number


@XBlock.needs("i18n")
@XBlock.wants("user")
@XBlock.wants("completion")
class ModuleBlock(ToscaBlockMixin, XBlock):
    display_name = String(display_name="Title", default="Module", scope=Scope.settings)
    description = String(default="", scope=Scope.settings, help="plain text")
    estimated_hours = Float(default=None, scope=Scope.settings)
    competences = List(default=[], scope=Scope.settings, help='[{"uri": …, "role": "develops"|"assesses"}]')
    min_score = Float(default=None, scope=Scope.settings, help="0..1; None: completion only")
    optional_children = List(default=[], scope=Scope.settings, help="url names of children not required")

    attempt = Integer(default=1, scope=Scope.user_state)
    recorded_attempt = Integer(default=None, scope=Scope.user_state)
    evidence_id = String(default=None, scope=Scope.user_state)
    completed_at = String(default=None, scope=Scope.user_state)
    evidence_problem = String(default=None, scope=Scope.user_state)

    has_children = True
    has_score = True

    @classmethod
    def parse_xml(cls, node, runtime, keys):
        block = runtime.construct_xblock_from_class(cls, keys)
        block.read_settings(node)
        if block.has_children:
            for child in node:
                if isinstance(child.tag, str) and child.tag != "competence":
                    runtime.add_node_as_child(block, child)
        return block

    def add_xml_to_node(self, node):
        node.tag = self.scope_ids.block_type
        node.set("display_name", self.display_name)
        if self.description:
            node.set("description", self.description)
        if self.estimated_hours is not None:
            node.set("estimated_hours", f"{self.estimated_hours:g}")
        if self.min_score is not None:
            node.set("min_score", f"{self.min_score:g}")
        if self.optional_children:
            node.set("optional_children", " ".join(self.optional_children))
        tags.add_competence_elements(node, self.competences)
        if self.has_children:
            self.add_children_to_node(node)

    def read_settings(self, node) -> None:
        """The module's settings and tags from its OLX element (ValueError when a number is out of range)."""
        self.display_name = node.get("display_name", self.display_name)
        self.description = plain_text(node.get("description", ""))[:2000]
        if node.get("estimated_hours"):
            self.estimated_hours = _number(node.get("estimated_hours"), low=0, high=MAX_HOURS)
        if node.get("min_score"):
            self.min_score = _number(node.get("min_score"), low=0, high=1)
        self.optional_children = [name for name in node.get("optional_children", "").split() if name]
        self.competences = tags.parse_competence_elements(node)

    # -- the rule ---------------------------------------------------------------------------------------

    def child_blocks(self) -> list:
        return [self.runtime.get_block(child_id) for child_id in self.children]

    def evaluation(self) -> Evaluation:
        return evaluate(self, self.child_blocks(), optional=set(self.optional_children), min_score=self.min_score)

    def tosca_child_progressed(self) -> None:
        self.act_on(self.evaluation())

    def evidence_tags(self) -> list[dict]:
        """The competences the evidence names: the module's own tags, and inside Open edX those Studio's own
        tagging put on it (or, for a checkpoint, on its unit) from a taxonomy of the repertory."""
        object_ids = [str(self.scope_ids.usage_id)]
        parent = getattr(self, "parent", None)
        if not self.has_children and parent:
            object_ids.append(str(parent))
        return tags.with_platform_tags(self.competences, object_ids)

    def act_on(self, evaluation: Evaluation) -> None:
        """When the rule holds and this attempt is not recorded yet: publish and record, once."""
        if not evaluation.met or self.recorded_attempt == self.attempt:
            return
        evidence_id, problem = record(self, evaluation, self.evidence_tags())
        if problem:
            self.evidence_problem = problem[:500]
            return
        self.runtime.publish(
            self, "grade", {"value": evaluation.score if evaluation.score is not None else 1.0, "max_value": 1.0}
        )
        self.runtime.publish(self, "completion", {"completion": 1.0})
        self.recorded_attempt = self.attempt
        self.evidence_id = evidence_id
        self.evidence_problem = None
        self.completed_at = timezone.now().isoformat()

    def tosca_progress(self) -> Progress:
        evaluation = self.evaluation()
        return Progress(
            complete=evaluation.met, earned=evaluation.score, possible=1.0 if evaluation.score is not None else None
        )

    # -- views ------------------------------------------------------------------------------------------

    def _context(self, evaluation: Evaluation) -> dict:
        hours = self.estimated_hours
        return {
            "title": self.display_name,
            "description": self.description,
            "hours": f"{hours:g}" if hours is not None else None,
            "competences": tags.shown(self.competences),
            "evaluation": evaluation,
            "score_percent": round(evaluation.score * 100) if evaluation.score is not None else None,
            "min_percent": round(self.min_score * 100) if self.min_score is not None else None,
            "recorded": self.recorded_attempt == self.attempt,
            "evidence_problem": self.evidence_problem,
            "libretto_url": libretto_url(),
            "block_id": self.scope_ids.usage_id,
        }

    def student_view(self, context=None) -> Fragment:
        evaluation = self.evaluation()
        if evaluation.met and self.recorded_attempt != self.attempt:
            self.act_on(evaluation)  # progress made elsewhere (another device, a native block in Open edX)
            self.save()
        fragment = Fragment()
        children = [self.runtime.render_child(child, "student_view", context) for child in self.child_blocks()]
        for child in children:
            fragment.add_fragment_resources(child)
        body = self.fragment(
            "module.html",
            {**self._context(evaluation), "children": [child.body_html() for child in children]},
            js="module.js",
            init="ToscaModule",
        )
        fragment.add_fragment_resources(body)
        fragment.add_content(body.body_html())
        fragment.initialize_js(body.js_init_fn, body.json_init_args)
        return fragment

    def author_view(self, context=None) -> Fragment:
        return self.student_view(context)

    def studio_view(self, context=None) -> Fragment:
        children = [
            {
                "name": str(block.scope_ids.usage_id).rsplit("@", 1)[-1],
                "title": getattr(block, "display_name", "") or block.scope_ids.block_type,
                "type": block.scope_ids.block_type,
            }
            for block in self.child_blocks()
        ]
        return self.fragment(
            "module_edit.html",
            {
                "title": self.display_name,
                "description": self.description,
                "hours": "" if self.estimated_hours is None else f"{self.estimated_hours:g}",
                "min_percent": "" if self.min_score is None else round(self.min_score * 100),
                "children": children,
                "optional": set(self.optional_children),
                "competences": tags.shown(self.competences),
                "block_id": self.scope_ids.usage_id,
            },
            js="module_edit.js",
            init="ToscaModuleEdit",
        )

    # -- handlers ---------------------------------------------------------------------------------------

    @post_handler
    def check(self, request, suffix=""):
        """Evaluate the rule now (the page calls this after a child reports progress) and say where things are."""
        evaluation = self.evaluation()
        self.act_on(evaluation)
        return json_response(
            {
                "required": evaluation.required,
                "done": evaluation.done,
                "percent": evaluation.percent,
                "score": evaluation.score,
                "met": evaluation.met,
                "recorded": self.recorded_attempt == self.attempt,
                "evidence_id": self.evidence_id,
                "problem": self.evidence_problem,
                "status": self.render_template("module_status.html", self._context(evaluation)),
            }
        )

    @XBlock.handler
    def search_competences(self, request, suffix=""):
        if not self.is_author():
            return json_response({"error": self._("Only the course's designers can tag modules.")}, 403)
        return json_response({"results": tags.search(request.GET.get("q", ""))})

    @post_handler
    def studio_submit(self, request, suffix=""):
        if not self.is_author():
            return json_response({"error": self._("Only the course's designers can change this module.")}, 403)
        try:
            data = json_body(request)
        except ValueError:
            return json_response({"error": self._("The request is not valid JSON.")}, 400)
        problems = []
        title = str(data.get("display_name", "")).strip()
        if not title:
            problems.append(self._("The title cannot be empty."))
        try:
            hours = _number(data.get("estimated_hours"), low=0, high=MAX_HOURS)
        except (TypeError, ValueError):
            problems.append(self._("Estimated hours must be a number from 0 to %(max)d.") % {"max": MAX_HOURS})
        try:
            percent = _number(data.get("min_percent"), low=0, high=100)
        except (TypeError, ValueError):
            problems.append(self._("The minimum score must be a percentage from 0 to 100."))
        names = {str(block.scope_ids.usage_id).rsplit("@", 1)[-1] for block in self.child_blocks()}
        optional = data.get("optional_children", [])
        if not isinstance(optional, list) or not set(map(str, optional)) <= names:
            problems.append(self._("Optional blocks must be blocks of this module."))
        cleaned, tag_problems = tags.clean_tags(data.get("competences", []), self._)
        problems += tag_problems
        if problems:
            return json_response({"error": " ".join(problems), "problems": problems}, 400)
        self.display_name = title[:255]
        self.description = plain_text(str(data.get("description", "")))[:2000]
        self.estimated_hours = hours
        self.min_score = None if percent is None else round(percent / 100, 4)
        self.optional_children = [str(name) for name in optional]
        self.competences = cleaned
        tags.mirror_to_repertory(str(self.scope_ids.usage_id), tags.block_tags(self))
        return json_response({"saved": True, "message": self._("Module saved.")})

    @staticmethod
    def workbench_scenarios():
        return [
            (
                "Tosca: learning module",
                """<tosca_module display_name="Co-progettare con il terzo settore" estimated_hours="2" min_score="0.5">
                  <competence uri="urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010" role="develops"/>
                  <tosca_html display_name="Introduzione"><![CDATA[<p>La co-progettazione unisce ente pubblico
                  e terzo settore.</p>]]></tosca_html>
                  <tosca_quiz display_name="Verifica" max_attempts="2">
                    <question><![CDATA[<p>Chi co-progetta?</p>]]></question>
                    <choice id="a" correct="false" feedback="No.">Solo l'ente pubblico</choice>
                    <choice id="b" correct="true" feedback="Sì.">Ente pubblico e terzo settore</choice>
                  </tosca_quiz>
                </tosca_module>""",
            )
        ]
