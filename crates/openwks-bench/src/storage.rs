//! `openwks-bench storage` (issue 19): file listing and file transfer of storage folders over
//! HTTP (signed like the SDK, the store read, the path walk, the durable write) against the
//! plain filesystem doing the same work in the same run, alternating:
//!
//! - **list**: `list_folders_and_files` of a folder of `--files` files (one page of up to
//!   1,000) against `read_dir` + `lstat` of every entry + sort of the same directory;
//! - **transfer**: `transfer_file` taking a shared file of `--size` bytes into a user's folder
//!   (read, quota check, write to a partial file, fsync, rename) against read + write + fsync +
//!   rename of the same file with `std::fs`.
//!
//! The plain side runs on as many threads as the machine has cores: it is the ceiling.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;
use serde_json::{json, Value};

use crate::launch::call;
use crate::load::{self, Call, CallMaker, Stats};
use crate::procs;
use crate::report;
use crate::scenarios::{self, Common, PID};

/// Flags of `openwks-bench storage`.
#[derive(Args, Debug, Clone)]
pub struct StorageArgs {
    /// Files in the listed folder.
    #[arg(long, default_value_t = 1000)]
    pub files: usize,
    /// Bytes of the transferred file.
    #[arg(long, default_value_t = 65_536)]
    pub size: usize,
    /// Seconds per round and side.
    #[arg(long, default_value_t = 4)]
    pub duration: u64,
    /// Rounds (each on openwks, then on the plain filesystem).
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    #[command(flatten)]
    pub common: Common,
}

/// One scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// openwks over HTTP, rounds merged.
    pub openwks: Stats,
    /// The plain filesystem: operations per second over all threads.
    pub plain_per_sec: f64,
    /// openwks ÷ plain.
    pub ratio: f64,
}

/// What `storage` measured.
#[derive(Debug, Clone, Serialize)]
pub struct StorageReport {
    pub env: report::Env,
    pub connections: usize,
    pub plain_threads: usize,
    pub files: usize,
    pub size: usize,
    pub list: Side,
    pub transfer: Side,
    /// MB/s of the transfers on each side.
    pub transfer_mb_s_openwks: f64,
    pub transfer_mb_s_plain: f64,
}

