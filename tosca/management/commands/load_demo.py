"""`tosca load_demo`: the demo repertory and course, and with --accounts a demo learner with a libretto, a
designer and an operator. Safe to run again."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from libretto import api as libretto
from repertory import api as repertory
from repertory.data import Format
from sync import api as sync
from xblocks.runtime import api as courses

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"
DEMO_FILES = ((DEMO_DIR / "repertorio-toscana-demo.csv", Format.RRFP_CSV),)
FRAMEWORK = "RRFP-TOSCANA-DEMO"
ROME = ZoneInfo("Europe/Rome")
LEARNER, OPERATOR, DESIGNER = ("demo", "demo"), ("operatore", "operatore"), ("progettista", "progettista")
DEMO_COURSE = DEMO_DIR / "course"
# Open modules of the demo course, the competence units each develops, and when the demo learner finished them.
MODULES = (
    (
        "demo:prima-infanzia/progettare",
        "Progettare il nido: dall'osservazione al progetto educativo",
        ("UC-1017", "UC-1019"),
        datetime(2026, 3, 12, 17, 40, tzinfo=ROME),
        0.86,
    ),
    (
        "demo:prima-infanzia/famiglie",
        "Accogliere le famiglie al nido",
        ("UC-1018",),
        datetime(2026, 4, 2, 11, 5, tzinfo=ROME),
        0.92,
    ),
    (
        "demo:lavoro-di-equipe",
        "Lavorare in équipe multiprofessionale",
        ("UC-1003",),
        datetime(2026, 5, 20, 9, 30, tzinfo=ROME),
        None,
    ),
)


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the demo repertory and course, and with --accounts a demo learner, designer and operator (safe to run "
        "again)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--accounts",
            action="store_true",
            help=_(
                "Also create the demo learner, designer and operator, with well-known passwords: for local use only."
            ),
        )
        parser.add_argument(
            "--reload-course",
            action="store_true",
            help=_("Import the demo course again even if it is there, undoing what designers changed in it."),
        )

    def handle(self, *args, accounts: bool = False, reload_course: bool = False, **options) -> None:
        for path, source_format in DEMO_FILES:
            try:
                report = repertory.import_framework(path, source_format=source_format)
            except repertory.ImportRejected as rejected:
                raise CommandError(rejected.summary()) from None
            if report.is_noop:
                self.stdout.write(_("Demo framework %(code)s is up to date.") % {"code": report.framework})
            else:
                self.stdout.write(
                    _("Demo framework %(code)s loaded: %(added)d added, %(changed)d changed.")
                    % {"code": report.framework, "added": len(report.added), "changed": len(report.changed)}
                )
        self._course(reload=reload_course)
        if not accounts:
            return
        learner, _created = self._user(*LEARNER, first_name="Giulia", last_name="Rossi")
        operator, created = self._user(*OPERATOR, first_name="Operatore", last_name="Regionale", is_staff=True)
        if created:  # never widen the rights of an account someone else made
            operator.user_permissions.add(
                *Permission.objects.filter(content_type__app_label__in=["libretto", "sync", "repertory"])
            )
        designer, created = self._user(*DESIGNER, first_name="Paola", last_name="Progettista")
        if created:
            designer.user_permissions.add(Permission.objects.get(codename="author_course"))
        self._libretto(learner)
        self.stdout.write(
            _(
                "Demo accounts: learner “%(learner)s” (password “%(learner_password)s”), designer “%(designer)s” "
                "(password “%(designer_password)s”), operator “%(operator)s” (password “%(operator_password)s”). "
                "For local use only."
            )
            % {
                "learner": LEARNER[0],
                "learner_password": LEARNER[1],
                "designer": DESIGNER[0],
                "designer_password": DESIGNER[1],
                "operator": OPERATOR[0],
                "operator_password": OPERATOR[1],
            }
        )

    def _course(self, *, reload: bool) -> None:
        """Import the demo course once: loading the demo again keeps what designers changed in it since."""
        top = etree.parse(str(DEMO_COURSE / "course.xml"), etree.XMLParser(resolve_entities=False)).getroot()
        key = f"course-v1:{top.get('org')}+{top.get('course')}+{top.get('url_name')}"
        if courses.has_course(key) and not reload:
            self.stdout.write(
                _("Demo course %(key)s is already there: kept as it is (--reload-course loads it again).")
                % {"key": key}
            )
            return
        try:
            course = courses.import_folder(DEMO_COURSE)
        except (courses.OlxRejected, courses.ArchiveRejected) as rejected:
            raise CommandError(str(rejected)) from None
        self.stdout.write(
            _("Demo course “%(title)s” loaded: %(modules)d modules.")
            % {"title": course.title, "modules": course.modules}
        )

    @staticmethod
    def _user(username: str, password: str, **fields):
        user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(password)
            user.save()
        return user, created

    def _libretto(self, learner) -> None:
        uri_of = {}
        for module, _title, codes, _when, _score in MODULES:
            for code in codes:
                uri = repertory.get_competence(framework=FRAMEWORK, code=code).ref.uri
                uri_of[code] = uri
                repertory.tag_content(module, uri)
        recorded = 0
        for module, title, codes, when, score in MODULES:
            receipt = sync.record_module_completion(
                learner.get_username(), module, when, score, [uri_of[code] for code in codes], module_title=title
            )
            recorded += receipt.created
        view = libretto.libretto_for(learner)
        if not view.curriculum:
            libretto.save_curriculum_item(
                learner,
                kind="work",
                title="Educatrice",
                organisation="Nido comunale Il Girasole, Prato",
                start=date(2019, 9, 1),
                end=None,
                description="Sezione lattanti e divezzi.",
            )
            libretto.save_curriculum_item(
                learner,
                kind="education",
                title="Laurea in Scienze dell'educazione",
                organisation="Università di Firenze",
                start=date(2015, 10, 1),
                end=date(2019, 3, 20),
                description="",
            )
        if not any(entry.ambito == "informal" for entry in view.entries):
            libretto.declare_competence(
                learner,
                competence_uri=repertory.get_competence(framework=FRAMEWORK, code="UC-1008").ref.uri,
                statement="Per tre estati ho organizzato i laboratori del centro estivo della mia parrocchia.",
                period_start=date(2021, 6, 15),
                period_end=date(2023, 8, 31),
            )
        self.stdout.write(
            _("Demo libretto of %(name)s: %(count)d new module completions recorded.")
            % {"name": learner.get_full_name(), "count": recorded}
        )
