"""A minimal Django project that serves lti-consumer-xblock's LTI 1.3 platform standalone (see serve.py).

It runs only in the peer's own virtual environment (``.venv/peers/lti-platform``), never in the project's.
"""
