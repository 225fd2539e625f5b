-- PostgreSQL dialect of ../0004_search.sql (same version, same shape).
-- Search without scanning (issue 7). A search walks an index newest first and decodes
-- only the candidates its indexable clauses admit (tender.core.search.plan).
--
-- `status:"x"` pages on this index. It also serves the background jobs' look-ups by
-- (type, status, account), so it replaces 0002's unordered objects_by_status.
CREATE INDEX objects_by_status_created ON objects(account, type, status, created DESC, id DESC)
    WHERE status IS NOT NULL;
DROP INDEX objects_by_status;

-- `metadata["k"]:"v"`: one row per string metadata value, kept in step with `objects`
-- by the store's insert, update and delete. `value` is lowercased (token matches ignore
-- case), `created` is the object's, so a key and value page newest first.
CREATE TABLE object_metadata (
    account TEXT NOT NULL,
    type TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created BIGINT NOT NULL,
    object_id TEXT NOT NULL,
    PRIMARY KEY (object_id, key)
);
CREATE INDEX object_metadata_by_value
    ON object_metadata(account, type, key, value, created DESC, object_id DESC);

-- Existing objects, lowercased as SQLite's migration does (ASCII letters, and the
-- Kelvin sign to an ASCII k) whatever the database's locale: the search leaves values
-- with other characters to the row-by-row match.
INSERT INTO object_metadata (account, type, key, value, created, object_id)
SELECT o.account, o.type, m.key,
       replace(translate(m.value #>> '{}', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
               chr(8490), 'k'),
       o.created, o.id
FROM objects o,
     jsonb_each(CASE WHEN jsonb_typeof(o.doc::jsonb -> 'metadata') = 'object'
                     THEN o.doc::jsonb -> 'metadata' END) AS m
WHERE jsonb_typeof(m.value) = 'string';
