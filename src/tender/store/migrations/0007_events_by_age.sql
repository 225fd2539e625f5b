-- Events lose the index on `created` alone (issue 7): every event INSERT paid for it, and
-- only retention read it.  Retention now walks `events_by_created` account by account.
DROP INDEX IF EXISTS events_by_age;
