//! `load --compare-ref GITREF`: another commit's `load` measured beside this build, in the
//! same sitting, on the same disk, so that a change's speed-up is a ratio from one run and
//! not two runs on a host whose disk speed varies.
//!
//! - [`prepare`] resolves the ref, checks it out as a detached git worktree under
//!   `TARGET/load-compare/COMMIT` (`TARGET` is the target directory of the running `load`)
//!   and builds its `load` there with `cargo build --release -p shop-benches --bin load`
//!   into its own target directory, `TARGET/load-compare/target`, shared by every compared
//!   commit so that dependencies build once. The binary is kept as
//!   `TARGET/load-compare/bin/load-COMMIT` and reused as it is on the next run.
//! - [`drive`] runs the old build and this one as child processes with the same arguments
//!   (less `--compare-ref` and `--rounds`) and `--rounds 1`, alternately — old, new, old,
//!   new… as many times each as `--rounds` says — echoing their output with a prefix.
//! - [`figures`] reads the figures out of each child's output: every markdown table of the
//!   report (keyed by section heading, the row's first two cells and the column), the store
//!   size line, the dashboard line and the peak RSS line. [`compare`] takes the median of each
//!   figure per side and the ratio new ÷ old; figures that only one side printed are listed
//!   with the other side empty.
//!
//! A ref whose `load` does not take the arguments given stops the comparison at its first
//! run with a message saying so (clap's own message is above it).

use crate::stats::{fmt_us, median};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The options of `load` that the driver sets for its children itself.
const DRIVER_OPTIONS: [&str; 2] = ["--compare-ref", "--rounds"];

/// Environment variables the children must not see: the driver's own.
pub const DRIVER_VARIABLES: [&str; 2] = ["SHOP_LOAD_COMPARE_REF", "SHOP_LOAD_ROUNDS"];

/// The arguments of a child: `args` (the driver's, after the program name) without
/// `--compare-ref` and `--rounds` (as `--opt VALUE` or `--opt=VALUE`), then `--rounds 1`.
pub fn child_args<I: AsRef<OsStr>>(args: impl IntoIterator<Item = I>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut skip_value = false;
    for arg in args {
        let arg = arg.as_ref();
        if std::mem::take(&mut skip_value) {
            continue;
        }
        let text = arg.to_string_lossy();
        if DRIVER_OPTIONS.contains(&text.as_ref()) {
            skip_value = true;
            continue;
        }
        if DRIVER_OPTIONS
            .iter()
            .any(|o| text.starts_with(&format!("{o}=")))
        {
            continue;
        }
        out.push(arg.to_owned());
    }
    out.extend(["--rounds", "1"].map(OsString::from));
    out
}

/// A built `load` of another commit.
#[derive(Clone, Debug)]
pub struct OldBuild {
    /// The ref as given.
    pub reference: String,
    /// The full commit id it resolved to.
    pub commit: String,
    /// That commit's subject line.
    pub subject: String,
    pub binary: PathBuf,
}

impl OldBuild {
    pub fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }
}

fn git(repo: &Path, args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| std::io::Error::other(format!("running git: {e}")))
}

fn git_text(repo: &Path, args: &[&str]) -> Option<String> {
    let out = git(repo, args).ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The git work tree this `load` was built from (where its sources were at build time), or
/// the one around the current directory.
pub fn repo_root() -> std::io::Result<PathBuf> {
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in [built_from, PathBuf::from(".")] {
        if let Some(top) = git_text(&dir, &["rev-parse", "--show-toplevel"]) {
            return Ok(PathBuf::from(top));
        }
    }
    Err(std::io::Error::other(
        "--compare-ref needs the git repository of the sources: neither the one this load was built from nor the current directory is one",
    ))
}

/// Where compared builds live: `load-compare` in the target directory of the running
/// executable (`TARGET/release/load` → `TARGET/load-compare`).
pub fn work_dir() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.parent()
        .and_then(Path::parent)
        .map(|target| target.join("load-compare"))
        .ok_or_else(|| std::io::Error::other("no target directory above the load executable"))
}

