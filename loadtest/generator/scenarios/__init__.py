"""Locust scenarios, one module per family. Every response is checked (status and body):
a wrong answer is a failure, not a fast request."""
