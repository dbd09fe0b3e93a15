"""Read models of the explorer: one plain module per page or topic, no Streamlit."""