/// This build's sources, as `git describe --always --dirty` says (at run time).
pub fn describe_this_build(repo: &Path) -> String {
    git_text(repo, &["describe", "--always", "--dirty", "--abbrev=12"])
        .unwrap_or_else(|| "unknown".into())
}

/// Resolves `reference` in `repo`, and builds that commit's `load` under `work` unless a
/// binary of it is already there. `system_allocator` builds it with that feature, as this
/// build has it.
pub fn prepare(
    repo: &Path,
    work: &Path,
    reference: &str,
    system_allocator: bool,
) -> std::io::Result<OldBuild> {
    let commit = git_text(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .filter(|c| !c.is_empty())
    .ok_or_else(|| {
        std::io::Error::other(format!(
            "--compare-ref {reference}: not a commit in {}",
            repo.display()
        ))
    })?;
    let mut subject = git_text(repo, &["log", "-1", "--format=%s", &commit]).unwrap_or_default();
    if let Some((cut, _)) = subject.char_indices().nth(72) {
        subject.truncate(cut);
        subject.push('…');
    }
    let variant = if system_allocator {
        "-system-allocator"
    } else {
        ""
    };
    let binary = work.join("bin").join(format!("load-{commit}{variant}"));
    let build = OldBuild {
        reference: reference.into(),
        commit: commit.clone(),
        subject,
        binary: binary.clone(),
    };
    if binary.is_file() {
        eprintln!(
            "compare: reusing {} (load at {reference} = {})",
            binary.display(),
            build.short()
        );
        return Ok(build);
    }
    let tree = work.join(&commit);
    if !tree.join("Cargo.toml").is_file() {
        std::fs::create_dir_all(work)?;
        // A worktree whose directory was deleted is still registered: forget it first.
        let _ = git(repo, &["worktree", "prune"]);
        if tree.exists() {
            std::fs::remove_dir_all(&tree)?;
        }
        let tree_text = tree.to_string_lossy();
        let out = git(
            repo,
            &["worktree", "add", "--detach", tree_text.as_ref(), &commit],
        )?;
        if !out.status.success() {
            return Err(std::io::Error::other(format!(
                "git worktree add {} {commit} failed: {}",
                tree.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    let target = work.join("target");
    eprintln!(
        "compare: building load at {reference} = {} in {} (target {})…",
        build.short(),
        tree.display(),
        target.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&tree)
        .args(["build", "--release", "-p", "shop-benches", "--bin", "load"])
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null());
    if system_allocator {
        cmd.args(["--features", "system-allocator"]);
    }
    let status = cmd.status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "building load at {reference} ({}) failed ({status}); that commit needs the shop-benches package with its load binary{}",
            build.short(),
            if system_allocator {
                " and the system-allocator feature"
            } else {
                ""
            }
        )));
    }
    std::fs::create_dir_all(binary.parent().expect("bin directory"))?;
    // Copied, so that building another commit in the shared target directory leaves it.
    let partial = binary.with_extension("partial");
    std::fs::copy(target.join("release").join("load"), &partial)?;
    std::fs::rename(&partial, &binary)?;
    Ok(build)
}

/// What a child printed and how it ended.
#[derive(Debug)]
pub struct ChildRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Copies `from` line by line to `to` with `prefix`, and returns all of it.
fn tee(from: impl Read, mut to: impl Write, prefix: &str) -> String {
    let mut reader = BufReader::new(from);
    let mut all = String::new();
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
        let text = String::from_utf8_lossy(&line);
        let _ = write!(to, "{prefix}{text}");
        if !text.ends_with('\n') {
            let _ = writeln!(to);
        }
        let _ = to.flush();
        all.push_str(&text);
        line.clear();
    }
    all
}

