//! The operator console, driven as an operator would: through `--exec`, standard input and
//! `--json`, checking the JSON results, the exit status, and the shop's state afterwards.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn console() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shop-console"))
}

struct Run {
    lines: Vec<Value>,
    status: i32,
    stdout: String,
    stderr: String,
}

fn exec(db: &Path, commands: &str) -> Run {
    let output = console()
        .args(["--db"])
        .arg(db)
        .args(["--json", "--exec", commands])
        .output()
        .unwrap();
    finish(output)
}

fn finish(output: std::process::Output) -> Run {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    Run {
        lines,
        status: output.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn result(run: &Run, i: usize) -> &Value {
    let line = &run.lines[i];
    assert!(line.get("error").is_none(), "command {i} failed: {line}");
    &line["result"]
}

fn error_kind(run: &Run, i: usize) -> String {
    run.lines[i]["error"]["kind"]
        .as_str()
        .unwrap_or_else(|| panic!("command {i} did not fail: {}", run.lines[i]))
        .to_owned()
}

fn db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    (dir, path)
}

#[test]
fn the_twelve_seed_pre_release_tests_end_to_end() {
    let (dir, db) = db();
    let setup = exec(
        &db,
        "user add 10 @buyer --name Buyer; user add 20 @staff --role support; category add Games; method add --name Bank --details 'IBAN 123' --min 1 --max 500",
    );
    assert_eq!(setup.status, 0, "{}", setup.stdout);

    // 1-3: create, edit, delete a product.
    let r = exec(
        &db,
        "product add --name 'UC 60' --price 0.99 --category Games; product edit 1 price 1.49; product show 1; product add --name Tmp --price 1; product delete 2; product list --all",
    );
    assert_eq!(r.status, 0, "{}", r.stdout);
    assert_eq!(result(&r, 2)["price_usd"], "1.49");
    assert_eq!(result(&r, 4)["archived"], false);
    assert_eq!(result(&r, 5).as_array().unwrap().len(), 1);

    // 4-5: create and soft-delete a payment method.
    let r = exec(
        &db,
        "method add --name Old --details x; method delete 2; method list; method list --all",
    );
    assert_eq!(r.status, 0, "{}", r.stdout);
    assert!(result(&r, 1)["deleted_at"].is_number());
    assert_eq!(result(&r, 2).as_array().unwrap().len(), 1);
    assert_eq!(result(&r, 3).as_array().unwrap().len(), 2);

    // 8-9: top up; approve and reject.
    let r = exec(
        &db,
        "topup request 10 1 30; topup request 10 1 5; topup approve 1; topup reject 2 no transfer found; balance 10; topup approve 1",
    );
    assert_eq!(result(&r, 2)["status"], "Approved");
    assert_eq!(result(&r, 3)["status"], "Rejected");
    assert_eq!(result(&r, 4)["balance_usd"], "30");
    assert_eq!(error_kind(&r, 5), "wallet.already_decided");
    assert_eq!(r.status, 1, "one command failed");

    // 6: an order paid from balance; 7: an order with a coupon.
    let r = exec(
        &db,
        "order create 10 1; order complete 1 sent; coupon add SAVE10 percent 10; order create @buyer 1 --coupon save10; balance 10",
    );
    assert_eq!(r.status, 0, "{}", r.stdout);
    assert_eq!(result(&r, 0)["status"], "Paid");
    assert_eq!(result(&r, 1)["status"], "Completed");
    assert_eq!(result(&r, 3)["discount_usd"], "0.15");
    assert_eq!(result(&r, 3)["total_usd"], "1.34");
    assert_eq!(result(&r, 4)["balance_usd"], "27.17");

    // 10: statistics.
    let r = exec(&db, "stats");
    let d = result(&r, 0);
    assert_eq!(d["orders"]["total"], 2);
    assert_eq!(d["revenue"]["total"], "1.49");
    assert_eq!(d["topups"]["count"], 1);
    assert_eq!(d["users"]["total"], 2);

    // 11: maintenance refuses new orders; 12: emergency stops everything.
    let r = exec(
        &db,
        "order complete 2 sent; state maintenance upgrading; order create 10 1; user ban 10 test; user unban 10; state emergency incident; user ban 10 test; state open; verify",
    );
    assert_eq!(error_kind(&r, 2), "mode.maintenance");
    assert_eq!(result(&r, 3)["ban"]["reason"], "test");
    assert_eq!(error_kind(&r, 6), "mode.emergency");
    assert_eq!(result(&r, 8)["problems"].as_array().unwrap().len(), 0);
    drop(dir);
}

#[test]
fn permissions_through_as_and_the_audit_trail() {
    let (_dir, db) = db();
    exec(
        &db,
        "user add 10; user add 20 --role support; user add 30 --role operator; category add Games",
    );
    let r = exec(
        &db,
        "as 10 product add --name X --price 1; as 20 product add --name X --price 1; as 30 product add --name X --price 1; as 20 user role 10 operator; as 30 user role 10 support; audit --limit 2 --actor 20",
    );
    assert_eq!(error_kind(&r, 0), "denied.missing_permission");
    assert_eq!(error_kind(&r, 1), "denied.missing_permission");
    assert_eq!(result(&r, 2)["name"], "X");
    assert_eq!(error_kind(&r, 3), "denied.missing_permission");
    assert_eq!(result(&r, 4)["role"], "Support");
    let audit = result(&r, 5).as_array().unwrap();
    assert!(
        audit.iter().all(|e| e["outcome"].get("Denied").is_some()),
        "{audit:?}"
    );
    // --as on the command line.
    let output = console()
        .arg("--db")
        .arg(&db)
        .args(["--as", "10", "--json", "--exec", "verify"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let output = console()
        .arg("--db")
        .arg(&db)
        .args(["--as", "999", "--exec", "verify"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("denied.unknown_actor"));
}

#[test]
fn acting_for_another_user_needs_a_permission_and_is_audited_as_the_actor() {
    let (_dir, db) = db();
    let setup = exec(
        &db,
        "user add 10; user add 11; user add 30 --role operator; category add Games; product add --name X --price 5 --category Games; balance adjust 11 +50 gift; method add --name Bank --details x",
    );
    assert_eq!(setup.status, 0, "{}", setup.stdout);
    // Before the fix, `--as 10` spent user 11's balance, audited as user 11.
    let r = exec(
        &db,
        "as 10 order create 11 1; as 10 topup request 11 1 20; balance 11; as 30 order create 11 1; balance 11; audit --limit 1 --action create_order",
    );
    assert_eq!(error_kind(&r, 0), "denied.missing_permission");
    assert_eq!(error_kind(&r, 1), "denied.missing_permission");
    assert_eq!(result(&r, 2)["balance_usd"], "50");
    assert_eq!(result(&r, 3)["status"], "Paid");
    assert_eq!(result(&r, 4)["balance_usd"], "45");
    let entry = &result(&r, 5).as_array().unwrap()[0];
    assert_eq!(entry["actor"]["User"], 30, "{entry}");
    assert!(
        entry["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "buyer" && d["after"] == "11"),
        "{entry}"
    );
}

#[test]
fn commands_from_standard_input_and_exit_status() {
    let (_dir, db) = db();
    let mut child = console()
        .arg("--db")
        .arg(&db)
        .arg("--json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"user add 10\n# a comment\nuser show 10\n")
        .unwrap();
    let run = finish(child.wait_with_output().unwrap());
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(run.lines.len(), 2);
    assert_eq!(result(&run, 1)["id"], 10);
}

#[test]
fn a_locked_database_gets_a_clear_message() {
    let (_dir, db) = db();
    let shop = shopcore::Shop::open(&db, shopcore::Config::default()).unwrap();
    let output = console()
        .arg("--db")
        .arg(&db)
        .args(["--exec", "verify"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("in use by another process"), "{stderr}");
    drop(shop);
}

#[test]
fn backups_restore_and_exports() {
    let (dir, db) = db();
    let backup = dir.path().join("shop.bak");
    let restored = dir.path().join("restored.db");
    let csv = dir.path().join("users.csv");
    let r = exec(
        &db,
        &format!(
            "demo; backup {}; restore {} {}; export users {}",
            backup.display(),
            backup.display(),
            restored.display(),
            csv.display()
        ),
    );
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(result(&r, 2)["healthy"], true);
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .contains("@layla_support")
            || std::fs::read_to_string(&csv)
                .unwrap()
                .contains("layla_support")
    );
    let mut bytes = std::fs::read(&backup).unwrap();
    let len = bytes.len();
    bytes.truncate(len - 100);
    let damaged = dir.path().join("damaged.bak");
    std::fs::write(&damaged, &bytes).unwrap();
    let r = exec(
        &db,
        &format!(
            "restore {} {}",
            damaged.display(),
            dir.path().join("x.db").display()
        ),
    );
    assert_eq!(error_kind(&r, 0), "backup.corrupt");
    assert!(!dir.path().join("x.db").exists());
}

/// `shop-console restore BACKUP NEW_DB` opens no other store: it works while the live store
/// is held by the bot (or is damaged), and it never creates `--db`.
#[test]
fn restore_offline_while_the_live_store_is_held() {
    let (dir, db) = db();
    let backup = dir.path().join("shop.bak");
    let r = exec(&db, &format!("demo; backup {}", backup.display()));
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    // The "bot" holds the live store.
    let live = shopcore::Shop::open(&db, shopcore::Config::default()).unwrap();
    let restored = dir.path().join("restored.db");
    let never = dir.path().join("never.db");
    let output = console()
        .arg("--db")
        .arg(&never)
        .arg("--json")
        .arg("restore")
        .arg(&backup)
        .arg(&restored)
        .output()
        .unwrap();
    let run = finish(output);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(result(&run, 0)["healthy"], true);
    assert!(!never.exists(), "--db is not opened");
    drop(live);
    let shop = shopcore::Shop::open(&restored, shopcore::Config::default()).unwrap();
    assert!(!shop.categories(false).unwrap().is_empty());
    // An existing target is refused and left alone.
    drop(shop);
    let output = console()
        .arg("restore")
        .arg(&backup)
        .arg(&restored)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("backup."), "{stderr}");
}

#[test]
fn malformed_arguments_get_usage_errors_never_panics() {
    let (_dir, db) = db();
    exec(&db, "demo");
    let attempts = [
        "user add",
        "user add abc",
        "user add 5 --role king",
        "user show",
        "user ban",
        "user role 102",
        "category add",
        "product add",
        "product add --name X",
        "product add --name X --price abc",
        "product add --name X --price 1 --delivery carrier",
        "product add --name X --price 1 --player-rule digits:x",
        "product edit 1",
        "product edit 1 colour red",
        "product edit one name x",
        "product codes 3",
        "product codes 3 remove X",
        "method add --name X",
        "method delete",
        "currency set EGP",
        "currency set EGP lots",
        "coupon add X",
        "coupon add SAVE bogus 5",
        "coupon add SAVE percent 5 --expires someday",
        "topup request",
        "topup request 102 1",
        "topup approve x",
        "topup reject 1",
        "balance",
        "balance adjust 102 5 reason",
        "balance adjust 102 +5",
        "ledger",
        "order create 102",
        "order create 102 1 --pay card",
        "order list --status lost",
        "order show",
        "order fail 1",
        "mode fast",
        "state closed",
        "stats --days many",
        "audit --limit x",
        "audit --action HACK",
        "backup",
        "restore a",
        "export cats x.csv",
        "as",
        "as 102",
        "help nothing",
        "frobnicate",
        "user frob",
        "user add 5 --role",
        "product list extra",
        "verify now",
        "\"unterminated",
    ];
    for attempt in attempts {
        let r = exec(&db, attempt);
        assert_eq!(r.status, 1, "{attempt}: {}", r.stdout);
        let kind = error_kind(&r, 0);
        assert!(!kind.is_empty(), "{attempt}");
        assert!(!r.stderr.contains("panicked"), "{attempt}: {}", r.stderr);
    }
    // Still healthy after all that.
    let r = exec(&db, "verify");
    assert_eq!(result(&r, 0)["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn human_output_snapshots() {
    let (_dir, db) = db();
    let output = console()
        .arg("--db")
        .arg(&db)
        .args([
            "--exec",
            "demo; product list; currency list; coupon list; help order",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

/// Every command's examples, run in the command table's order on a fresh demo shop (the
/// first example is `demo` itself), all succeed, and each names its own command.
#[test]
fn every_command_has_examples_that_run_on_the_demo_shop() {
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::new();
    for spec in shop_console::COMMANDS {
        assert!(!spec.examples.is_empty(), "{} has no example", spec.name);
        for example in spec.examples {
            let words = shop_console::words::words(example).unwrap();
            let (found, _) = shop_console::console::find_command(&words).unwrap();
            assert_eq!(found.name, spec.name, "{example}");
            // quit and exit end the session: tried on their own below.
            if !shop_console::is_quit(example) {
                script.push_str(example);
                script.push('\n');
            }
        }
    }
    let mut child = console()
        .current_dir(dir.path())
        .args(["--db", "shop.db", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let run = finish(child.wait_with_output().unwrap());
    for line in &run.lines {
        assert!(line.get("error").is_none(), "an example failed: {line}");
    }
    assert_eq!(run.lines.len(), script.lines().count());
    assert_eq!(run.status, 0, "{}", run.stderr);
    let verify = run.lines.iter().find(|l| l["command"] == "verify").unwrap();
    assert_eq!(verify["result"]["problems"].as_array().unwrap().len(), 0);
    assert!(dir.path().join("restored.db").exists());
    assert!(dir.path().join("orders.csv").exists());
    for quit in shop_console::QUIT_COMMANDS {
        let r = exec(
            &dir.path().join("shop.db"),
            &format!("verify; {quit}; verify"),
        );
        assert_eq!((r.status, r.lines.len()), (0, 2), "{quit}: {}", r.stdout);
        assert_eq!(result(&r, 1)["quit"], true);
    }
}

#[test]
fn quit_exit_and_the_end_of_input_end_a_session_with_its_status() {
    let (_dir, db) = db();
    let session = |input: &str| {
        let mut child = console()
            .arg("--db")
            .arg(&db)
            .arg("--json")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        finish(child.wait_with_output().unwrap())
    };
    let r = session("user add 10\nquit\nuser add 11\n");
    assert_eq!((r.status, r.lines.len()), (0, 2), "{}", r.stdout);
    let r = session("user add 12; exit; user add 13\nuser add 14\n");
    assert_eq!((r.status, r.lines.len()), (0, 2), "{}", r.stdout);
    // A failure before quit still fails the session.
    let r = session("user show 99\nquit\n");
    assert_eq!((r.status, r.lines.len()), (1, 2), "{}", r.stdout);
    // The end of input (Ctrl-D on a terminal) ends it as quit does.
    let r = session("user add 15");
    assert_eq!((r.status, r.lines.len()), (0, 1), "{}", r.stdout);
    // What came after quit or exit, on its line or later lines, did not run.
    let r = exec(
        &db,
        "user show 12; user show 11; user show 13; user show 14",
    );
    assert_eq!(result(&r, 0)["id"], 12);
    for i in 1..=3 {
        assert_eq!(error_kind(&r, i), "user.not_found");
    }
    // `quit` is a command of its own: not after `as`, not with arguments.
    let r = exec(&db, "as 10 quit; quit now");
    assert_eq!(
        (error_kind(&r, 0), error_kind(&r, 1)),
        ("usage".into(), "usage".into())
    );
}

#[test]
fn unknown_commands_and_options_suggest_the_nearest() {
    let (_dir, db) = db();
    let r = exec(
        &db,
        "ordr list; stat; order creat 1 2; order; help ordr; order list --stauts paid; frobnicate; balance adjst 10 +1 gift",
    );
    let message = |i: usize| r.lines[i]["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message(0).starts_with("unknown command \"ordr\"; did you mean \"order\"?"),
        "{}",
        message(0)
    );
    assert!(
        message(1).contains("did you mean \"state\" or \"stats\"?"),
        "{}",
        message(1)
    );
    assert!(
        message(2).contains("did you mean \"order create\"?"),
        "{}",
        message(2)
    );
    assert!(message(3).contains("create, list, show"), "{}", message(3));
    assert!(
        message(4).contains("did you mean \"order\"?"),
        "{}",
        message(4)
    );
    assert!(
        message(5).contains("did you mean \"--status\"?"),
        "{}",
        message(5)
    );
    assert!(!message(6).contains("did you mean"), "{}", message(6));
    assert!(
        message(7).contains("did you mean \"balance adjust\"?"),
        "{}",
        message(7)
    );
}

#[test]
fn help_shows_usage_a_line_and_examples() {
    let (_dir, db) = db();
    let output = console()
        .arg("--db")
        .arg(&db)
        .args(["--exec", "help; help order create"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for spec in shop_console::COMMANDS {
        assert!(text.contains(spec.about), "{}", spec.name);
    }
    assert!(text.contains("order create USER PRODUCT"), "{text}");
    assert!(text.contains("example: order create @john 3"), "{text}");
}

#[test]
fn the_command_line_is_checked_and_falls_back_to_the_environment() {
    let (dir, db) = db();
    // A misspelt option: clap's message with a suggestion, status 2, nothing opened.
    let output = console()
        .arg("--db")
        .arg(&db)
        .arg("--jsno")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'--json'"), "{stderr}");
    assert!(!db.exists());
    let output = console().arg("--version").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("shop-console "));
    // SHOP_CONSOLE_DB and SHOP_CONSOLE_JSON stand in for --db and --json ...
    let output = console()
        .env("SHOP_CONSOLE_DB", &db)
        .env("SHOP_CONSOLE_JSON", "1")
        .args(["--exec", "user add 10"])
        .output()
        .unwrap();
    let r = finish(output);
    assert_eq!(result(&r, 0)["id"], 10);
    // ... and the command line wins over them.
    let other = dir.path().join("other.db");
    let output = console()
        .env("SHOP_CONSOLE_DB", &db)
        .env("SHOP_CONSOLE_AS", "10")
        .arg("--db")
        .arg(&other)
        .args(["--json", "--exec", "user add 20"])
        .output()
        .unwrap();
    let r = finish(output);
    // User 10 exists only in the first shop: the console opened the other one.
    assert_eq!(r.status, 1);
    assert!(r.stdout.contains("denied.unknown_actor"), "{}", r.stdout);
}

/// Names with Arabic vowel marks (no column of their own), emoji and CJK (two columns each)
/// line up in the console's tables: every product row takes the same number of terminal
/// columns (all rows end in "yes", so none is trimmed shorter).
#[test]
fn tables_line_up_in_terminal_columns() {
    let (_dir, db) = db();
    let output = console()
        .arg("--db")
        .arg(&db)
        .args([
            "--demo",
            "--exec",
            "product add --name 'مُحَمَّد 🎮 شَحْن' --price 1; product add --name '原神 创世结晶 60' --price 0.99; product add --name '🇪🇬 👍🏽 ☕' --price 2; product list",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("id "))
        .collect();
    let rows = &table[2..];
    assert_eq!(rows.len(), 8, "{stdout}");
    let widths: Vec<usize> = rows
        .iter()
        .map(|r| shop_console::table::display_width(r))
        .collect();
    assert!(
        widths.iter().all(|w| *w == widths[0]),
        "{widths:?}\n{stdout}"
    );
    // The rule under the header runs to the end of "active", three columns past "yes".
    assert_eq!(shop_console::table::display_width(table[1]), widths[0] + 3);
}

/// The same on PostgreSQL (a schema of the test server), when one is configured
/// (`SHOPCORE_TEST_POSTGRES_URL`; CI has one).
#[test]
fn twenty_sigkills_on_postgresql_lose_nothing_acknowledged() {
    let Some(schema) = shopcore::testkit::postgres::TestSchema::from_env("the crash test") else {
        return;
    };
    let url = schema.url();
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shop-crashtest"))
        .args([
            "drive", "--kills", "20", "--seed", "2026", "--db", &url, "--dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("20 kills survived"), "{stdout}");
    let log = std::fs::read_to_string(dir.path().join("acknowledged.log")).unwrap();
    assert!(
        log.lines().count() > 20,
        "only {} operations acknowledged",
        log.lines().count()
    );
}

#[test]
fn twenty_sigkills_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shop-crashtest"))
        .args(["drive", "--kills", "20", "--seed", "2026", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("20 kills survived"), "{stdout}");
    // The workers did acknowledge work, so the check had something to find.
    let log = std::fs::read_to_string(dir.path().join("acknowledged.log")).unwrap();
    assert!(
        log.lines().count() > 20,
        "only {} operations acknowledged",
        log.lines().count()
    );
}
