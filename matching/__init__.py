"""Matchmaking and meeting-scheduling algorithms for Meet-X events.

A pure library: numerical and optimisation code only, no web framework or database imports.
"""
