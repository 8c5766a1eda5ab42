-- openwks schema, version 7: app servers are servers of a server group.
ALTER TABLE servers ADD COLUMN app_server_group_id TEXT;
CREATE INDEX servers_app_server_group ON servers(app_server_group_id);
