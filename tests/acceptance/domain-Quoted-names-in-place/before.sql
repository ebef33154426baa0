CREATE SCHEMA "Sales Data";
CREATE DOMAIN "Sales Data"."Amount $$" AS integer CONSTRAINT "no -- ; ""negative""" CHECK (VALUE >= 0);
CREATE TABLE "Sales Data"."Orders" ("Total" "Sales Data"."Amount $$");
