CREATE COLLATION nat (provider = icu, locale = 'und-u-kn-true');
CREATE TABLE t (a text COLLATE nat);
CREATE INDEX t_a ON t (a COLLATE "C");
