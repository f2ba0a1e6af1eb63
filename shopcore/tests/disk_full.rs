//! A full disk: on a small tmpfs (where the machine lets us mount one), writes fail with a
//! clear storage error, nothing is acknowledged that isn't stored, and after space is freed
//! the shop reopens and verifies.

use crate::common::uid;
use shopcore::{Config, Durability, Registration, Shop};
use std::process::Command;

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn mount_tmpfs(dir: &std::path::Path, size: &str) -> Option<Mount> {
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok.then(|| Mount(dir.to_path_buf()))
}

#[test]
fn a_full_disk_fails_writes_clearly_and_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mount) = mount_tmpfs(dir.path(), "6m") else {
        eprintln!("disk-full test not run: this machine does not allow mounting a tmpfs");
        return;
    };
    let path = dir.path().join("shop.db");
    let mut acknowledged = Vec::new();
    let mut failure = None;
    {
        let shop = Shop::open(
            &path,
            Config::default().with_durability(Durability::Immediate),
        )
        .unwrap();
        let name = "n".repeat(120);
        for id in 1..200_000u64 {
            match shop.register_user(&Registration {
                id: uid(id),
                username: None,
                display_name: &name,
                language: None,
            }) {
                Ok(_) => acknowledged.push(id),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
    }
    let failure = failure.expect("a 6 MiB disk fills up");
    assert!(failure.kind().starts_with("store."), "{failure}");
    assert!(!acknowledged.is_empty());
    // Make room, reopen, and find everything that was acknowledged.
    let remounted = Command::new("mount")
        .args(["-o", "remount,size=256m"])
        .arg(&mount.0)
        .status()
        .unwrap();
    assert!(remounted.success());
    let shop = Shop::open(&path, Config::default()).unwrap();
    for id in &acknowledged {
        assert!(
            shop.user(uid(*id)).unwrap().is_some(),
            "acknowledged user {id} lost"
        );
    }
    let report = shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
    drop(shop);
}
