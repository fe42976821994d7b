"""Voortgang (matrix, CSV), Vragen-inzicht and the cache of built reports."""
