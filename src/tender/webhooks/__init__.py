"""Webhook delivery: signatures (`signing`), the retry schedule (`retry`), and the
dispatcher that drains the durable outbox (`dispatcher`)."""