/// Runs `program` with `args`, without the driver's variables, echoing its output with
/// `prefix`.
pub fn run_child(program: &Path, args: &[OsString], prefix: &str) -> std::io::Result<ChildRun> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in DRIVER_VARIABLES {
        cmd.env_remove(name);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| std::io::Error::other(format!("starting {}: {e}", program.display())))?;
    let out = child.stdout.take().expect("piped stdout");
    let err = child.stderr.take().expect("piped stderr");
    let (stdout, stderr) = std::thread::scope(|s| {
        let o = s.spawn(|| tee(out, std::io::stdout(), prefix));
        let e = s.spawn(|| tee(err, std::io::stderr(), prefix));
        (
            o.join().expect("stdout reader"),
            e.join().expect("stderr reader"),
        )
    });
    let status = child.wait()?;
    Ok(ChildRun {
        code: status.code(),
        stdout,
        stderr,
    })
}

/// The unit a figure was printed in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    Plain,
    /// A duration, in µs.
    Micros,
    Mib,
}

/// One figure of a report: where it was and what it said.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub section: String,
    pub row: String,
    pub column: String,
    pub value: f64,
    pub unit: Unit,
}

/// A printed value: `2158`, `0.20`, `4.35 ms`, `850 µs`, `1.50 s`, `845.0 MiB`.
pub fn parse_value(text: &str) -> Option<(f64, Unit)> {
    let text = text.trim();
    let (number, unit, scale) = if let Some(n) = text.strip_suffix(" µs") {
        (n, Unit::Micros, 1.0)
    } else if let Some(n) = text.strip_suffix(" ms") {
        (n, Unit::Micros, 1e3)
    } else if let Some(n) = text.strip_suffix(" s") {
        (n, Unit::Micros, 1e6)
    } else if let Some(n) = text.strip_suffix(" MiB") {
        (n, Unit::Mib, 1.0)
    } else {
        (text, Unit::Plain, 1.0)
    };
    let value: f64 = number.trim().replace(',', "").parse().ok()?;
    value.is_finite().then_some((value * scale, unit))
}

/// A heading with its numbers replaced by `N` (an order count or a number of runs differ
/// from run to run; the section is the same).
fn normalize(heading: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in heading.trim().chars() {
        if c.is_ascii_digit() || (in_number && (c == ',' || c == '.')) {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

/// `p50 171 µs, p99 1.20 ms, max 3.40 ms` → (p50, …) figures.
fn latency_triple(text: &str) -> Vec<(String, f64, Unit)> {
    text.split(", ")
        .filter_map(|part| {
            let (name, value) = part.trim().split_once(' ')?;
            let (v, u) = parse_value(value)?;
            Some((name.to_owned(), v, u))
        })
        .collect()
}

/// The figures in the output of one `load` run.
pub fn figures(output: &str) -> Vec<Figure> {
    let mut out = Vec::new();
    let mut section = String::from("run");
    let mut header: Option<Vec<String>> = None;
    let lines: Vec<&str> = output.lines().collect();
    let mut push = |section: &str, row: &str, column: &str, value: f64, unit: Unit| {
        out.push(Figure {
            section: section.into(),
            row: row.into(),
            column: column.into(),
            value,
            unit,
        })
    };
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim_end();
        if !line.starts_with('|') {
            header = None;
        }
        if let Some(h) = line.strip_prefix("### ") {
            section = normalize(h);
        } else if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            let is_header = lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("|---"));
            if is_header {
                header = Some(cells(line));
                continue;
            }
            let Some(h) = &header else { continue };
            let c = cells(line);
            let row = c.iter().take(2).cloned().collect::<Vec<_>>().join(", ");
            for (name, cell) in h.iter().zip(&c).skip(2) {
                if let Some((v, u)) = parse_value(cell) {
                    push(&section, &row, name, v, u);
                }
            }
        } else if let Some(rest) = line.strip_prefix("store: ") {
            // store: 329108 orders, 1509.0 MiB on disk, 4.6 MiB per 1,000 orders
            for part in rest.split(", ") {
                let mut words = part.splitn(2, ' ');
                let (Some(number), Some(what)) = (words.next(), words.next()) else {
                    continue;
                };
                let (number, what) = match what.strip_prefix("MiB ") {
                    Some(w) => (format!("{number} MiB"), w),
                    None => (number.to_owned(), what),
                };
                if let Some((v, u)) = parse_value(&number) {
                    push(&section, "store", what, v, u);
                }
            }
        } else if let Some(rest) = line.strip_prefix("dashboard: ") {
            // dashboard: p50 …, p99 …, max … before the load, p50 …, p99 …, max … after
            if let Some((before, after)) = rest.split_once(" before the load, ") {
                for (when, text) in [("before the load", before), ("after", after)] {
                    let text = text.trim_end_matches(" after");
                    for (name, v, u) in latency_triple(text) {
                        push(&section, &format!("dashboard {when}"), &name, v, u);
                    }
                }
            }
        } else if let Some(rest) = line.strip_prefix("peak RSS of the whole run (VmHWM): ") {
            let value = rest.split(';').next().unwrap_or("");
            if let Some((v, u)) = parse_value(value) {
                push("run", "memory", "peak RSS (VmHWM)", v, u);
            }
        }
    }
    out
}

