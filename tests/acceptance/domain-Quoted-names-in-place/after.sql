CREATE SCHEMA "Sales Data";
CREATE DOMAIN "Sales Data"."Amount $$" AS integer DEFAULT 0 CONSTRAINT "no -- ; ""negative""" CHECK (VALUE >= 0) CONSTRAINT "bounded
two lines" CHECK (VALUE < 1000000);
CREATE TABLE "Sales Data"."Orders" ("Total" "Sales Data"."Amount $$");
