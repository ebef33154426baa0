CREATE TABLE "drop table x; --" ("$$" int, "a""b" text, "new
line" int);
CREATE TABLE "Ünïcode Tåble" ("select" int PRIMARY KEY, "from" text);
