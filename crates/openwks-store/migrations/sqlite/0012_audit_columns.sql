-- The audit trail is filtered and paged in SQL (issue 14): the result and the user's name get
-- columns of their own; retention deletes by time.
ALTER TABLE audit_events ADD COLUMN result TEXT NOT NULL DEFAULT 'allowed';
ALTER TABLE audit_events ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
UPDATE audit_events SET result = COALESCE(json_extract(doc, '$.result'), 'allowed'),
    user_name = COALESCE(json_extract(doc, '$.user_name'), '');
CREATE INDEX audit_events_time ON audit_events(time_ms);
