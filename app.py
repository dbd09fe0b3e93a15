"""Casebook explorer: ``kb explore`` or ``streamlit run app.py`` (options after ``--``:
``--data-dir DIR``, ``--config FILE``, ``--store URL``).

The app lives in the ``explorer`` package (one module per page, read models in ``kb.read``);
this file is the entry point Streamlit runs.
"""

from explorer.main import main

main()
