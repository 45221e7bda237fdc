"""`tosca_checkpoint`: for courses whose modules are native Open edX units. Placed in a unit and tagged like a
module, it checks its sibling blocks (completion and scores from the runtime, or the blocks' own report) and
records the evidence when the rule holds, then tells the learner which competences went into their libretto."""

from __future__ import annotations

from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.fields import Scope, String

from xblocks.blocks.base import Progress
from xblocks.blocks.module import ModuleBlock
from xblocks.blocks.rule import Evaluation


@XBlock.needs("i18n")
@XBlock.wants("user")
@XBlock.wants("completion")
class CheckpointBlock(ModuleBlock):
    display_name = String(display_name="Title", default="Checkpoint", scope=Scope.settings)
    has_children = False

    def child_blocks(self) -> list:
        """The blocks the rule covers: this block's siblings in its unit."""
        parent = self.get_parent()
        if parent is None:
            return []
        return [self.runtime.get_block(child_id) for child_id in parent.children if child_id != self.scope_ids.usage_id]

    def tosca_sibling_progressed(self) -> None:
        self.act_on(self.evaluation())

    def tosca_child_progressed(self) -> None:  # a checkpoint has no children of its own
        return None

    def tosca_progress(self) -> Progress:
        return Progress(complete=True)  # it asks nothing of the learner itself

    def student_view(self, context=None) -> Fragment:
        evaluation: Evaluation = self.evaluation()
        if evaluation.met and self.recorded_attempt != self.attempt:
            self.act_on(evaluation)
            self.save()
        return self.fragment("checkpoint.html", self._context(evaluation), js="module.js", init="ToscaModule")

    @staticmethod
    def workbench_scenarios():
        return [
            (
                "Tosca: checkpoint in a unit",
                """<vertical_demo>
                  <tosca_html display_name="Lettura"><![CDATA[<p>Una rete territoriale per l'inclusione.</p>]]>
                  </tosca_html>
                  <tosca_checkpoint display_name="Traguardo">
                    <competence uri="urn:tosca:repertory:RRFP-TOSCANA-DEMO:UC-1010" role="develops"/>
                  </tosca_checkpoint>
                </vertical_demo>""",
            )
        ]
