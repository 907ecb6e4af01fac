"""HTTP-level fakes of external services (Telegram Bot API, X API v2, Meta Graph API, YouTube
Data API, a generic SMS gateway).

Each fake is a real aiohttp server on 127.0.0.1 with a free port, so connectors
talk HTTP to it exactly as they would to the real service.
"""
