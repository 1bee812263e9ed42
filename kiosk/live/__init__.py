"""Edits while the show runs: watching files, re-reading them, swapping in what is good."""
