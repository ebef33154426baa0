//! Fleets with models: one plan for many tenant schemas (`revision --autogenerate --fleet`),
//! written once all of them are shown to be in the same state; a drifted tenant is named with
//! its difference and nothing is written; `check --fleet` agrees after the fleet upgrades.

use std::path::Path;
use std::process::ExitCode;

use crate::support::{fresh_database, lines};
use crate::workflow::{project_dir, run, scripts};

#[test]
fn one_plan_for_many_tenants_and_a_drifted_tenant_is_named() {
    let dir = project_dir("fleet-plan");
    // The seed's first two revisions: the models (the seed's) add tags and product_tags.
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecommerce/migrations");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.starts_with("6e58a26e5c70") {
            std::fs::copy(&path, dir.join("migrations").join(&name)).unwrap();
        }
    }
    let db = fresh_database();
    db.connect()
        .unwrap()
        .batch_execute("CREATE SCHEMA acme; CREATE SCHEMA globex; CREATE SCHEMA initech;")
        .unwrap();
    let config = dir.join("model.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[fleets.tenants]\nurls = ['{}']\ntenants = [\"acme\", \"globex\", \"initech\"]\n",
        db.url()
    ));
    std::fs::write(&config, text).unwrap();
    let cli = |args: &[&str]| {
        let mut all = vec!["--fleet", "tenants"];
        all.extend_from_slice(args);
        run(&dir, &all, ecommerce::models())
    };
    assert_eq!(cli(&["upgrade", "head"]), ExitCode::SUCCESS);
    // Not at the models yet: check says so (exit 2).
    assert_eq!(cli(&["check"]), ExitCode::from(2));

    // One tenant drifted by hand: named, and nothing written.
    db.connect()
        .unwrap()
        .batch_execute("ALTER TABLE globex.customers ADD COLUMN vip boolean")
        .unwrap();
    let original = scripts(&dir);
    let before = original.len();
    assert_eq!(
        cli(&["revision", "--autogenerate", "-m", "tags"]),
        ExitCode::FAILURE
    );
    assert_eq!(scripts(&dir).len(), before);
    db.connect()
        .unwrap()
        .batch_execute("ALTER TABLE globex.customers DROP COLUMN vip")
        .unwrap();

    // All alike: one revision, written against one of them (proven on a copy), for all.
    assert_eq!(
        cli(&["revision", "--autogenerate", "-m", "tags"]),
        ExitCode::SUCCESS
    );
    assert_eq!(scripts(&dir).len(), before + 1);
    let new = scripts(&dir)
        .into_iter()
        .find(|p| !original.contains(p))
        .unwrap();
    let script = std::fs::read_to_string(new).unwrap();
    assert!(script.contains("CREATE TABLE public.tags"), "{script}");
    assert_eq!(cli(&["upgrade", "head"]), ExitCode::SUCCESS);
    assert_eq!(cli(&["check"]), ExitCode::SUCCESS);
    assert_eq!(
        lines(
            &mut db.connect().unwrap(),
            "SELECT n.nspname || '.' || c.relname FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = 'product_tags' ORDER BY 1"
        ),
        [
            "acme.product_tags",
            "globex.product_tags",
            "initech.product_tags"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

mod tickets {
    use model_core::{Enum, Model};

    #[derive(Enum)]
    #[model(name = "ticket_status")]
    pub enum Status {
        Open,
        Closed,
    }

    #[derive(Model)]
    #[model(
        table = "tickets",
        check(
            name = "closed_has_reason",
            expr = "status <> 'closed' OR reason IS NOT NULL"
        )
    )]
    pub struct Ticket {
        #[model(primary_key)]
        pub id: i32,
        // The type unqualified, as one writes it: it resolves in each tenant's schema.
        #[model(default = "'open'::ticket_status")]
        pub status: Status,
        pub reason: Option<String>,
    }
}

/// Tenant schemas with an enum type, a default and a check that name it: the models are
/// compared in each tenant's own schema (where the type is), so `check --fleet` is clean after
/// the upgrade and autogenerate finds the models' next change. The models' expressions used
/// to be canonicalized against the scripts' schema (`public.ticket_status` does not exist in a
/// tenant database), which failed.
#[test]
fn tenants_with_an_enum_compare_in_their_own_schema() {
    let dir = project_dir("fleet-enum");
    let db = fresh_database();
    db.connect()
        .unwrap()
        .batch_execute("CREATE SCHEMA t_one; CREATE SCHEMA t_two;")
        .unwrap();
    let config = dir.join("model.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[fleets.tenants]\nurls = ['{}']\ntenants = \"t_*\"\n",
        db.url()
    ));
    std::fs::write(&config, text).unwrap();
    let models = || model_core::models![tickets::Ticket; tickets::Status];
    let cli = |args: &[&str]| {
        let mut all = vec!["--fleet", "tenants"];
        all.extend_from_slice(args);
        run(&dir, &all, models())
    };
    assert_eq!(
        cli(&["revision", "--autogenerate", "-m", "tickets"]),
        ExitCode::SUCCESS
    );
    assert_eq!(scripts(&dir).len(), 1);
    assert_eq!(cli(&["upgrade", "head"]), ExitCode::SUCCESS);
    assert_eq!(cli(&["check"]), ExitCode::SUCCESS);
    assert_eq!(
        lines(
            &mut db.connect().unwrap(),
            "SELECT n.nspname || ' ' || pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
             JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = 'tickets' ORDER BY 1"
        ),
        [
            "t_one 'open'::t_one.ticket_status",
            "t_two 'open'::t_two.ticket_status"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
