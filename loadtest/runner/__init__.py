"""`make loadtest`: bring each topology up, verify it, warm it up, measure it, tear it down."""
