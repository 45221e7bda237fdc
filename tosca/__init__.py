"""Tosca: the deployable site that wires the repertory and the other apps together."""
