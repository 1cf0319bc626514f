"""Capacity (issue 13): allocations, /pmo people, over-allocation."""
