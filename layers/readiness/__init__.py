"""Readiness for each title (issue 15): the checklists, how each item is measured (from the
layers, the cases, or entered with evidence), the verdict with veto items first, and the
snapshots over time with a projection to each item's target date."""
