-- Created a table for tags, and created a table called product_tags as an association table between products and tags.
--
-- Revision ID: 6e58a26e5c70
-- Revises: 960969e75871
-- Create Date: 2026-11-24 07:41:52

-- migrate:upgrade
CREATE TABLE public.tags (
    tag_id integer GENERATED ALWAYS AS IDENTITY NOT NULL,
    name character varying NOT NULL,
    CONSTRAINT tags_pkey PRIMARY KEY (tag_id),
    CONSTRAINT tags_name_key UNIQUE (name)
);

CREATE TABLE public.product_tags (
    product_id integer NOT NULL,
    tag_id integer NOT NULL,
    CONSTRAINT product_tags_pkey PRIMARY KEY (product_id, tag_id),
    CONSTRAINT product_tags_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products (product_id) ON DELETE CASCADE,
    CONSTRAINT product_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags (tag_id) ON DELETE CASCADE
);

-- migrate:downgrade
-- DESTRUCTIVE: drops table product_tags and all its rows
DROP TABLE public.product_tags;

-- DESTRUCTIVE: drops table tags and all its rows
DROP TABLE public.tags;
