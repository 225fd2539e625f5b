"""Example merchant applications that run against tender."""
