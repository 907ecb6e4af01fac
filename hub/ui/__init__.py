"""Server-rendered web UI for agents, supervisors and department users (Turkish)."""
