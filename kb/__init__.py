"""Casebook: a literature and evidence knowledge base for clinical case reports."""

__version__ = "0.1.0"
