CREATE EXTENSION btree_gist; CREATE TABLE rooms (id int, valid tstzrange); CREATE TABLE stays (room int, during tstzrange);
