"""Parsers: each turns one input format into a `ParsedFramework`, or raises `ImportRejected`."""
