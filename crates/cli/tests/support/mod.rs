//! Runs the built `baton` binary in a private working directory, as a user would.

#![allow(dead_code)]

pub mod database;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A working directory holding a copy of `examples/<name>`.
    pub fn example(name: &str) -> Workdir {
        let work = Workdir::new();
        copy_dir(&repo_root().join("examples").join(name), work.path());
        work
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).expect("write file");
    }

    pub fn baton(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("baton runs");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_baton"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("BATON_DB")
            .env_remove("BATON_SERVER")
            .env_remove("BATON_TOKEN")
            .env_remove("BATON_LOG")
            .env_remove("BATON_LOG_FORMAT")
            .stdin(Stdio::null());
        command
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("example exists").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
