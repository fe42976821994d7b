"""The OpenID Provider for the single sign-on tests (provider.mjs + provider.py)."""
