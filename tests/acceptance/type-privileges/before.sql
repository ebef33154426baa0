CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (x integer, y integer);
CREATE TABLE t (m mood, p posint, q pair);
