CREATE SCHEMA "Odd ""Schema""";
CREATE TABLE "Odd ""Schema""".";-- drop" ("Region $$" text, "select" text, "naïve
name" text);
