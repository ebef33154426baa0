CREATE TABLE "CamelCase" ("Id" int PRIMARY KEY, "Value" text);
