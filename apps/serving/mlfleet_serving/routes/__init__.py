"""HTTP routes, split by concern: inference, v2 metadata and health, operations."""
