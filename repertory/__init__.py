"""The competence repertory: frameworks, their competence trees, import/export and search.

Other apps use `repertory.api` and the values in `repertory.data`; the models are private.
"""
