-- PostgreSQL dialect of ../0001_initial.sql (same version, same shape).
-- Accounts, their API keys (secret keys stored as SHA-256 hashes), every resource as a
-- JSON document with the columns the list filters need, events, idempotency records.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    created BIGINT NOT NULL,
    settings TEXT NOT NULL
);

CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,          -- secret | publishable
    last4 TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires_at BIGINT           -- NULL: never
);

CREATE TABLE objects (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    type TEXT NOT NULL,
    created BIGINT NOT NULL,
    customer TEXT,
    parent TEXT,                 -- payment_intent of a charge, charge of a refund
    status TEXT,
    doc TEXT NOT NULL,
    private TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX objects_by_type ON objects(account, type, created DESC, id DESC);
CREATE INDEX objects_by_customer ON objects(account, type, customer, created DESC, id DESC)
    WHERE customer IS NOT NULL;
CREATE INDEX objects_by_parent ON objects(account, type, parent, created DESC, id DESC)
    WHERE parent IS NOT NULL;

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    type TEXT NOT NULL,
    created BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX events_by_created ON events(account, created DESC, id DESC);

CREATE TABLE idempotency_keys (
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    params_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body BYTEA NOT NULL,
    request_id TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE INDEX idempotency_by_created ON idempotency_keys(created);
