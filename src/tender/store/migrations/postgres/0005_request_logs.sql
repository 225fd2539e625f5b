-- PostgreSQL dialect of ../0005_request_logs.sql (same version, same shape).
-- Dashboard (issue 8). `request_logs`: one row per API request, written in batches by
-- `tender.api.request_log` (at most a second late) and pruned by age and count. It
-- holds the key's kind and last four characters, never a key, a client secret, card
-- data or a request body. Rows of all accounts share the table, newest last (id).
CREATE TABLE request_logs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,  -- when the answer was ready (epoch seconds)
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    key_kind TEXT,                      -- secret | publishable, NULL when no key authenticated
    key_last4 TEXT,
    duration_ms DOUBLE PRECISION NOT NULL
);
CREATE INDEX request_logs_by_account ON request_logs(account, id);
CREATE INDEX request_logs_by_request ON request_logs(request_id);
CREATE INDEX request_logs_by_age ON request_logs(created);

-- A payment's timeline reads the events about its intent, charges and refunds through
-- this column (the id of `data.object`), not by scanning every event since it began.
ALTER TABLE events ADD COLUMN object_id TEXT;
UPDATE events SET object_id = doc::jsonb #>> '{data,object,id}';
CREATE INDEX events_by_object ON events(account, object_id, created, id)
