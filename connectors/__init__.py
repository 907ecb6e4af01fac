"""Channel connectors. Each knows only its own channel; see ``connectors.base``."""
