"""Read-only queries shared by the JSON API and the staff UI (writes go through hub.actions)."""
