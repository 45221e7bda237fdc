"""The reference tool for `bench/lti.py`: django-lti + pylti1p3 set up as django-lti's README says, in a venv of
its own (`.venv/bench/lti-reference`), because django-lti's Django app is also called `lti_tool`."""
