"""The script ``kb explore`` hands to ``streamlit run`` (it ships with the package, where the
repository's ``app.py`` does not; both only call ``explorer.main.main``)."""

from explorer.main import main

main()
