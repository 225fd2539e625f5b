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
    created INTEGER NOT NULL,
    object_id TEXT NOT NULL
);
CREATE UNIQUE INDEX object_metadata_by_object ON object_metadata(object_id, key);
CREATE INDEX object_metadata_by_value
    ON object_metadata(account, type, key, value, created DESC, object_id DESC);

-- Existing objects. SQLite's lower() folds ASCII letters only: the search leaves values
-- with other characters to the row-by-row match. The Kelvin sign, whose lowercase is
-- an ASCII k, is folded by hand.
INSERT INTO object_metadata (account, type, key, value, created, object_id)
SELECT o.account, o.type, m.key, replace(lower(m.value), char(8490), 'k'), o.created, o.id
FROM objects o, json_each(CAST(o.doc AS TEXT), '$.metadata') m
WHERE m.type = 'text';
