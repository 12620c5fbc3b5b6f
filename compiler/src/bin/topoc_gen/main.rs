//! `topoc-gen`: deterministic benchmark inputs.
//!
//! ```text
//! topoc-gen kube    --objects 10000  --seed 1 -o bench/k8s-10k.yaml   # one stream
//! topoc-gen kube    --objects 900    --seed 1 -o bench/k8s-900/ --dir # one file per namespace
//! topoc-gen kube    --objects 10000  --admin-policies 200 -o bench/k8s-anp.yaml
//! topoc-gen kube    --objects 100000 --sparse -o bench/k8s-sparse.yaml  # few flows each
//! topoc-gen compose --services 2000  --seed 1 -o bench/compose-2k/    # DIR/compose.yaml
//! ```

mod synth;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "topoc-gen",
    about = "Generate deterministic benchmark inputs for topoc"
)]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Kubernetes manifests (Namespaces, Deployments, StatefulSets, Services,
    /// NetworkPolicies, Istio VirtualServices) of exactly N objects.
    Kube {
        #[arg(long, short = 'n')]
        objects: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (`-` for stdout), or directory with `--dir`.
        #[arg(long, short = 'o', default_value = "-")]
        out: PathBuf,
        /// Write one file per namespace into the directory `--out`.
        #[arg(long)]
        dir: bool,
        /// Of the N objects, this many are AdminNetworkPolicies (plus the
        /// BaselineAdminNetworkPolicy `default`).
        #[arg(long, default_value_t = 0)]
        admin_policies: usize,
        /// Default-deny egress everywhere and team-scoped allowances: a flow
        /// list linear in the workloads (tens of peers each).
        #[arg(long)]
        sparse: bool,
    },
    /// One Compose project of N services on several networks.
    Compose {
        #[arg(long, short = 'n')]
        services: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (the file is `compose.yaml` in it), or `-`.
        #[arg(long, short = 'o', default_value = "-")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().what {
        What::Kube {
            objects,
            seed,
            out,
            dir,
            admin_policies,
            sparse,
        } => {
            let files = synth::kube::generate_shaped(objects, admin_policies, seed, sparse);
            if dir {
                write_dir(&out, &files)
            } else {
                write_one(&out, &synth::kube::join(&files))
            }
        }
        What::Compose {
            services,
            seed,
            out,
        } => {
            let file = synth::compose::generate(services, seed);
            if out.as_os_str() == "-" {
                write_one(&out, &file.text)
            } else {
                write_dir(&out, std::slice::from_ref(&file))
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("topoc-gen: {e}");
            ExitCode::from(2)
        }
    }
}

fn write_one(out: &Path, text: &str) -> std::io::Result<()> {
    if out.as_os_str() == "-" {
        use std::io::Write;
        return std::io::stdout().lock().write_all(text.as_bytes());
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(out, text)
}

fn write_dir(dir: &Path, files: &[synth::GenFile]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for f in files {
        std::fs::write(dir.join(&f.name), &f.text)?;
    }
    Ok(())
}
