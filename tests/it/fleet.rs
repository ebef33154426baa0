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

/// `check --format json` over a fleet: which targets are not at head, which differ from the
/// models (here the seed's second step, so a database at the head revision differs by the
/// tags tables), and exit 2 on drift. The report is the command's stdout, so the command runs
/// in a child process of this test binary.
#[test]
fn check_reports_each_targets_drift_as_json() {
    if let Ok(args) = std::env::var("MODEL_TEST_FLEET_CHECK_CHILD") {
        let args: Vec<&str> = args.split('\u{1f}').collect();
        let (dir, args) = args.split_first().unwrap();
        let models = || {
            use crate::seed_steps::step2;
            model_core::models![
                step2::Customer,
                step2::OrderProduct,
                step2::Order,
                step2::Product
            ]
        };
        let code = run(Path::new(dir), args, models());
        println!(
            "\nEXIT {}",
            if code == ExitCode::SUCCESS {
                0
            } else if code == ExitCode::from(2) {
                2
            } else {
                1
            }
        );
        return;
    }
    let dir = project_dir("fleet-check-json");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ecommerce/migrations");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.join("migrations").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let dbs: Vec<_> = (0..3).map(|_| fresh_database()).collect();
    assert_eq!(
        run(
            &dir,
            &["--url", dbs[0].url(), "upgrade", "head"],
            ecommerce::models()
        ),
        ExitCode::SUCCESS
    );
    let file = dir.join("targets.txt");
    std::fs::write(
        &file,
        dbs.iter()
            .map(|d| format!("{}\n", d.url()))
            .collect::<String>(),
    )
    .unwrap();
    let args = [
        dir.to_str().unwrap(),
        "--targets",
        file.to_str().unwrap(),
        "check",
        "--format",
        "json",
    ]
    .join("\u{1f}");
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fleet::check_reports_each_targets_drift_as_json",
            "--nocapture",
        ])
        .env("MODEL_TEST_FLEET_CHECK_CHILD", args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let start = stdout.find('{').expect("a JSON report");
    let end = stdout.rfind('}').unwrap() + 1;
    assert!(stdout.contains("\nEXIT 2\n"), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout[start..end]).unwrap();
    assert_eq!(report["heads"], serde_json::json!(["6e58a26e5c70"]));
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3);
    assert_eq!(targets[0]["at_head"], true);
    assert_eq!(targets[0]["differs_from_models"], true);
    assert!(targets[0]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d.as_str().unwrap().contains("tags")));
    for t in &targets[1..] {
        assert_eq!(t["at_head"], false);
        assert_eq!(t["current"], serde_json::json!([]));
        assert!(t["error"].is_null());
    }
}

