CREATE TYPE address AS (street text, zip varchar(10), country char(2), "Floor No" integer);
CREATE TABLE people (id integer PRIMARY KEY, home address, work address[]);
