CREATE TYPE tag AS ENUM ('a', 'c');
CREATE TABLE t (tags tag[] DEFAULT '{a}');
