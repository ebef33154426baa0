-- needs: PostgreSQL 18
CREATE EXTENSION btree_gist;
CREATE TABLE rooms (id int, valid tstzrange, PRIMARY KEY (id, valid WITHOUT OVERLAPS));
CREATE TABLE stays (room int, during tstzrange, UNIQUE (room, during WITHOUT OVERLAPS), FOREIGN KEY (room, PERIOD during) REFERENCES rooms (id, PERIOD valid));
