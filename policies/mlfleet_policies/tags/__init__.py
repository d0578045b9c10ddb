"""Tag and label rules."""
