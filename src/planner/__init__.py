"""flowsql."""
