CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."Order Lines" ("Line ID" int PRIMARY KEY, "select" text, "ünïcode" text);
CREATE INDEX "Order Lines ""odd"" idx" ON "Sales Dept"."Order Lines" ("select");
