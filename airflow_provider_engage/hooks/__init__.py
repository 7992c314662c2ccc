"""Hooks: one method per API endpoint, sync (requests) and async (aiohttp)."""
