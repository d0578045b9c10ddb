"""MLOps rules no public anchor has."""
