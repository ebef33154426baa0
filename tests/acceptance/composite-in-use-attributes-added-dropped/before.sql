CREATE TYPE address AS (street text, city text, zip varchar(10));
CREATE TABLE people (id integer PRIMARY KEY, home address, work address[]);
