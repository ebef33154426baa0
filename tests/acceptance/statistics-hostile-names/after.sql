CREATE SCHEMA "Odd ""Schema""";
CREATE TABLE "Odd ""Schema""".";-- drop" ("Region $$" text, "select" text, "naïve
name" text);
CREATE STATISTICS "Odd ""Schema"""."Stats; DROP TABLE x; --" (mcv)
    ON "Region $$", "select", ("naïve
name" || '$$--;') FROM "Odd ""Schema""".";-- drop";
COMMENT ON STATISTICS "Odd ""Schema"""."Stats; DROP TABLE x; --" IS 'it''s $$ -- ;';
