"""Kubernetes rules."""
