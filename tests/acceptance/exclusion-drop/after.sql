CREATE EXTENSION btree_gist; CREATE TABLE r (room int, during tsrange);
