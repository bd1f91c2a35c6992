"""The benchmark: our build against vanilla Pelican on a generated corpus."""
