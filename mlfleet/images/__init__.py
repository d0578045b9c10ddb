"""Building and pushing the apps' images to a stack's registry (`mlfleet images push`)."""
