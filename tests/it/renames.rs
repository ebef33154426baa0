//! Declared renames (issue 11): each case builds `before` with rows in it, diffs it to `after`
//! with rename hints, and proves on PostgreSQL that the upgrade reaches `after` (a second diff
//! is empty), that the rows are still there under the new names, that the downgrade gives
//! `before` back with the rows under the old names, and that the plan holds no operation but
//! the renames and the changes the case allows: nothing renamed is dropped and added, and
//! what PostgreSQL renames by itself (indexes, keys, checks, policies, triggers, foreign keys
//! onto the table) is not rebuilt.

use model_core::diff::{diff, diff_with_renames, Op, Rename};
use model_core::introspect::{self, Options};
use model_core::kinds::{Change, KindChange};
use model_core::render;
use model_core::schema::TableName;

use crate::support::{db_message, fresh_database, lines, schema_of};

fn t(name: &str) -> TableName {
    TableName::parse(name)
}

fn column(table: &str, from: &str, to: &str) -> Rename {
    Rename::Column {
        table: t(table),
        from: from.into(),
        to: to.into(),
    }
}

struct Case {
    name: &'static str,
    before: &'static str,
    /// Rows, run on `before`.
    data: &'static str,
    after: &'static str,
    renames: Vec<Rename>,
    /// Reads the rows under the old names and under the new ones: both give the same lines.
    read_before: &'static str,
    read_after: &'static str,
    /// Operations other than renames the plan may hold, by the start of their description.
    allowed: &'static [&'static str],
    /// The schemas compared.
    schemas: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "nullable column",
            before: "CREATE TABLE customers (id integer PRIMARY KEY, full_name text)",
            data: "INSERT INTO customers VALUES (1, 'Ada'), (2, NULL)",
            after: "CREATE TABLE customers (id integer PRIMARY KEY, display_name text)",
            renames: vec![column("customers", "full_name", "display_name")],
            read_before: "SELECT id, full_name FROM customers ORDER BY id",
            read_after: "SELECT id, display_name FROM customers ORDER BY id",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "column renamed and retyped",
            before: "CREATE TABLE t (id integer PRIMARY KEY, n integer NOT NULL)",
            data: "INSERT INTO t VALUES (1, 10), (2, 20)",
            after: "CREATE TABLE t (id integer PRIMARY KEY, amount bigint)",
            renames: vec![column("t", "n", "amount")],
            read_before: "SELECT id, n FROM t ORDER BY id",
            read_after: "SELECT id, amount FROM t ORDER BY id",
            allowed: &["type change", "NULL allowed"],
            schemas: &["public"],
        },
        Case {
            name: "column with dependents PostgreSQL renames itself",
            before: "CREATE TABLE p (code text PRIMARY KEY);
                     CREATE TABLE c (id integer PRIMARY KEY, code text REFERENCES p (code) UNIQUE,
                                     qty integer CHECK (qty > 0), twice integer GENERATED ALWAYS AS (qty * 2) STORED,
                                     later integer DEFAULT 7, owner text);
                     CREATE INDEX c_qty_idx ON c (qty) INCLUDE (code) WHERE qty < 100;
                     CREATE INDEX c_expr_idx ON c ((qty + 1));
                     ALTER TABLE c ENABLE ROW LEVEL SECURITY;
                     CREATE POLICY c_own ON c USING (owner = CURRENT_USER AND qty > 0);
                     CREATE FUNCTION c_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                     CREATE TRIGGER c_qty BEFORE UPDATE OF qty ON c FOR EACH ROW
                       WHEN (OLD.qty IS DISTINCT FROM NEW.qty) EXECUTE FUNCTION c_touch()",
            data: "INSERT INTO p VALUES ('a'), ('b'); INSERT INTO c (id, code, qty) VALUES (1, 'a', 3), (2, 'b', 4)",
            after: "CREATE TABLE p (product_code text PRIMARY KEY);
                    CREATE TABLE c (id integer PRIMARY KEY, code text REFERENCES p (product_code) UNIQUE,
                                    quantity integer CHECK (quantity > 0), twice integer GENERATED ALWAYS AS (quantity * 2) STORED,
                                    later integer DEFAULT 7, owner text);
                    CREATE INDEX c_qty_idx ON c (quantity) INCLUDE (code) WHERE quantity < 100;
                    CREATE INDEX c_expr_idx ON c ((quantity + 1));
                    ALTER TABLE c ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY c_own ON c USING (owner = CURRENT_USER AND quantity > 0);
                    CREATE FUNCTION c_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                    CREATE TRIGGER c_qty BEFORE UPDATE OF quantity ON c FOR EACH ROW
                      WHEN (OLD.quantity IS DISTINCT FROM NEW.quantity) EXECUTE FUNCTION c_touch()",
            renames: vec![column("p", "code", "product_code"), column("c", "qty", "quantity")],
            read_before: "SELECT c.id, p.code, c.qty, c.twice FROM c JOIN p USING (code) ORDER BY 1",
            read_after: "SELECT c.id, p.product_code, c.quantity, c.twice FROM c JOIN p ON p.product_code = c.code ORDER BY 1",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "column read by a view",
            before: "CREATE TABLE t (id integer PRIMARY KEY, full_name text);
                     CREATE VIEW v AS SELECT id, full_name FROM t;
                     CREATE VIEW w AS SELECT * FROM v",
            data: "INSERT INTO t VALUES (1, 'x')",
            after: "CREATE TABLE t (id integer PRIMARY KEY, display_name text);
                    CREATE VIEW v AS SELECT id, display_name FROM t;
                    CREATE VIEW w AS SELECT * FROM v",
            renames: vec![column("t", "full_name", "display_name")],
            read_before: "SELECT * FROM w",
            read_after: "SELECT * FROM w",
            allowed: &["removed view", "added view"],
            schemas: &["public"],
        },
        Case {
            name: "table with references, identity, trigger, policy and statistics",
            before: "CREATE TABLE people (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
                     CREATE TABLE pets (id integer PRIMARY KEY, owner integer REFERENCES people);
                     CREATE INDEX people_name ON people (name);
                     CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                     CREATE TRIGGER people_touch BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION touch();
                     ALTER TABLE people ENABLE ROW LEVEL SECURITY;
                     CREATE POLICY people_all ON people USING (name IS NOT NULL);
                     CREATE STATISTICS people_stats (dependencies) ON id, name FROM people;
                     CREATE STATISTICS people_lower ON (lower(name)) FROM people;
                     COMMENT ON TABLE people IS 'who'",
            data: "INSERT INTO people (name) VALUES ('a'), ('b'); INSERT INTO pets VALUES (1, 2)",
            after: "CREATE TABLE persons (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, full_name text);
                    CREATE TABLE pets (id integer PRIMARY KEY, owner integer REFERENCES persons);
                    CREATE INDEX people_name ON persons (full_name);
                    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                    CREATE TRIGGER people_touch BEFORE INSERT ON persons FOR EACH ROW EXECUTE FUNCTION touch();
                    ALTER TABLE persons ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY people_all ON persons USING (full_name IS NOT NULL);
                    CREATE STATISTICS people_stats (dependencies) ON id, full_name FROM persons;
                    CREATE STATISTICS people_lower ON (lower(full_name)) FROM persons;
                    COMMENT ON TABLE persons IS 'who'",
            renames: vec![
                Rename::Table { from: t("people"), to: t("persons") },
                column("persons", "name", "full_name"),
                Rename::Constraint { table: t("persons"), from: "people_pkey".into(), to: "persons_pkey".into() },
            ],
            read_before: "SELECT p.id, p.name, q.id FROM people p LEFT JOIN pets q ON q.owner = p.id ORDER BY 1",
            read_after: "SELECT p.id, p.full_name, q.id FROM persons p LEFT JOIN pets q ON q.owner = p.id ORDER BY 1",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "enum label used in a default, a check, an index and a view",
            before: "CREATE TYPE status AS ENUM ('draft', 'sent');
                     CREATE TABLE orders (id integer PRIMARY KEY, s status DEFAULT 'draft' CHECK (s <> 'sent' OR id > 0));
                     CREATE INDEX orders_drafts ON orders (id) WHERE s = 'draft';
                     CREATE VIEW drafts AS SELECT id FROM orders WHERE s = 'draft'",
            data: "INSERT INTO orders VALUES (1, 'draft'), (2, 'sent')",
            after: "CREATE TYPE status AS ENUM ('pending', 'sent');
                    CREATE TABLE orders (id integer PRIMARY KEY, s status DEFAULT 'pending' CHECK (s <> 'sent' OR id > 0));
                    CREATE INDEX orders_drafts ON orders (id) WHERE s = 'pending';
                    CREATE VIEW drafts AS SELECT id FROM orders WHERE s = 'pending'",
            renames: vec![Rename::EnumLabel { enum_type: t("status"), from: "draft".into(), to: "pending".into() }],
            read_before: "SELECT id, s::text = 'draft' FROM orders ORDER BY id",
            read_after: "SELECT id, s::text = 'pending' FROM orders ORDER BY id",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "enum type used by a column, a cast and a function",
            before: "CREATE TYPE mood AS ENUM ('ok', 'bad');
                     CREATE TABLE t (id integer PRIMARY KEY, m mood DEFAULT 'ok', ms mood[]);
                     CREATE FUNCTION is_ok(x mood) RETURNS boolean LANGUAGE sql AS $$ SELECT x::text = 'ok' $$",
            data: "INSERT INTO t VALUES (1, 'bad', '{ok}')",
            after: "CREATE TYPE feeling AS ENUM ('ok', 'bad');
                    CREATE TABLE t (id integer PRIMARY KEY, m feeling DEFAULT 'ok', ms feeling[]);
                    CREATE FUNCTION is_ok(x feeling) RETURNS boolean LANGUAGE sql AS $$ SELECT x::text = 'ok' $$",
            renames: vec![Rename::EnumType { from: t("mood"), to: t("feeling") }],
            read_before: "SELECT id, m::text, ms::text FROM t",
            read_after: "SELECT id, m::text, ms::text FROM t",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "indexes and constraints",
            before: "CREATE TABLE t (id integer CONSTRAINT t_pk PRIMARY KEY, a integer CONSTRAINT a_positive CHECK (a > 0),
                                     b integer NOT NULL CONSTRAINT b_once UNIQUE, c integer CONSTRAINT t_self REFERENCES t);
                     CREATE INDEX t_a ON t (a);
                     ALTER TABLE t REPLICA IDENTITY USING INDEX b_once",
            data: "INSERT INTO t VALUES (1, 1, 1, NULL), (2, 2, 2, 1)",
            after: "CREATE TABLE t (id integer CONSTRAINT t_pkey PRIMARY KEY, a integer CONSTRAINT t_a_check CHECK (a > 0),
                                    b integer NOT NULL CONSTRAINT t_b_key UNIQUE, c integer CONSTRAINT t_c_fkey REFERENCES t);
                    CREATE INDEX t_a_idx ON t (a);
                    ALTER TABLE t REPLICA IDENTITY USING INDEX t_b_key",
            renames: vec![
                Rename::Index { table: t("t"), from: "t_a".into(), to: "t_a_idx".into() },
                Rename::Constraint { table: t("t"), from: "t_pk".into(), to: "t_pkey".into() },
                Rename::Constraint { table: t("t"), from: "a_positive".into(), to: "t_a_check".into() },
                Rename::Constraint { table: t("t"), from: "b_once".into(), to: "t_b_key".into() },
                Rename::Constraint { table: t("t"), from: "t_self".into(), to: "t_c_fkey".into() },
            ],
            read_before: "SELECT * FROM t ORDER BY 1",
            read_after: "SELECT * FROM t ORDER BY 1",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "views, a sequence and a function",
            before: "CREATE SEQUENCE ticket;
                     CREATE FUNCTION next_ticket() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
                     CREATE TABLE t (id bigint DEFAULT nextval('ticket'), n bigint DEFAULT next_ticket());
                     CREATE VIEW v AS SELECT id FROM t;
                     CREATE MATERIALIZED VIEW m AS SELECT count(*) AS n FROM t;
                     CREATE UNIQUE INDEX m_n ON m (n)",
            data: "INSERT INTO t DEFAULT VALUES; INSERT INTO t DEFAULT VALUES",
            after: "CREATE SEQUENCE ticket_numbers;
                    CREATE FUNCTION first_ticket() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
                    CREATE TABLE t (id bigint DEFAULT nextval('ticket_numbers'), n bigint DEFAULT first_ticket());
                    CREATE VIEW ids AS SELECT id FROM t;
                    CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM t;
                    CREATE UNIQUE INDEX m_n ON counts (n)",
            renames: vec![
                Rename::Sequence { from: t("ticket"), to: t("ticket_numbers") },
                Rename::Function { from: t("next_ticket"), to: t("first_ticket") },
                Rename::View { from: t("v"), to: t("ids") },
                Rename::View { from: t("m"), to: t("counts") },
            ],
            read_before: "SELECT id, n, (SELECT n FROM m) FROM t ORDER BY 1",
            read_after: "SELECT id, n, (SELECT n FROM counts) FROM t ORDER BY 1",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "column of a partitioned table",
            before: "CREATE TABLE events (id integer, at date NOT NULL, note text) PARTITION BY RANGE (at);
                     CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                     CREATE INDEX events_note ON events (note)",
            data: "INSERT INTO events VALUES (1, '2026-05-01', 'x')",
            after: "CREATE TABLE events (id integer, happened_on date NOT NULL, body text) PARTITION BY RANGE (happened_on);
                    CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
                    CREATE INDEX events_note ON events (body)",
            renames: vec![column("events", "at", "happened_on"), column("events", "note", "body")],
            read_before: "SELECT * FROM events",
            read_after: "SELECT * FROM events",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "hostile names",
            before: r#"CREATE TABLE "Weird ""T""" ("a;b--" integer PRIMARY KEY, "$$x$$" text);
                      CREATE TYPE "e'num" AS ENUM ('it''s', 'b');
                      ALTER TABLE "Weird ""T""" ADD COLUMN "sel ect" "e'num" DEFAULT 'it''s'"#,
            data: r#"INSERT INTO "Weird ""T""" VALUES (1, 'v', 'it''s')"#,
            after: r#"CREATE TABLE "Ünï ""cödé""" ("Ok
