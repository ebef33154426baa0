-- needs: PostgreSQL 17
CREATE COLLATION plain_utf8 (provider = builtin, locale = 'C.UTF-8'); CREATE TABLE t (s text COLLATE plain_utf8);
