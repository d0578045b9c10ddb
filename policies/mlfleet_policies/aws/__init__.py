"""AWS rules."""