/// The fleet engine from a Rust program, without the command line: targets from a fleet of
/// tenant schemas, a canary that fails leaves the rest untouched, a database read once for
/// all its tenants, and the consensus names the drifted tenant and picks no representative.
#[test]
fn a_rust_program_drives_a_fleet_without_the_command_line() {
    use model_core::config::{Config, Fleet, Tenants};
    use model_core::fleet::{self, Outcome, Policy, Source, Watch};
    use std::sync::Mutex;

    let db = fresh_database();
    db.connect()
        .unwrap()
        .batch_execute(
            "CREATE SCHEMA t1; CREATE SCHEMA t2; CREATE SCHEMA t3; CREATE SCHEMA other;
             CREATE TABLE t1.a (id int); CREATE TABLE t2.a (id int);
             CREATE TABLE t3.a (id int, drifted text);",
        )
        .unwrap();
    let mut config = Config::default();
    config.fleets.insert(
        "tenants".into(),
        Fleet {
            urls: vec![db.url().to_string()],
            tenants: Some(Tenants::Pattern("t?".into())),
            ..Fleet::default()
        },
    );
    let source = Source {
        fleet: Some("tenants".into()),
        file: None,
    };
    let targets = fleet::targets(&config, Path::new("model.toml"), &source, &|| Ok(None)).unwrap();
    let tenants: Vec<_> = targets.iter().map(|t| t.tenant_schema().unwrap()).collect();
    assert_eq!(tenants, ["t1", "t2", "t3"]);
    assert!(
        !targets[0].name().contains("password"),
        "{}",
        targets[0].name()
    );

    // A failing canary: the others are skipped, and the watch hears of it.
    #[derive(Default)]
    struct Heard(Mutex<Vec<String>>);
    impl Watch for Heard {
        fn finished(&self, t: &fleet::Target, ok: bool, _: std::time::Duration) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {ok}", t.tenant_schema().unwrap()));
        }
        fn canary(&self, passed: bool, canary: usize, rest: usize) {
            self.0
                .lock()
                .unwrap()
                .push(format!("canary {passed} {canary} {rest}"));
        }
    }
    let heard = Heard::default();
    let policy = Policy {
        jobs: 2,
        keep_going: false,
        canary: Some(1),
    };
    let outcomes = fleet::rollout(policy, &targets, &heard, &|_t: &fleet::Target| {
        Err::<(), _>("refused")
    });
    assert!(matches!(&outcomes[0], Outcome::Failed(e, _) if e == "refused"));
    assert!(matches!(outcomes[1], Outcome::Skipped));
    assert!(matches!(outcomes[2], Outcome::Skipped));
    assert_eq!(*heard.0.lock().unwrap(), ["t1 false", "canary false 1 2"]);

    // Keep going: every target runs, a panic is that target's failure.
    let policy = Policy {
        canary: None,
        keep_going: true,
        ..policy
    };
    let outcomes = fleet::rollout(policy, &targets, &(), &|t: &fleet::Target| {
        if t.tenant_schema() == Some("t2") {
            panic!("boom");
        }
        Ok::<_, String>(t.tenant_schema().unwrap().len())
    });
    assert!(matches!(outcomes[0], Outcome::Done(2, _)));
    assert!(matches!(&outcomes[1], Outcome::Failed(e, _) if e.contains("panicked")));
    assert!(matches!(outcomes[2], Outcome::Done(2, _)));

    // Read once per database; t3 differs from the other two and is named.
    assert_eq!(fleet::database_count(&targets), 1);
    let read = fleet::read_all(&config, &targets, 2, &());
    let found = fleet::consensus(&config, &[], &targets, read);
    assert_eq!(found.groups.len(), 2, "{found:?}");
    assert_eq!(found.groups[0].1, [0, 1]);
    assert_eq!(found.problems.len(), 1, "{found:?}");
    assert!(found.problems[0].1.contains("drifted"), "{found:?}");
    assert_eq!(found.representative(), None);

    // Not at head as well: t3 has two problems, and is one target out of line of three.
    let read = fleet::read_all(&config, &targets, 2, &());
    let found = fleet::consensus(&config, &["a0cf7f5d705d".to_string()], &targets, read);
    assert_eq!(found.problems.len(), 4, "{found:?}");
    assert_eq!(found.targets_out_of_line(), 3, "{found:?}");
}

/// A tenant's domain over a type of its own schema, and a composite type with an attribute of
/// one, seen as the scripts' schema: the same as the template's, so no change (their in-place
/// parts name the schema too, and move with it).
#[test]
fn a_tenants_types_over_its_own_types_match_the_template() {
    use model_core::autogenerate::as_template;
    use model_core::migrate::SchemaMap;

    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let objects = |schema: &str| {
        format!(
            "CREATE TYPE {schema}.mood AS ENUM ('calm', 'busy');
             CREATE DOMAIN {schema}.feeling AS {schema}.mood DEFAULT 'calm'::{schema}.mood
                 CONSTRAINT known CHECK (VALUE <> 'busy'::{schema}.mood);
             CREATE TYPE {schema}.pair AS (first {schema}.mood, second {schema}.feeling);"
        )
    };
    client
        .batch_execute(&format!(
            "CREATE SCHEMA template; CREATE SCHEMA tenant_1; {} {}",
            objects("template"),
            objects("tenant_1")
        ))
        .unwrap();
    let read = |schema: &str, client: &mut postgres::Client| {
        model_core::introspect::introspect(
            client,
            &model_core::introspect::Options {
                schemas: vec![schema.to_string()],
            },
        )
        .unwrap()
    };
    let mut template = read("template", &mut client);
    model_core::autogenerate::without_schema_object(&mut template, "template");
    let tenant = as_template(
        read("tenant_1", &mut client),
        &SchemaMap {
            from: "template".into(),
            to: "tenant_1".into(),
        },
    );
    let plan = model_core::diff::diff(&tenant, &template);
    let changes: Vec<String> = plan.upgrade.iter().map(|op| op.describe()).collect();
    assert!(changes.is_empty(), "{changes:#?}");
}
