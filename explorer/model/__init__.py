"""The scenario model: the file format, cross-checks and concessions."""
