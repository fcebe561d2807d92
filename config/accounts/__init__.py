"""Accounts: login throttling (django-axes) and the office's view of it."""