/// One figure on both sides: medians over the runs of each.
#[derive(Clone, Debug, PartialEq)]
pub struct Compared {
    pub section: String,
    pub row: String,
    pub column: String,
    pub unit: Unit,
    pub old: Option<f64>,
    pub new: Option<f64>,
}

impl Compared {
    /// new ÷ old, when both are there and old is not 0.
    pub fn ratio(&self) -> Option<f64> {
        match (self.old, self.new) {
            (Some(o), Some(n)) if o != 0.0 => Some(n / o),
            _ => None,
        }
    }
}

type Key = (String, String, String);

fn medians(runs: &[Vec<Figure>]) -> (Vec<Key>, BTreeMap<Key, (f64, Unit)>) {
    let mut order = Vec::new();
    let mut values: BTreeMap<Key, (Vec<f64>, Unit)> = BTreeMap::new();
    for run in runs {
        for f in run {
            let key = (f.section.clone(), f.row.clone(), f.column.clone());
            values
                .entry(key.clone())
                .or_insert_with(|| {
                    order.push(key);
                    (Vec::new(), f.unit)
                })
                .0
                .push(f.value);
        }
    }
    let medians = values
        .into_iter()
        .filter_map(|(k, (v, u))| Some((k, (median(&v)?, u))))
        .collect();
    (order, medians)
}

/// Every figure of either side, in the order the new side printed them (then those only the
/// old side printed), with the median over each side's runs.
pub fn compare(old: &[Vec<Figure>], new: &[Vec<Figure>]) -> Vec<Compared> {
    let (old_order, old_values) = medians(old);
    let (new_order, new_values) = medians(new);
    let mut seen = std::collections::BTreeSet::new();
    new_order
        .into_iter()
        .chain(old_order)
        .filter(|k| seen.insert(k.clone()))
        .map(|k| {
            let o = old_values.get(&k);
            let n = new_values.get(&k);
            let unit = o.or(n).map_or(Unit::Plain, |(_, u)| *u);
            Compared {
                section: k.0,
                row: k.1,
                column: k.2,
                unit,
                old: o.map(|(v, _)| *v),
                new: n.map(|(v, _)| *v),
            }
        })
        .collect()
}

/// A value as the report prints it.
pub fn fmt_value(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Micros => fmt_us(value.round() as u64),
        Unit::Mib => format!("{value:.1} MiB"),
        Unit::Plain if value.abs() >= 100.0 => format!("{value:.0}"),
        Unit::Plain => format!("{value:.2}"),
    }
}

