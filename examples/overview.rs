//! Opens a shop and prints its state: settings, users by role, the newest audit entries and
//! the integrity report. With `--demo`, first seeds a small demo shop if it is empty.
//!
//! ```text
//! cargo run --example overview -- [--db PATH] [--demo]
//! ```

use shopcore::{AuditQuery, Config, Registration, Role, Shop, UserFilter, UserId};
use std::process::ExitCode;

const OWNER: u64 = 1;

fn main() -> ExitCode {
    match run() {
        Ok(healthy) if healthy => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let mut db = String::from("./shop.db");
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => db = args.next().ok_or("--db needs a path")?,
            "--demo" => demo = true,
            "-h" | "--help" => {
                println!("usage: overview [--db PATH] [--demo]");
                return Ok(true);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    let owner = UserId::new(OWNER)?;
    let shop = Shop::open(&db, Config::default().with_super_admins(vec![owner]))?;
    let console = shop.system_actor("overview")?;
    if demo && shop.user(UserId::new(100)?)?.is_none() {
        seed(&shop)?;
    }

    let settings = shop.settings();
    println!("shop at {db}");
    println!(
        "  state: {}   fulfilment: {}   support: {}",
        settings.state,
        settings.fulfilment,
        settings.support_contact.as_deref().unwrap_or("(not set)")
    );
    println!("  size on disk: {} KiB", shop.size_on_disk_bytes()? / 1024);
    for role in Role::ALL.into_iter().rev() {
        let filter = UserFilter {
            role: Some(role),
            banned_only: false,
        };
        let page = shop.list_users(&console, &filter, None, 200)?;
        let names: Vec<String> = page
            .users
            .iter()
            .map(|u| match &u.username {
                Some(name) => format!("{} {name}", u.id),
                None => format!("{} ({})", u.id, u.display_name),
            })
            .collect();
        let more = if page.next.is_some() { ", …" } else { "" };
        println!("  {:<12} {}{more}", role.name(), names.join(", "));
    }
    println!("newest audit entries:");
    let page = shop.audit_log(
        &console,
        &AuditQuery {
            limit: 8,
            ..Default::default()
        },
    )?;
    for entry in page.entries {
        let details: Vec<String> = entry
            .details
            .iter()
            .map(|d| match (&d.before, &d.after) {
                (Some(b), Some(a)) => format!("{}: {b} → {a}", d.field),
                (None, Some(a)) => format!("{}: {a}", d.field),
                (Some(b), None) => format!("{}: {b} → (none)", d.field),
                (None, None) => d.field.clone(),
            })
            .collect();
        println!(
            "  #{:<4} {:<22} by {:<18} on {:<10} {}",
            entry.seq,
            entry.action.name(),
            entry.actor.to_string(),
            entry.target.to_string(),
            details.join("; ")
        );
    }
    let report = shop.verify()?;
    println!("verify: {report}");
    Ok(report.is_healthy())
}

fn seed(shop: &Shop) -> Result<(), Box<dyn std::error::Error>> {
    let people = [
        (100, "layla_support", "ليلى", "ar", Role::Support),
        (101, "omar_ops", "Omar", "en", Role::Operator),
        (102, "sara", "سارة", "ar", Role::User),
        (103, "john", "John", "en", Role::User),
    ];
    let owner = shop.actor(UserId::new(OWNER)?)?;
    for (id, username, name, language, role) in people {
        let user = shop.register_user(&Registration {
            id: UserId::new(id)?,
            username: Some(username),
            display_name: name,
            language: Some(language),
        })?;
        if role != Role::User {
            shop.set_role(&owner, user.id, role)?;
        }
    }
    shop.set_support_contact(&owner, Some("@shop_help"))?;
    Ok(())
}
