"""Citizen-facing web pages: the application form (/basvuru) and the public status page (/takip).

``hub.web.routes.routes`` is the aiohttp route table the Hub mounts.
"""
