"""Curator tools: start an exhibit from a folder, captions through a spreadsheet."""
