CREATE FOREIGN DATA WRAPPER w OPTIONS (debug 'true');
CREATE SERVER s TYPE 'pg' VERSION '15' FOREIGN DATA WRAPPER w OPTIONS (host 'db.internal', port '5432');
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE FOREIGN TABLE "Remote ""Items""" (id integer NOT NULL, label text OPTIONS (column_name 'name') COLLATE "C", m mood DEFAULT 'ok') SERVER s OPTIONS (schema_name 'public', table_name 'items');
CREATE VIEW remote_ids AS SELECT id FROM "Remote ""Items""";
