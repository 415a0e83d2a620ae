"""One module per output; each takes a Briefing."""
