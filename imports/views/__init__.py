"""Pages for a client's import data: entries and lines (entries.py) and documents (documents.py)."""
