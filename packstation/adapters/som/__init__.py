"""Ingrid SOM API client (async, httpx) and its error hierarchy."""
