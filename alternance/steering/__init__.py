"""Steering: the indicators of the dashboard and of the weekly meeting."""
