-- PostgreSQL dialect of ../0002_status_index.sql (same version, same shape).
-- Background jobs find objects by status (uncaptured authorisations that expire).
CREATE INDEX objects_by_status ON objects(type, status, account) WHERE status IS NOT NULL;
