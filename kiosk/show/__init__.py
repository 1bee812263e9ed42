"""What the curator wrote: manifests, settings, their problems and validation."""
