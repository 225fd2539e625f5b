-- PostgreSQL dialect of ../0003_webhooks.sql (same version, same shape).
-- Webhooks (issue 4). Endpoints are `objects` rows of type webhook_endpoint, their
-- signing secrets and failure streak in the `private` column. `deliveries` is the
-- durable outbox: one row per (event, endpoint), written in the same transaction as
-- the event. `delivery_attempts` records every POST tender made.

CREATE TABLE deliveries (
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    account TEXT NOT NULL,
    status TEXT NOT NULL,           -- pending, succeeded, failed (gave up or disabled), canceled (endpoint deleted)
    attempts BIGINT NOT NULL DEFAULT 0,
    created DOUBLE PRECISION NOT NULL,
    window_start DOUBLE PRECISION NOT NULL,     -- retries stop a configured time after this (creation or the last resend)
    next_attempt_at DOUBLE PRECISION,           -- pending only. A claim moves it past the lease, so a crashed dispatcher's work comes due again
    claim TEXT,                     -- the token of the dispatcher that holds it
    last_attempt_at DOUBLE PRECISION,
    last_status_code BIGINT,
    last_error TEXT,
    PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_endpoint ON deliveries(endpoint_id, status);

CREATE TABLE delivery_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account TEXT NOT NULL,
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    url TEXT NOT NULL,
    attempted_at DOUBLE PRECISION NOT NULL,
    succeeded BIGINT NOT NULL,
    status_code BIGINT,            -- NULL when no response came (timeout, refused)
    latency_ms DOUBLE PRECISION NOT NULL,
    response_body TEXT,             -- the first bytes of the answer
    error TEXT
);
CREATE INDEX attempts_by_endpoint ON delivery_attempts(endpoint_id, id DESC);
CREATE INDEX attempts_by_event ON delivery_attempts(event_id);

-- Event list filters and the 30-day retention sweep.
CREATE INDEX events_by_type ON events(account, type, created DESC, id DESC);
CREATE INDEX events_by_age ON events(created)
