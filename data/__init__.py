"""Casebook's shipped data (installed as the ``casebook_data`` package): demo corpus, vocabularies."""
