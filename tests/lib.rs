//! Integration tests live in `it/`; this crate has no library code of its own. Its doc tests
//! are the guide's Rust examples: each page of `docs/` is compiled here (and run, unless the
//! example says `no_run` because it needs a database), so an example that stops compiling
//! fails the suite. The README's own examples are built by `it/readme.rs`.

#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../docs/models.md")]
    pub struct Models;
    #[doc = include_str!("../docs/workflow.md")]
    pub struct Workflow;
    #[doc = include_str!("../docs/reference.md")]
    pub struct Reference;
    #[doc = include_str!("../docs/production.md")]
    pub struct Production;
    #[doc = include_str!("../docs/fleets.md")]
    pub struct Fleets;
    #[doc = include_str!("../docs/embedding.md")]
    pub struct Embedding;
    #[doc = include_str!("../docs/codegen-and-erd.md")]
    pub struct CodegenAndErd;
    #[doc = include_str!("../docs/library.md")]
    pub struct Library;
    #[doc = include_str!("../docs/postgres.md")]
    pub struct Postgres;
    #[doc = include_str!("../docs/coverage.md")]
    pub struct Coverage;
    #[doc = include_str!("../docs/development.md")]
    pub struct Development;
}
