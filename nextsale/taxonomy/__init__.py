"""The tag taxonomy: the file's model and lookups (core) and its lint (lint)."""
