-- Charge attempts (issue 6): money movement is recorded before it is attempted.  With a
-- remote processor, one row is written (status pending) in the unit of work that puts
-- the PaymentIntent in `processing`, before the processor is called, and the unit that
-- applies the processor's answer resolves it.  Rows still pending after a crash are
-- settled on start by asking the processor by attempt id (tender.services.charge_attempts).

CREATE TABLE charge_attempts (
    id TEXT PRIMARY KEY,            -- chatt_…: the idempotency key the processor sees
    account TEXT NOT NULL,
    payment_intent TEXT NOT NULL,
    status TEXT NOT NULL,           -- pending, resolved (the answer was applied), failed (the processor never saw it)
    created REAL NOT NULL,
    request TEXT NOT NULL,          -- the AuthorizationRequest sent, JSON
    context TEXT NOT NULL,          -- what applying the answer needs: confirm flags, request id, how to answer the API request
    outcome TEXT,                   -- approved, declined, authentication_required, not_seen
    resolved REAL
);
CREATE INDEX charge_attempts_pending ON charge_attempts(created) WHERE status = 'pending';
CREATE INDEX charge_attempts_by_intent ON charge_attempts(payment_intent)
