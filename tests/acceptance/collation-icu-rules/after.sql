-- needs: PostgreSQL 16
CREATE COLLATION letters_first (provider = icu, locale = 'und', rules = '&9 < a'); CREATE TABLE t (s text COLLATE letters_first);
