"""The Casebook explorer (Streamlit): ``kb explore`` or ``streamlit run app.py``."""
