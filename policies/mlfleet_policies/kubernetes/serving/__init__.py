"""Kubernetes serving rules."""
