-- Drains (issue 18): when a drained server's drain ends, as a column with a partial index, so
-- the scaling controller finds the drained servers without reading every server's document.
ALTER TABLE servers ADD COLUMN drain_until_ms INTEGER;
UPDATE servers SET drain_until_ms = json_extract(doc, '$.app.drain.until_ms')
    WHERE doc LIKE '%"drain":{%';
CREATE INDEX servers_drain ON servers(drain_until_ms) WHERE drain_until_ms IS NOT NULL;
