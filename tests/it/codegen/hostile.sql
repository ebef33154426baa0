CREATE TABLE "Option" (id int PRIMARY KEY, "self" int, "Self" int, "Name" text, name text, "_" int, "Some" int, "ä" int, "ö" int, "type" int, "r#type" int);
CREATE TABLE "Result" (id int PRIMARY KEY, opt int REFERENCES "Option"(id));
CREATE TABLE "Model" (id int PRIMARY KEY);
CREATE TABLE "ModelSet" (id int PRIMARY KEY, "Model" int REFERENCES "Model");
CREATE TABLE "Enum" (id int PRIMARY KEY);
CREATE TABLE "Vec" ("Box" int PRIMARY KEY);
CREATE TYPE "Kind" AS ENUM ('a', 'b');
CREATE TYPE "Some" AS ENUM ('Some', 'None', 'Self');
CREATE TYPE "we
ird" AS ENUM ('x y', 'X Y', 'new
line', '');
CREATE TABLE uses_kinds (id int PRIMARY KEY, k "Kind", w "we
ird", o "Some", ks "Kind"[]);
CREATE TABLE "a.b" (id int PRIMARY KEY, "x.y" int UNIQUE, "c,d" int, "(e)" int, UNIQUE ("c,d", "(e)"));
CREATE TABLE refs_ab (id int PRIMARY KEY, ab int REFERENCES "a.b"(id), xy int REFERENCES "a.b"("x.y"), cd int, e int, FOREIGN KEY (cd, e) REFERENCES "a.b"("c,d", "(e)"));
CREATE SCHEMA "s.x";
CREATE TABLE "s.x"."t.y" (id int PRIMARY KEY, " padded " int);
CREATE TABLE "s.x".child (id int PRIMARY KEY, parent int REFERENCES "s.x"."t.y");
CREATE VIEW "v.1" AS SELECT 1 AS x;
CREATE VIEW "s.x"."v.2" AS SELECT 2 AS y;
CREATE SEQUENCE "s.1" START 7;
CREATE SEQUENCE "s.x"."s.2" OWNED BY "s.x"."t.y".id;
CREATE TABLE "my table" ("my column" int, "$$" text, "--" text, ";" text, "'" text, """" text);
CREATE TABLE "日本" ("名前" text PRIMARY KEY);
CREATE TABLE "self" (id int PRIMARY KEY, "self" int REFERENCES "self");
