"""Helpers for the behaviour suite: mounting hyperfs, driving it with tools, documents."""
