"""Plain-Python rules shared by the apps (no Django models here)."""
