# tutor-tosca: Tosca's apps answer, and their tables exist (the platform's migrations just created them)
./manage.py lms sync status
{%- if TOSCA_ENABLE_ASIDES %}

# tutor-tosca: XBlock asides in the LMS, so that learners see the competences aside (tosca_competences)
./manage.py lms shell -c '
from lms.djangoapps.lms_xblock.models import XBlockAsidesConfig

current = XBlockAsidesConfig.current()
if current.enabled:
    print("Tosca: XBlock asides were already enabled in the LMS")
else:
    XBlockAsidesConfig(enabled=True, disabled_blocks=current.disabled_blocks).save()
    print("Tosca: XBlock asides enabled in the LMS")
'
{%- endif %}
