"""Accounts and roles: users, password hashing, API tokens, login sessions and the login rate limit."""