/// Run `op` on `threads` threads for `d`; operations per second.
fn plain(
    threads: usize,
    d: Duration,
    op: Arc<dyn Fn(u64) -> std::io::Result<()> + Send + Sync>,
) -> anyhow::Result<f64> {
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let seq = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (stop, count, seq, op) = (stop.clone(), count.clone(), seq.clone(), op.clone());
            std::thread::spawn(move || -> std::io::Result<()> {
                while !stop.load(Ordering::Relaxed) {
                    op(seq.fetch_add(1, Ordering::Relaxed))?;
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    std::thread::sleep(d);
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join()
            .map_err(|_| anyhow::anyhow!("a plain thread panicked"))??;
    }
    Ok(count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

fn list_plain(dir: &Path) -> std::io::Result<()> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let m = std::fs::symlink_metadata(e.path())?;
        names.push((e.file_name(), m.len()));
    }
    names.sort();
    std::hint::black_box(names);
    Ok(())
}

fn copy_plain(src: &Path, dir: &Path, n: u64) -> std::io::Result<()> {
    use std::io::Write;
    let data = std::fs::read(src)?;
    let tmp = dir.join(format!(".tmp-{n}"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(format!("c{n}.bin")))
}

/// `openwks-bench storage`.
pub async fn run(args: StorageArgs) -> anyhow::Result<()> {
    let dir = scenarios::work_dir(&args.common.work_dir)?;
    let cfg = scenarios::cfg(&dir, &args.common.openwks, &args.common.server_log)?;
    let ow = procs::start_openwks(&cfg)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = scenarios::target(&ow.addr);
    let conns = args.common.connections;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);

    // A cloud storage, two users' folders; files preloaded on disk.
    call(&t, "POST", format!("/v1/{PID}/cloud-storages"), "", json!({"project_config_cluster_group_id_list": [
        {"project_config_id": "default_project_config", "cluster_group_id": "default_cluster_group"}]})).await?;
    let cs = call(
        &t,
        "GET",
        format!("/v1/{PID}/cloud-storages"),
        "",
        Value::Null,
    )
    .await?;
    let cs = cs["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    call(&t, "POST", format!("/v1/{PID}/cloud-storages/{cs}/actions/create-folder"), "", json!({"items": [
        {"attach_id": "a", "attach_name": "bench-a", "roam_action_get": true, "roam_action_put": true},
        {"attach_id": "b", "attach_name": "bench-b", "roam_action_get": true, "roam_action_put": true}]})).await?;
    let fs: PathBuf = cfg
        .data
        .join("storage")
        .join(PID)
        .join(format!("wks-cloud-{cs}"));
    let listed = fs.join("users/a/list");
    std::fs::create_dir_all(&listed)?;
    for i in 0..args.files {
        std::fs::write(listed.join(format!("file-{i:06}.txt")), [b'x'; 4096])?;
    }
    std::fs::write(fs.join("users/a/big.bin"), vec![7u8; args.size])?;
    let shared = call(
        &t,
        "POST",
        format!("/v1/{PID}/cloud-storages/actions/transfer-file"),
        "",
        json!({"transfer_type": 0, "user_name": "bench-a", "file_url": "big.bin"}),
    )
    .await?;
    let (code, acc, fsn) = (
        shared["file_code"].as_str().unwrap_or_default().to_string(),
        shared["file_acc_code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        shared["file_system_name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    );
    let plain_dir = dir.join("plain");
    std::fs::create_dir_all(&plain_dir)?;
    let plain_src = fs.join("users/a/big.bin");

    let list_mk: CallMaker = Arc::new(|_, _| Call {
        method: "GET",
        path: format!("/v1/{PID}/cloud-storages/actions/list-folder-files"),
        query: "user_name=bench-a&folder_url=list&limit=1000".into(),
        body: Vec::new(),
    });
    let take_mk: CallMaker = Arc::new(move |n, _| {
        Call {
        method: "POST",
        path: format!("/v1/{PID}/cloud-storages/actions/transfer-file"),
        query: String::new(),
        body: serde_json::to_vec(&json!({"transfer_type": 1, "user_name": "bench-b", "file_code": code,
            "file_acc_code": acc, "file_system_name": fsn, "target_file_url": format!("in/t{n}.bin")}))
        .unwrap_or_default(),
    }
    });
    let d = Duration::from_secs(args.duration);
    // Warm both.
    load::run(&t, Arc::clone(&list_mk), conns, d / 4, None, false).await?;
    let (mut lo, mut lp, mut to, mut tp) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        let (s, _) = load::run(&t, Arc::clone(&list_mk), conns, d, None, false).await?;
        eprintln!(
            "list: openwks {:.0}/s (p99 {:.2} ms, {} errors)",
            s.rps, s.p99_ms, s.errors
        );
        lo.push(s);
        let l = listed.clone();
        let p = tokio::task::spawn_blocking(move || {
            plain(threads, d, Arc::new(move |_| list_plain(&l)))
        })
        .await??;
        eprintln!("list: plain {p:.0}/s");
        lp.push(p);
        let (s, _) = load::run(&t, Arc::clone(&take_mk), conns, d, None, false).await?;
        eprintln!(
            "transfer: openwks {:.0}/s (p99 {:.2} ms, {} errors)",
            s.rps, s.p99_ms, s.errors
        );
        to.push(s);
        let (src, pd) = (plain_src.clone(), plain_dir.clone());
        let p = tokio::task::spawn_blocking(move || {
            plain(threads, d, Arc::new(move |n| copy_plain(&src, &pd, n)))
        })
        .await??;
        eprintln!("transfer: plain {p:.0}/s");
        tp.push(p);
    }
    ow.stop();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let side = |o: &[Stats], p: &[f64]| {
        let openwks = scenarios::merge(o);
        let plain_per_sec = mean(p);
        let ratio = if plain_per_sec > 0.0 {
            openwks.rps / plain_per_sec
        } else {
            0.0
        };
        Side {
            openwks,
            plain_per_sec,
            ratio,
        }
    };
    let list = side(&lo, &lp);
    let transfer = side(&to, &tp);
    let mb = |per_sec: f64| per_sec * args.size as f64 / 1_000_000.0;
    let rep = StorageReport {
        env: report::env(),
        connections: conns,
        plain_threads: threads,
        files: args.files,
        size: args.size,
        transfer_mb_s_openwks: mb(transfer.openwks.rps),
        transfer_mb_s_plain: mb(transfer.plain_per_sec),
        list,
        transfer,
    };
    let mut text = String::new();
    use std::fmt::Write as _;
    let e = &rep.env;
    let _ = writeln!(text, "Run {} on {} cores / {} GiB, commit {}: openwks over HTTP with {} connections against the plain filesystem on {} threads, {} round(s) of {} s each, alternating.\n",
        e.date, e.cores, e.memory_gib, e.commit, rep.connections, rep.plain_threads, args.rounds, args.duration);
    let _ = writeln!(text, "| scenario | openwks ops/s | p50 ms | p99 ms | errors / requests | plain fs ops/s | ratio |");
    let _ = writeln!(text, "|---|---|---|---|---|---|---|");
    for (name, s) in [
        (format!("list a folder of {} files (`list_folders_and_files`, one page) vs `read_dir` + `lstat` + sort", rep.files), &rep.list),
        (format!("take a shared {} KiB file (`transfer_file` type 1) vs read + write + fsync + rename", rep.size / 1024), &rep.transfer),
    ] {
        let _ = writeln!(text, "| {name} | {:.0} | {:.2} | {:.2} | {} / {} | {:.0} | **{:.0}%** |",
            s.openwks.rps, s.openwks.p50_ms, s.openwks.p99_ms, s.openwks.errors, s.openwks.requests, s.plain_per_sec, s.ratio * 100.0);
    }
    let _ = writeln!(
        text,
        "\nTransfers: openwks {:.1} MB/s, plain {:.1} MB/s.",
        rep.transfer_mb_s_openwks, rep.transfer_mb_s_plain
    );
    report::write_out(
        args.common.json.as_deref(),
        args.common.markdown.as_deref(),
        &rep,
        &text,
    )?;
    if args.common.work_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
