"""Pure numerical analysis of a scenario (numpy; no plotting, no widgets)."""
