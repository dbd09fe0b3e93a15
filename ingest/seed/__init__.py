"""The seed article (plain text or Markdown) → metadata, sections, references, citation contexts.

Seeds are PDF conversions and messy on purpose: heading levels are arbitrary (``#### **ABSTRACT**``,
``# **DISCUSSION:**``, ``**Authors Contribution:**``), affiliation blocks interrupt paragraphs,
reference lists number some entries and not others, DOIs come in every spelling. Everything here
is pure: ``read_seed(text)`` in, ``SeedDocument`` out; all offsets index the text given.

Files are read by ``read_seed_file`` (or ``read_seed_bytes``), which refuse what is not a seed
with a ``SeedError`` saying why: a missing path, a directory, an unreadable file, an empty one,
one larger than ``MAX_SEED_BYTES``, a binary format (PDF, images, archives, Office documents) or
bytes that decode to no text. Text arrives as UTF-8 (BOM or not, stray Windows-1252 bytes mixed
in), UTF-16/UTF-32 with a BOM, UTF-16 without one, or Windows-1252/Latin-1 (``decode_text``).
Every pattern here runs in time linear in its input: hostile seeds (100,000-character lines,
runs of spaces, thousands of markers in one sentence) cost what ordinary ones of their size do.

Modules by job: ``decode`` (bytes → text), ``sections``, ``reference_list``, ``citations``,
``metadata``, and ``document``, which puts them together (``read_seed``, ``read_seed_file``).
"""
