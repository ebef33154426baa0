CREATE SCHEMA "MixedCase"; CREATE TABLE "MixedCase"."Orders" ("Id" int PRIMARY KEY); CREATE TABLE "MixedCase".lines (o int REFERENCES "MixedCase"."Orders");
