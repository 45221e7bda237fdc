"""`tosca_libretto`: the learner's libretto in brief, inside a course, with a link to the full libretto."""

from __future__ import annotations

from datetime import date

from web_fragments.fragment import Fragment
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.fields import Integer, Scope, String

from xblocks.blocks.base import ToscaBlockMixin
from xblocks.blocks.module import libretto_url


@XBlock.needs("i18n")
@XBlock.wants("user")
class LibrettoBlock(ToscaBlockMixin, XBlock):
    display_name = String(display_name="Title", default="My libretto", scope=Scope.settings)
    limit = Integer(default=5, scope=Scope.settings, help="how many recent competences to list")

    completion_mode = XBlockCompletionMode.EXCLUDED

    def _summary(self):
        from libretto import api as libretto  # the holder's view of their own libretto

        platform = self.evidence_platform() or libretto.local_platform()
        learner = self.learner_id()
        return libretto.libretto_of(platform, learner) if learner else None

    def student_view(self, context=None) -> Fragment:
        view = self._summary()
        entries = []
        if view is not None:
            entries = sorted(
                view.entries, key=lambda entry: entry.period_end or entry.period_start or date.min, reverse=True
            )[: self.limit]
        return self.fragment(
            "libretto.html",
            {
                "title": self.display_name,
                "entries": entries,
                "count": len(view.entries) if view is not None else 0,
                "libretto_url": libretto_url(),
            },
        )

    def author_view(self, context=None) -> Fragment:
        return self.student_view(context)

    @staticmethod
    def workbench_scenarios():
        return [("Tosca: my libretto", """<tosca_libretto display_name="Il mio libretto"/>""")]
