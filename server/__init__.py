"""Presession server: the HTTP API, the live room, jobs and persistence."""
