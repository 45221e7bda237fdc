# tutor-tosca: Tosca's blocks in Studio{% if TOSCA_ENABLE_ASIDES %}, and XBlock asides there (the competences aside){% endif %}
./manage.py cms shell -c '
from cms.djangoapps.xblock_config.models import StudioConfig
from common.djangoapps.xblock_django.models import XBlockStudioConfiguration

ENABLE_ASIDES = {{ "True" if TOSCA_ENABLE_ASIDES else "False" }}
BLOCKS = {{ TOSCA_STUDIO_BLOCKS|tosca_json }}

if ENABLE_ASIDES:
    current = StudioConfig.current()
    if current.enabled:
        print("Tosca: XBlock asides were already enabled in Studio")
    else:
        StudioConfig(enabled=True, disabled_blocks=current.disabled_blocks).save()
        print("Tosca: XBlock asides enabled in Studio")

# A block an operator configured already (any row, even disabled) is left as it is.
fields = {field.name for field in XBlockStudioConfiguration._meta.get_fields()}
every_course = "advanced_by_default" in fields
for name in BLOCKS:
    if XBlockStudioConfiguration.objects.filter(name=name).exists():
        continue
    options = {"advanced_by_default": True} if every_course else {}
    XBlockStudioConfiguration(
        name=name, template="", enabled=True, support_level=XBlockStudioConfiguration.PROVISIONAL_SUPPORT, **options
    ).save()
    print("Tosca: Studio configuration added for", name)
if BLOCKS and every_course:
    print("Tosca: Studio offers", ", ".join(BLOCKS), "in the Advanced component list of every course")
elif BLOCKS:
    print(
        "Tosca: to offer Tosca blocks in a course, add them to its Advanced Module List (Settings > Advanced "
        "Settings):", ", ".join(BLOCKS)
    )
'
