"""Pydantic output schemas for JSON responses: ORM rows never leave app/storage as JSON."""
