"""xAPI: statements (pure builders), the outbox (receivers of the learning signals) and the
sender (`flask xapi send`)."""
