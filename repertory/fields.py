"""Model fields whose comparisons must be exact on every database."""

from __future__ import annotations

from django.db import models

# Byte-wise collations: MariaDB's and PostgreSQL's linguistic defaults would treat "UC-a" and "uc-A", or
# ".../caffè" and ".../caffe", as equal (breaking unique URIs and codes) and sort index terms in an order
# where a prefix range scan misses or adds matches.
EXACT_COLLATIONS = {"mysql": "utf8mb4_bin", "postgresql": "C"}


class ExactCharField(models.CharField):
    """A CharField compared and sorted byte by byte: codes, URIs and search terms."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        parameters["collation"] = self.db_collation or EXACT_COLLATIONS.get(connection.vendor)
        return parameters
