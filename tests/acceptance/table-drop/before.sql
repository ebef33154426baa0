CREATE TABLE items (id bigint PRIMARY KEY, name text);
CREATE TABLE keep (id int);
