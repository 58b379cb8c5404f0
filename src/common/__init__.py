"""Foundations shared by every layer: types, errors, configuration, row kinds."""
