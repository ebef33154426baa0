#![allow(dead_code)] // Models are metadata here; their fields are never read.

//! Integration tests, one binary (links once). Every database test runs against a real
//! PostgreSQL: `DATABASE_URL` when set, otherwise a throwaway cluster started on first use.

mod acceptance;
mod asynchronous;
mod codegen;
mod codegen_names;
mod cross_model;
mod declared;
mod embedded;
mod enum_labels;
mod erd;
mod fidelity;
mod fleet;
mod guards;
mod hazards;
mod hostile;
mod kitchen_sink;
mod layout;
mod naming;
mod objects;
mod online;
mod ops;
mod property;
mod readme;
mod registry;
mod renames;
mod render;
mod roundtrip;
mod runner;
mod seed;
mod seed_steps;
mod shared_read;
mod splitting;
mod squawk;
mod support;
mod throwaway;
mod tls;
mod ui;
mod verify;
mod versions;
mod workflow;
