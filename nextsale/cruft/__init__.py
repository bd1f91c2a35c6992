"""Comment, share and platform cruft: the rules and the cleaner (see README.md)."""
