"""casefile: a command-line case-file manager for defection accounts."""
