"""Reading and writing scenarios: our YAML/JSON, DECIDE and BDM files."""
