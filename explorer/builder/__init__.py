"""Making scenarios without hand-writing YAML: drafts that never lose work, atomic saves."""
