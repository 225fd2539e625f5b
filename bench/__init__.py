"""`make bench`: tender's load benchmark (issue #7). See docs/performance.md."""
