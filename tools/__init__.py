"""Developer tools: sample-archive and test-fixture generators (not installed with the package)."""
