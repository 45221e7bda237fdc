"""Tosca as an LTI 1.3 Advantage tool: OIDC login, launch, deep linking, grades (AGS), rosters (NRPS),
dynamic registration and the tool's keys."""
