"""Moving evidence across system boundaries: the transactional outbox and its destinations.

`sync.api.record_module_completion` is the one way evidence enters the system.
"""
