CREATE TABLE "CamelCase" ("Id" bigint PRIMARY KEY, "Value" text NOT NULL, "New;Col" int);
