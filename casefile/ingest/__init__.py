"""Drafting an account from an article, a letter or an interview (issue 22)."""
