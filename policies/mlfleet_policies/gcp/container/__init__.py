"""GCP rules."""
