//! The `huzhu` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// 互助 huzhu — mutual-aid matching for poor households and volunteers.
#[derive(Debug, Parser)]
#[command(name = "huzhu", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default): API, pages and background workers.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage administrative regions.
    Regions {
        #[command(subcommand)]
        command: RegionsCommand,
    },
    /// Solve a docs/matching.md instance offline: reads needs.csv, offers.csv and
    /// meta.json from INSTANCE_DIR, writes the optimal matches, prints
    /// `matched=<n> cost=<c>` and the time taken.
    Match {
        instance_dir: PathBuf,
        #[arg(long, default_value = "matches.csv")]
        out: PathBuf,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Fill an empty database with a demo county (households, needs,
    /// volunteers, offers and a history of matches) and print the demo logins.
    Demo {
        /// The seed of the demo's random draws; the same seed gives the same
        /// county (relative to the time it runs).
        #[arg(long, default_value_t = 8)]
        seed: u64,
    },
    /// Erase the personal data of households past the retention window
    /// (`HUZHU_RETENTION_DAYS`) now, and emails older than it; print counts.
    Purge {
        /// List what would go (household id, village, last activity) and
        /// change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a consistent copy of the database to FILE while the service
    /// runs (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump --format=custom`);
    /// refuses a FILE that exists.
    Backup { file: PathBuf },
    /// Restore the backup FILE into the database `HUZHU_DATABASE_URL` names,
    /// which must have no tables (a new SQLite file or a new PostgreSQL
    /// database), then apply the migrations the backup lacks.
    Restore { file: PathBuf },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a verified account; the password is read from standard input
    /// (one line, without its newline).
    Create {
        /// volunteer, cadre, coordinator or admin
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Region code or prefix (required for cadres and coordinators).
        #[arg(long)]
        region: Option<String>,
        /// zh-CN (default) or en.
        #[arg(long)]
        locale: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegionsCommand {
    /// Add or update regions from a CSV file (`code,name,level,parent_code[,lat,lon]`).
    Load {
        /// The CSV file, UTF-8.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import households and their needs from an .xlsx or .csv file, as the
    /// cadre (or coordinator) with this email; all rows or none.
    Households {
        file: PathBuf,
        /// The staff member the households are registered by.
        #[arg(long)]
        cadre: String,
        /// Check the file and count, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}
