"""Package data: the dashboard notebook and the Voila settings ``explorer dashboard`` serves (see serving.launch)."""
