CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN good_mood AS mood CHECK (VALUE <> 'sad');
CREATE TABLE t (m good_mood);