Line" integer PRIMARY KEY, "drop table x; --" text);
                     CREATE TYPE "e'num" AS ENUM ('$$new$$', 'b');
                     ALTER TABLE "Ünï ""cödé""" ADD COLUMN "sel ect" "e'num" DEFAULT '$$new$$'"#,
            renames: vec![
                Rename::Table { from: t("Weird \"T\""), to: t("Ünï \"cödé\"") },
                column("Ünï \"cödé\"", "a;b--", "Ok\nLine"),
                column("Ünï \"cödé\"", "$$x$$", "drop table x; --"),
                Rename::EnumLabel { enum_type: t("e'num"), from: "it's".into(), to: "$$new$$".into() },
            ],
            read_before: r#"SELECT "a;b--", "$$x$$", "sel ect" = 'it''s' FROM "Weird ""T""""#,
            read_after: r#"SELECT "Ok
Line", "drop table x; --", "sel ect" = '$$new$$' FROM "Ünï ""cödé""""#,
            allowed: &["changed constraint"],
            schemas: &["public"],
        },
        Case {
            name: "index and constraint renamed by the target alone, with no hint",
            before: "CREATE TABLE t (a integer CONSTRAINT a_positive CHECK (a > 0), b text);
                     CREATE INDEX t_a ON t (a) WHERE b IS NOT NULL",
            data: "INSERT INTO t VALUES (1, 'x')",
            after: "CREATE TABLE t (a integer CONSTRAINT t_a_check CHECK (a > 0), b text);
                    CREATE INDEX t_a_idx ON t (a) WHERE b IS NOT NULL",
            renames: vec![],
            read_before: "SELECT * FROM t",
            read_after: "SELECT * FROM t",
            allowed: &[],
            schemas: &["public"],
        },
        Case {
            name: "schema with everything in it",
            before: "CREATE SCHEMA old;
                     CREATE TYPE old.mood AS ENUM ('ok', 'bad');
                     CREATE SEQUENCE old.tickets;
                     CREATE TABLE old.t (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                         m old.mood DEFAULT 'ok', n bigint DEFAULT nextval('old.tickets'));
                     CREATE FUNCTION old.is_ok(x old.mood) RETURNS boolean LANGUAGE sql AS $$ SELECT x = 'ok' $$;
                     CREATE VIEW old.v AS SELECT id, old.is_ok(m) AS fine FROM old.t;
                     CREATE TABLE public.r (t_id integer REFERENCES old.t)",
            data: "INSERT INTO old.t (m) VALUES ('bad'), ('ok'); INSERT INTO public.r VALUES (1)",
            after: "CREATE SCHEMA new;
                    CREATE TYPE new.mood AS ENUM ('ok', 'bad');
                    CREATE SEQUENCE new.tickets;
                    CREATE TABLE new.t (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                        m new.mood DEFAULT 'ok', n bigint DEFAULT nextval('new.tickets'));
                    CREATE FUNCTION new.is_ok(x new.mood) RETURNS boolean LANGUAGE sql AS $$ SELECT x = 'ok' $$;
                    CREATE VIEW new.v AS SELECT id, new.is_ok(m) AS fine FROM new.t;
                    CREATE TABLE public.r (t_id integer REFERENCES new.t)",
            renames: vec![Rename::Schema { from: "old".into(), to: "new".into() }],
            read_before: "SELECT * FROM old.v ORDER BY 1",
            read_after: "SELECT * FROM new.v ORDER BY 1",
            // The function's body is the user's text: PostgreSQL keeps it, the target wrote
            // it anew; no table is touched.
            allowed: &[],
            schemas: &["public", "old", "new"],
        },
    ]
}

#[test]
fn declared_renames_keep_rows_and_rebuild_nothing() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        let options = Options {
            schemas: case.schemas.iter().map(|s| s.to_string()).collect(),
        };
        let before = schema_of(&mut client, case.before, case.schemas).unwrap();
        let after = schema_of(&mut client, case.after, case.schemas).unwrap();
        let (plan, report) = diff_with_renames(&before, &after, &case.renames);
        let upgrade = render::script(&plan.upgrade);
        let downgrade = render::script(&plan.downgrade);
        let result = (|| -> Result<(), String> {
            if !case.renames.iter().all(|r| report.applied.contains(r)) {
                return Err(format!("not every hint applied: {report:?}"));
            }
            let unexpected: Vec<String> = plan
                .upgrade
                .iter()
                .filter(|op| !matches!(op, Op::Rename { .. }))
                .map(Op::describe)
                .filter(|d| !case.allowed.iter().any(|a| d.starts_with(a)))
                .collect();
            if !unexpected.is_empty() {
                return Err(format!("operations besides the renames: {unexpected:?}"));
            }
            let mut tx = client.transaction().map_err(|e| e.to_string())?;
            tx.batch_execute(case.before).map_err(|e| db_message(&e))?;
            tx.batch_execute(case.data).map_err(|e| db_message(&e))?;
            let rows = lines_in(&mut tx, case.read_before);
            tx.batch_execute(&upgrade)
                .map_err(|e| format!("upgrade failed: {}", db_message(&e)))?;
            let upgraded = introspect::introspect_in(&mut tx, &options)
                .map_err(|e| e.to_string())?
                .schema;
            let rest = diff(&upgraded, &after);
            if !rest.is_empty() {
                return Err(format!(
                    "after the upgrade, remaining:\n{}",
                    render::script(&rest.upgrade)
                ));
            }
            if lines_in(&mut tx, case.read_after) != rows {
                return Err("rows changed by the upgrade".into());
            }
            tx.batch_execute(&downgrade)
                .map_err(|e| format!("downgrade failed: {}", db_message(&e)))?;
            let downgraded = introspect::introspect_in(&mut tx, &options)
                .map_err(|e| e.to_string())?
                .schema;
            let rest = diff(&downgraded, &before);
            if !rest.is_empty() {
                return Err(format!(
                    "after the downgrade, remaining:\n{}",
                    render::script(&rest.upgrade)
                ));
            }
            if lines_in(&mut tx, case.read_before) != rows {
                return Err("rows changed by the downgrade".into());
            }
            tx.rollback().map_err(|e| e.to_string())?;
            Ok(())
        })();
        if let Err(e) = result {
            failures.push(format!(
                "{}: {e}\n-- upgrade:\n{upgrade}\n-- downgrade:\n{downgrade}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn lines_in(tx: &mut postgres::Transaction<'_>, sql: &str) -> Vec<String> {
    // Introspection leaves `search_path` at `pg_catalog` for the rest of the transaction.
    tx.simple_query(&format!("SET LOCAL search_path = public; {sql}"))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or("NULL").to_string())
                    .collect::<Vec<_>>()
                    .join("|"),
            ),
            _ => None,
        })
        .collect()
}

/// Without the hint the same change is a drop and an add; with it, the stale hint (the
/// database already has the new name) changes nothing and is reported as stale.
#[test]
fn stale_and_inapplicable_hints_change_nothing() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let before = schema_of(&mut client, "CREATE TABLE t (a text)", &["public"]).unwrap();
    let after = schema_of(&mut client, "CREATE TABLE t (b text)", &["public"]).unwrap();
    let plain = diff(&before, &after);
    assert!(
        plain
            .upgrade
            .iter()
            .any(|op| matches!(op, Op::Kind(KindChange::TableColumn(Change::Drop(_))))),
        "{:?}",
        plain.upgrade
    );
    let hint = column("t", "a", "b");
    let (plan, report) = diff_with_renames(&after, &after, std::slice::from_ref(&hint));
    assert!(plan.is_empty(), "{:?}", plan.upgrade);
    assert_eq!(report.stale, vec![hint.clone()]);
    // Both names exist: the hint does not apply, and says why.
    let both = schema_of(&mut client, "CREATE TABLE t (a text, b text)", &["public"]).unwrap();
    let (_, report) = diff_with_renames(&both, &after, std::slice::from_ref(&hint));
    assert!(report.applied.is_empty());
    assert_eq!(report.ignored.len(), 1, "{report:?}");
    assert!(report.ignored[0].1.contains("both"), "{report:?}");
    let _ = lines(&mut client, "SELECT 1");
}

mod cli {
    //! The command line with the `rename-models` binary: declared renames, refusal without a
    //! terminal, the flags, and the question on a pseudo-terminal (`script`).

    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};

    use crate::support::{fresh_database, lines};
    use crate::workflow::{project_dir, scripts};

    const BIN: &str = env!("CARGO_BIN_EXE_rename-models");

    fn run(dir: &Path, step: &str, url: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(dir)
            .env("MODEL_RENAME_STEP", step)
            .args(["--url", url])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(output: &Output) -> String {
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert!(output.status.success(), "{stderr}");
        stderr
    }

    /// Step 3's binary run with `args` on a pseudo-terminal (util-linux `script`), `answers`
    /// typed in; the exit status and what the terminal showed.
    fn on_a_terminal(dir: &Path, url: &str, args: &str, answers: &[u8]) -> (Output, String) {
        use std::io::Write as _;
        let command = format!("MODEL_RENAME_STEP=3 '{BIN}' --url '{url}' {args}");
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("`script` (util-linux) runs the command on a pseudo-terminal");
        child.stdin.take().unwrap().write_all(answers).unwrap();
        let output = child.wait_with_output().unwrap();
        let shown = String::from_utf8_lossy(&output.stdout).to_string();
        (output, shown)
    }

    /// Step 1 applied, with rows in both tables.
    fn started(name: &str) -> (PathBuf, model_core::pg::TempDatabase, String) {
        let dir = project_dir(name);
        let db = fresh_database();
        let url = db.url().to_string();
        let said = ok(&run(
            &dir,
            "1",
            &url,
            &["revision", "--autogenerate", "-m", "one"],
        ));
        // Autogenerate proves its plan before writing it.
        assert!(
            said.contains("Proven on a schema-only copy of the database"),
            "{said}"
        );
        ok(&run(&dir, "1", &url, &["upgrade", "head"]));
        db.connect()
            .unwrap()
            .batch_execute(
                "INSERT INTO customers VALUES (1, 'Ada'), (2, NULL);
                 INSERT INTO people VALUES (7, 'Grace')",
            )
            .unwrap();
        (dir, db, url)
    }

    fn newest(dir: &Path, before: &[PathBuf]) -> Option<PathBuf> {
        scripts(&dir.join(""))
            .into_iter()
            .find(|f| !before.contains(f))
    }

    #[test]
    fn declared_rename_through_the_cli_keeps_rows_both_ways() {
        let (dir, db, url) = started("rename-declared");
        let mut client = db.connect().unwrap();
        let before = scripts(&dir);
        let stderr = ok(&run(
            &dir,
            "2",
            &url,
            &["revision", "--autogenerate", "-m", "two"],
        ));
        assert!(
            stderr.contains(
                "Detected renamed column 'customers.full_name' to 'customers.display_name'"
            ),
            "{stderr}"
        );
        let file = newest(&dir, &before).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("ALTER TABLE public.customers RENAME COLUMN full_name TO display_name;"),
            "{text}"
        );
        assert!(
            text.contains("ALTER TABLE public.customers RENAME COLUMN display_name TO full_name;"),
            "{text}"
        );
        assert!(!text.contains("DROP"), "{text}");
        ok(&run(&dir, "2", &url, &["upgrade", "head"]));
        assert_eq!(
            lines(
                &mut client,
                "SELECT id, display_name FROM customers ORDER BY id"
            ),
            vec!["1 | Ada", "2 | NULL"]
        );
        // The hint is now stale here: check passes and says when it can go (an INFO line:
        // other databases may still need it).
        let stderr = ok(&run(&dir, "2", &url, &["check"]));
        assert!(
            stderr.contains("INFO  [model.check] rename hint not needed for this database")
                && stderr.contains("once every database has run the revision"),
            "{stderr}"
        );
        ok(&run(&dir, "2", &url, &["downgrade", "-1"]));
        assert_eq!(
            lines(
                &mut client,
                "SELECT id, full_name FROM customers ORDER BY id"
            ),
            vec!["1 | Ada", "2 | NULL"]
        );
    }

    /// Issue 11: a protected database refuses a destructive run (naming each statement with
    /// the rows at stake) until --allow-destructive; offline SQL says so in its header; a
    /// destructive downgrade on a terminal is asked first.
    #[test]
    fn protected_databases_refuse_destruction_without_the_flag() {
        let (dir, db, url) = started("rename-protected");
        let mut client = db.connect().unwrap();
        let stderr = ok(&run(
            &dir,
            "3",
            &url,
            &[
                "revision",
                "--autogenerate",
                "-m",
                "drop",
                "--assume-dropped",
            ],
        ));
        assert!(
            stderr.contains("Its upgrade destroys data (2 statements"),
            "{stderr}"
        );
        assert!(
            stderr.contains("Its downgrade destroys data (2 statements"),
            "{stderr}"
        );
        let config = dir.join("model.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, format!("protected = true\n{text}")).unwrap();

        let refused = run(&dir, "3", &url, &["upgrade", "head"]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{stderr}");
        assert!(
            stderr.contains(
                "drops column customers.full_name and its values (public.customers holds 2 rows)"
            ),
            "{stderr}"
        );
        assert!(
            stderr.contains("drops table people and all its rows (public.people holds 1 row)"),
            "{stderr}"
        );
        assert!(stderr.contains("--allow-destructive"), "{stderr}");
        assert_eq!(
            lines(&mut client, "SELECT count(*) FROM people"),
            vec!["1"],
            "nothing ran"
        );

        let offline = run(&dir, "3", &url, &["upgrade", "head", "--sql"]);
        let sql = String::from_utf8_lossy(&offline.stdout);
        assert!(
            sql.contains("-- WARNING: this script destroys data:"),
            "{sql}"
        );

        let stderr = ok(&run(
            &dir,
            "3",
            &url,
            &["upgrade", "head", "--allow-destructive"],
        ));
        assert!(stderr.contains("DESTRUCTIVE"), "{stderr}");
        assert_eq!(
            lines(
                &mut client,
                "SELECT count(*) FROM pg_tables WHERE tablename = 'people'"
            ),
            vec!["0"]
        );
        let refused = run(&dir, "3", &url, &["downgrade", "-1"]);
        assert!(!refused.status.success());
        // Protection is the database's now: taken off model.toml, it holds until `protect
        // --remove`.
        std::fs::write(&config, &text).unwrap();
        let refused = run(&dir, "3", &url, &["downgrade", "-1"]);
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("the database is protected"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
        ok(&run(&dir, "3", &url, &["protect", "--remove"]));
        // Unprotected, on a terminal: the destructive downgrade is asked, and "n" stops it.
        let (output, shown) = on_a_terminal(&dir, &url, "downgrade -1", b"n\n");
        assert!(!output.status.success(), "{shown}");
        assert!(
            shown.contains("drops table persons and all its rows (public.persons holds 0 rows)"),
            "{shown}"
        );
        assert!(
            shown.contains("Run it? [y/N]") && shown.contains("not confirmed"),
            "{shown}"
        );
        assert_eq!(
            lines(
                &mut client,
                "SELECT count(*) FROM pg_tables WHERE tablename = 'persons'"
            ),
            vec!["1"],
            "the downgrade did not run"
        );
        // Without a terminal it runs (the statements are still listed first).
        let stderr = ok(&run(&dir, "3", &url, &["downgrade", "-1"]));
        assert!(stderr.contains("DESTRUCTIVE"), "{stderr}");
    }

    #[test]
    fn undeclared_renames_are_refused_without_a_terminal_and_settled_by_flags_or_answers() {
        let (dir, db, url) = started("rename-candidates");
        let mut client = db.connect().unwrap();
        let before = scripts(&dir);
        let args = ["revision", "--autogenerate", "-m", "three"];
        let refused = run(&dir, "3", &url, &args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{stderr}");
        assert!(
            stderr.contains(r#"#[model(renamed_from = "full_name")] on the field of column customers.display_name"#),
            "{stderr}"
        );
        assert!(
            stderr.contains(r#"#[model(renamed_from = "people")] on the model of table persons"#),
            "{stderr}"
        );
        assert_eq!(scripts(&dir), before, "nothing is written");

        // --assume-dropped: drop and add, as asked.
        ok(&run(
            &dir,
            "3",
            &url,
            &[&args[..], &["--assume-dropped"]].concat(),
        ));
        let file = newest(&dir, &before).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("DROP COLUMN full_name") && text.contains("DROP TABLE public.people"),
            "{text}"
        );
        std::fs::remove_file(&file).unwrap();

        // --assume-renamed: both renamed.
        ok(&run(
            &dir,
            "3",
            &url,
            &[&args[..], &["--assume-renamed"]].concat(),
        ));
        let file = newest(&dir, &before).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("RENAME COLUMN full_name TO display_name")
                && text.contains("ALTER TABLE public.people RENAME TO persons"),
            "{text}"
        );
        assert!(!text.contains("DROP"), "{text}");
        std::fs::remove_file(&file).unwrap();

        // On a terminal: asked, once per candidate; "n" to the column, "y" to the table.
        // One answer per question, in the order asked (best candidate first).
        let (output, shown) =
            on_a_terminal(&dir, &url, "revision --autogenerate -m three", b"n\ny\n");
        assert!(output.status.success(), "{shown}");
        assert!(
            shown.contains("renamed to customers.display_name? [y/N]"),
            "{shown}"
        );
        assert!(
            shown.contains("Was table people renamed to persons? [y/N]"),
            "{shown}"
        );
        let file = newest(&dir, &before).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let column_first =
            shown.find("customers.display_name?").unwrap() < shown.find("persons?").unwrap();
        let (column_renamed, table_renamed) = if column_first {
            (false, true)
        } else {
            (true, false)
        };
        assert_eq!(
            text.contains("RENAME COLUMN full_name TO display_name"),
            column_renamed,
            "{shown}\n{text}"
        );
        assert_eq!(
            text.contains("RENAME TO persons"),
            table_renamed,
            "{shown}\n{text}"
        );
        // The answered plan applies, and the renamed table's rows are there.
        ok(&run(&dir, "3", &url, &["upgrade", "head"]));
        assert_eq!(
            lines(&mut client, "SELECT id, name FROM persons"),
            vec!["7 | Grace"]
        );
    }
}

mod derive {
    //! `renamed_from` on an enum and on its variants, through `revision --autogenerate`.

    use std::process::ExitCode;

    use crate::support::{fresh_database, lines};
    use crate::workflow::{project_dir, run, scripts};

    mod v1 {
        #[derive(model_core::Enum)]
        pub enum Status {
            Draft,
            Sent,
        }

        #[derive(model_core::Model)]
        #[model(table = "orders")]
        pub struct Order {
            #[model(primary_key)]
            pub id: i32,
            #[model(default = "'draft'")]
            pub status: Status,
        }
    }

    mod v2 {
        #[derive(model_core::Enum)]
        #[model(name = "order_status", renamed_from = "status")]
        pub enum Status {
            #[model(renamed_from = "draft")]
            Pending,
            Sent,
        }

        #[derive(model_core::Model)]
        #[model(table = "purchases", renamed_from = "orders")]
        pub struct Order {
            #[model(primary_key)]
            pub id: i32,
            #[model(default = "'pending'", renamed_from = "status")]
            pub state: Status,
        }
    }

    #[test]
    fn enum_type_label_table_and_column_renames_from_the_derive() {
        let set = model_core::models![v2::Order; v2::Status].unwrap();
        assert_eq!(set.renames().len(), 4, "{:?}", set.renames());
        let dir = project_dir("rename-derive");
        let db = fresh_database();
        let url = db.url().to_string();
        let mut client = db.connect().unwrap();
        let autogenerate =
            |m: &'static str| vec!["--url", url.as_str(), "revision", "--autogenerate", "-m", m];
        let v1 = || model_core::models![v1::Order; v1::Status];
        let v2 = || model_core::models![v2::Order; v2::Status];
        assert_eq!(run(&dir, &autogenerate("one"), v1()), ExitCode::SUCCESS);
        assert_eq!(
            run(&dir, &["--url", &url, "upgrade", "head"], v1()),
            ExitCode::SUCCESS
        );
        client
            .batch_execute("INSERT INTO orders VALUES (1, 'draft'), (2, 'sent'); INSERT INTO orders (id) VALUES (3)")
            .unwrap();
        let before = scripts(&dir);
        assert_eq!(run(&dir, &autogenerate("two"), v2()), ExitCode::SUCCESS);
        let file = scripts(&dir)
            .into_iter()
            .find(|f| !before.contains(f))
            .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        for wanted in [
            "ALTER TYPE public.status RENAME TO order_status;",
            "ALTER TYPE public.order_status RENAME VALUE 'draft' TO 'pending';",
            "ALTER TABLE public.orders RENAME TO purchases;",
            "ALTER TABLE public.purchases RENAME COLUMN status TO state;",
        ] {
            assert!(text.contains(wanted), "{wanted}\n{text}");
        }
        assert!(!text.contains("DROP"), "{text}");
        assert_eq!(
            run(&dir, &["--url", &url, "upgrade", "head"], v2()),
            ExitCode::SUCCESS
        );
        assert_eq!(
            lines(&mut client, "SELECT id, state FROM purchases ORDER BY id"),
            vec!["1 | pending", "2 | sent", "3 | pending"]
        );
        assert_eq!(
            run(&dir, &["--url", &url, "check"], v2()),
            ExitCode::SUCCESS
        );
        assert_eq!(
            run(&dir, &["--url", &url, "downgrade", "-1"], v2()),
            ExitCode::SUCCESS
        );
        assert_eq!(
            lines(&mut client, "SELECT id, status FROM orders ORDER BY id"),
            vec!["1 | draft", "2 | sent", "3 | draft"]
        );
    }
}

/// Candidates nobody declared, for each kind that holds data or state: a column of the same
/// table (same or wider type), a table with the same columns, a label at the same position,
/// an enum type with the same labels, a sequence with the same settings; nothing for a
/// column whose type cannot hold the old values. `best_renames` takes one per object, and
/// the plan with them drops nothing.
#[test]
fn undeclared_candidates_of_every_kind() {
    use model_core::diff::{best_renames, rename_candidates};
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let before = schema_of(
        &mut client,
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TYPE colour AS ENUM ('red');
         CREATE SEQUENCE tickets START 5;
         CREATE TABLE t (id integer, full_name text, n integer, m mood);
         CREATE TABLE people (id integer, name text)",
        &["public"],
    )
    .unwrap();
    let after = schema_of(
        &mut client,
        "CREATE TYPE mood AS ENUM ('unhappy', 'ok'); CREATE TYPE hue AS ENUM ('red');
         CREATE SEQUENCE ticket_numbers START 5;
         CREATE TABLE t (id integer, display_name text, flag boolean, m mood);
         CREATE TABLE persons (id integer, name text)",
        &["public"],
    )
    .unwrap();
    let candidates = rename_candidates(&before, &after, &[]);
    let found: Vec<String> = candidates.iter().map(|c| c.rename.to_string()).collect();
    for wanted in [
        "column t.full_name renamed to t.display_name",
        "table people renamed to persons",
        "enum label mood.'sad' renamed to mood.'unhappy'",
        "enum colour renamed to hue",
        "sequence tickets renamed to ticket_numbers",
    ] {
        assert!(
            found.iter().any(|f| f == wanted),
            "{wanted} not in {found:?}"
        );
    }
    // integer cannot become boolean by renaming: not a candidate.
    assert!(
        !found.iter().any(|f| f.contains("renamed to t.flag")),
        "{found:?}"
    );
    // Several fit `display_name` (any type converts to text); the likelier comes first.
    let first = found
        .iter()
        .position(|f| f.contains("t.full_name renamed"))
        .unwrap();
    let second = found
        .iter()
        .position(|f| f.contains("t.n renamed to t.display_name"))
        .unwrap();
    assert!(first < second, "{found:?}");
    let renames = best_renames(&candidates);
    let (plan, report) = diff_with_renames(&before, &after, &renames);
    assert_eq!(report.applied.len(), 5, "{report:?}");
    let dropped: Vec<String> = plan
        .upgrade
        .iter()
        .filter(|op| op.is_destructive())
        .map(Op::describe)
        .collect();
    assert_eq!(
        dropped,
        vec!["removed column 't.n'"],
        "only the real drop remains"
    );
    // The hint each candidate would need is the one to paste.
    let hints: Vec<String> = candidates.iter().map(|c| c.hint()).collect();
    assert!(
        hints.contains(
            &r#"#[model(renamed_from = "sad")] on the variant of label "unhappy" of enum mood"#
                .to_string()
        ),
        "{hints:?}"
    );
}

/// A tenant's schema read as the scripts' (`rename_schema`): policies and statistics objects
/// move with their tables, expressions included, and equal what the scripts' schema reads.
#[test]
fn a_schema_rename_carries_policies_and_statistics() {
    let db = fresh_database();
    let mut client = db.connect().unwrap();
    let sql = |schema: &str| {
        format!(
            r#"CREATE SCHEMA "{schema}";
               CREATE TABLE "{schema}".t (a int, b text);
               CREATE POLICY p ON "{schema}".t USING (a > 0);
               CREATE STATISTICS "{schema}".s ON a, (lower(b)) FROM "{schema}".t;"#
        )
    };
    let tenant = schema_of(&mut client, &sql("Tenant 1"), &["Tenant 1"]).unwrap();
    let template = schema_of(&mut client, &sql("app"), &["app"]).unwrap();
    assert_eq!(tenant.statistics.len(), 1);
    let mut moved = tenant.clone();
    model_core::diff::rename_schema(&mut moved, "Tenant 1", "app");
    assert_eq!(moved.statistics, template.statistics);
    assert_eq!(moved.policies, template.policies);
    assert!(diff(&moved, &template).is_empty());
}