/// The comparison as markdown tables, one per section.
pub fn render(rows: &[Compared]) -> String {
    let mut out = String::new();
    let mut sections: Vec<&str> = Vec::new();
    for r in rows {
        if !sections.contains(&r.section.as_str()) {
            sections.push(&r.section);
        }
    }
    for section in sections {
        out.push_str(&format!(
            "\n#### {section}\n| row | figure | old | new | new ÷ old |\n|---|---|---|---|---|\n"
        ));
        for r in rows.iter().filter(|r| r.section == section) {
            let show = |v: Option<f64>| v.map_or("–".to_owned(), |v| fmt_value(v, r.unit));
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r.row,
                r.column,
                show(r.old),
                show(r.new),
                r.ratio().map_or("".to_owned(), |x| format!("{x:.2}"))
            ));
        }
    }
    out
}

/// Runs the comparison: builds `reference`'s `load` (or reuses it), runs it and this one
/// alternately `rounds` times each with `args` (the command line after the program name),
/// and prints every figure with new ÷ old. `Ok(false)` when a run exited with problems
/// (verify, or a storage error).
pub fn drive(
    reference: &str,
    rounds: usize,
    args: &[OsString],
    system_allocator: bool,
) -> std::io::Result<bool> {
    let repo = repo_root()?;
    let old = prepare(&repo, &work_dir()?, reference, system_allocator)?;
    let this = std::env::current_exe()?;
    let this_build = describe_this_build(&repo);
    let child = child_args(args);
    println!(
        "# load --compare-ref {reference}: old = {} ({}), new = this build ({this_build}); {rounds} run(s) of each, alternating old, new, …; arguments of each: {}",
        old.short(),
        old.subject,
        child
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut old_runs = Vec::new();
    let mut new_runs = Vec::new();
    let mut healthy = true;
    for round in 1..=rounds {
        for (side, program) in [("old", old.binary.as_path()), ("new", this.as_path())] {
            println!("\n=== run {round}/{rounds}: {side} ===");
            let prefix = format!("[{side} {round}] ");
            let run = run_child(program, &child, &prefix)?;
            match run.code {
                Some(0) => {}
                Some(1) => {
                    healthy = false;
                    println!(
                        "compare: the {side} run {round} exited with status 1 (verify or a storage error, see above)"
                    );
                }
                Some(2) if side == "old" => {
                    return Err(std::io::Error::other(format!(
                        "the load of {reference} ({}) does not take these arguments: {}\n(its own message is above; `{} --help` lists what it takes — compare with options both versions know)",
                        old.short(),
                        error_line(&run.stderr),
                        old.binary.display()
                    )));
                }
                code => {
                    return Err(std::io::Error::other(format!(
                        "the {side} load ended with {} in run {round}: {}",
                        code.map_or("a signal".to_owned(), |c| format!("status {c}")),
                        error_line(&run.stderr)
                    )));
                }
            }
            let f = figures(&run.stdout);
            if f.is_empty() {
                return Err(std::io::Error::other(format!(
                    "found no figures in the output of the {side} load (run {round})"
                )));
            }
            if side == "old" {
                old_runs.push(f);
            } else {
                new_runs.push(f);
            }
        }
    }
    println!(
        "\n## new ÷ old: this build ({this_build}) vs {reference} ({}), medians of {rounds} run(s) each, alternating",
        old.short()
    );
    print!("{}", render(&compare(&old_runs, &new_runs)));
    Ok(healthy)
}

/// The first line of `text` that starts with `error` (clap's message), else its last
/// non-empty line.
fn error_line(text: &str) -> &str {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    lines
        .clone()
        .find(|l| l.starts_with("error"))
        .or_else(|| lines.next_back())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_get_the_arguments_less_the_drivers() {
        let args = child_args([
            "--compare-ref",
            "main",
            "--shoppers",
            "32",
            "--rounds=3",
            "--mix",
            "orders",
            "--compare-ref=HEAD~1",
            "--rounds",
            "2",
            "--quick",
        ]);
        assert_eq!(
            args,
            [
                "--shoppers",
                "32",
                "--mix",
                "orders",
                "--quick",
                "--rounds",
                "1"
            ]
            .map(OsString::from)
        );
        assert_eq!(
            child_args(Vec::<&str>::new()),
            ["--rounds", "1"].map(OsString::from)
        );
    }

    #[test]
    fn picks_clap_s_error_line() {
        let stderr = "error: unexpected argument '--no-sqlite' found\n\nUsage: load --quick\n\nFor more information, try '--help'.\n";
        assert_eq!(
            error_line(stderr),
            "error: unexpected argument '--no-sqlite' found"
        );
        assert_eq!(error_line("a\nlast one\n\n"), "last one");
        assert_eq!(error_line(""), "");
    }

    #[test]
    fn parses_values_in_every_unit() {
        assert_eq!(parse_value("2158"), Some((2158.0, Unit::Plain)));
        assert_eq!(parse_value(" 0.20 "), Some((0.2, Unit::Plain)));
        assert_eq!(parse_value("850 µs"), Some((850.0, Unit::Micros)));
        assert_eq!(parse_value("4.35 ms"), Some((4350.0, Unit::Micros)));
        assert_eq!(parse_value("1.50 s"), Some((1_500_000.0, Unit::Micros)));
        assert_eq!(parse_value("845.0 MiB"), Some((845.0, Unit::Mib)));
        assert_eq!(parse_value("11,029"), Some((11029.0, Unit::Plain)));
        for nothing in ["", "-", "–", "immediate", "NaN", "inf"] {
            assert_eq!(parse_value(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn headings_lose_their_numbers() {
        assert_eq!(
            normalize(
                "store with 1,000,000 orders — medians over rounds (baselines: median of 3 runs)"
            ),
            "store with N orders — medians over rounds (baselines: median of N runs)"
        );
    }

    /// The report of today's `load` (41adc65), shortened.
    const TODAY: &str = "\
## empty shop: 0 orders in the store at the start
verify: 0 problem(s) in 0.1 s

### empty shop — medians over rounds (baselines: median of 1 runs)
| policy | shoppers | orders/s | × fsync/4 KiB | × sled flush/order | order p50 | order p99 | order max | orders per flush |
|---|---|---|---|---|---|---|---|---|
| immediate | 32 | 2158 | 0.20 | 0.23 | 4.35 ms | 12.80 ms | 78.60 ms | 4.3 |
| baseline: fsync per 4 KiB write | 1 | 11029 | 1.00 | | | | | |
| baseline: sled insert + flush per write | 1 | 9394 | 0.85 | 1.00 | | | | |

all calls, immediate with 32 shoppers (round 1): count, p50, p99, max
  create order      8000  p50 4.35 ms, p99 12.80 ms, max 78.60 ms
dashboard: p50 171 µs, p99 300 µs, max 1.00 ms before the load, p50 200 µs, p99 400 µs, max 2.00 ms after
store: 8000 orders, 40.0 MiB on disk, 4.6 MiB per 1,000 orders

### Targets
[empty shop] immediate, 32 shoppers: 2158 orders/s = 0.20x one-fsync-per-commit (11029/s); target >= 2x: MISSED
peak RSS of the whole run (VmHWM): 845.0 MiB; target < 512 MiB with the default config: MISSED

verify: healthy
";

    fn find<'a>(f: &'a [Figure], row: &str, column: &str) -> &'a Figure {
        f.iter()
            .find(|x| x.row == row && x.column == column)
            .unwrap_or_else(|| panic!("{row} / {column} in {f:#?}"))
    }

    #[test]
    fn reads_the_figures_of_todays_report() {
        let f = figures(TODAY);
        let section = "empty shop — medians over rounds (baselines: median of N runs)";
        let orders = find(&f, "immediate, 32", "orders/s");
        assert_eq!(
            (orders.section.as_str(), orders.value, orders.unit),
            (section, 2158.0, Unit::Plain)
        );
        assert_eq!(find(&f, "immediate, 32", "order p99").value, 12_800.0);
        assert_eq!(find(&f, "immediate, 32", "orders per flush").value, 4.3);
        assert_eq!(
            find(&f, "baseline: fsync per 4 KiB write, 1", "orders/s").value,
            11029.0
        );
        // Empty cells are no figures.
        assert!(
            !f.iter()
                .any(|x| x.row == "baseline: fsync per 4 KiB write, 1" && x.column == "order p50")
        );
        assert_eq!(find(&f, "store", "per 1,000 orders").value, 4.6);
        assert_eq!(find(&f, "store", "orders").value, 8000.0);
        assert_eq!(find(&f, "store", "on disk").unit, Unit::Mib);
        assert_eq!(find(&f, "dashboard before the load", "p50").value, 171.0);
        assert_eq!(find(&f, "dashboard after", "max").value, 2000.0);
        let rss = find(&f, "memory", "peak RSS (VmHWM)");
        assert_eq!((rss.section.as_str(), rss.value), ("run", 845.0));
        // Nothing from the per-call lines or the targets.
        // The shop's row 7, the baselines' 2 and 3, the store 3, the dashboard 6, RSS 1.
        assert_eq!(f.len(), 7 + 2 + 3 + 3 + 6 + 1, "{f:#?}");
    }

    #[test]
    fn compares_medians_and_keeps_figures_of_one_side() {
        let old = vec![
            figures(TODAY),
            figures(&TODAY.replace("| 2158 |", "| 2000 |")),
        ];
        let faster = TODAY.replace("| 2158 |", "| 4316 |").replace(
            "| baseline: sled",
            "| baseline: SQLite minimal order | 32 | 5000 | 0.45 | | 1.00 ms | 5.00 ms | 9.00 ms | |\n| baseline: sled",
        );
        let new = vec![figures(&faster), figures(&faster)];
        let rows = compare(&old, &new);
        let get = |row: &str, column: &str| {
            rows.iter()
                .find(|r| r.row == row && r.column == column)
                .unwrap()
        };
        let orders = get("immediate, 32", "orders/s");
        assert_eq!((orders.old, orders.new), (Some(2079.0), Some(4316.0)));
        assert!((orders.ratio().unwrap() - 4316.0 / 2079.0).abs() < 1e-9);
        let sqlite = get("baseline: SQLite minimal order, 32", "orders/s");
        assert_eq!(
            (sqlite.old, sqlite.new, sqlite.ratio()),
            (None, Some(5000.0), None)
        );
        // In the new side's order: its SQLite row after the fsync baseline's.
        let position = |row: &str| rows.iter().position(|r| r.row == row).unwrap();
        assert_eq!(rows[0].row, "immediate, 32");
        assert_eq!(
            position("baseline: SQLite minimal order, 32"),
            position("baseline: fsync per 4 KiB write, 1") + 2
        );
        // Those only the old side printed come last.
        let old_only = vec![figures(
            &TODAY.replace("| baseline: sled", "| baseline: gone"),
        )];
        let rows = compare(&old_only, &new);
        let last = rows.last().unwrap();
        assert_eq!(
            (last.row.as_str(), last.new),
            ("baseline: gone insert + flush per write, 1", None)
        );
        let rows = compare(&old, &new);
        let text = render(&rows);
        assert!(
            text.contains("| immediate, 32 | orders/s | 2079 | 4316 | 2.08 |"),
            "{text}"
        );
        assert!(
            text.contains("| immediate, 32 | order p99 | 12.80 ms | 12.80 ms | 1.00 |"),
            "{text}"
        );
        assert!(
            text.contains("| baseline: SQLite minimal order, 32 | order p99 | – | 5.00 ms |  |"),
            "{text}"
        );
    }
}
