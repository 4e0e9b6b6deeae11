use std::process::ExitCode;

use clap::Parser;
use huzhu::cli::{Cli, Command, ImportCommand, RegionsCommand, UserCommand};
use huzhu::domain::fields::both;
use huzhu::domain::new_account::{Assignment, NewAccount, Profile};
use huzhu::domain::{FieldError, Password, Role};
use huzhu::services::{ServiceError, accounts};
use huzhu::settings::Settings;
use huzhu::startup::{self, Application};
use huzhu::{services, telemetry};

/// Exit code for configuration and usage errors.
const EXIT_CONFIG: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("huzhu: configuration error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    telemetry::init(settings.log_format);
    match run(cli.command.unwrap_or(Command::Serve), settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("huzhu: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
            tracing::info!("huzhu stopped");
        }
        Command::Migrate => {
            startup::prepare_database(&settings).await?;
            println!("migrations applied");
        }
        Command::Regions {
            command: RegionsCommand::Load { file },
        } => {
            let db = startup::prepare_database(&settings).await?;
            let reader = std::fs::File::open(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let count = services::regions::load_csv(&db, reader).await?;
            println!("{count} regions loaded from {}", file.display());
        }
        Command::Demo { seed } => {
            let db = startup::prepare_database(&settings).await?;
            let ttl_ms = settings.proposal_ttl.as_millis() as i64;
            let mut options = services::demo::Options::new(seed, ttl_ms);
            options.ages = services::escalations::ages_of(&settings);
            let summary = services::demo::run(&db, &options).await?;
            print!("{summary}");
        }
        Command::Purge { dry_run } => {
            let db = startup::prepare_database(&settings).await?;
            let now = huzhu::store::now_ms();
            let purge = services::retention::purge(&db, &settings, now, dry_run, uuid::Uuid::nil())
                .await
                .map_err(describe)?;
            print!("{}", purge_report(&purge, dry_run, settings.timezone));
        }
        Command::Backup { file } => {
            let written = services::backup::backup(&settings.database_url, &file).await?;
            print!("{written}");
        }
        Command::Restore { file } => {
            let restored = services::backup::restore(&settings.database_url, &file).await?;
            print!("{restored}");
        }
        Command::Match { instance_dir, out } => {
            let summary = huzhu::matching::run(&instance_dir, &out)?;
            println!("matched={} cost={}", summary.matched, summary.total_cost);
            println!(
                "needs={} offers={} parse={:.3}s solve={:.3}s write={:.3}s total={:.3}s",
                summary.needs,
                summary.offers,
                summary.parse.as_secs_f64(),
                summary.solve.as_secs_f64(),
                summary.write.as_secs_f64(),
                summary.total.as_secs_f64()
            );
        }
        Command::Import {
            command:
                ImportCommand::Households {
                    file,
                    cadre,
                    dry_run,
                },
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let db = startup::prepare_database(&settings).await?;
            let caller = huzhu::services::sessions::caller_for_email(&db, &cadre)
                .await
                .map_err(describe)?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows written")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let progress = |done: usize, total: usize| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            };
            let summary =
                huzhu::services::household_import::import(&db, &caller, &bytes, dry_run, &progress)
                    .await
                    .map_err(describe)?;
            bar.finish_and_clear();
            let verb = if dry_run { "would create" } else { "created" };
            println!(
                "{verb} {} households and {} needs",
                summary.created_households, summary.created_needs
            );
        }
        Command::User {
            command:
                UserCommand::Create {
                    role,
                    email,
                    name,
                    region,
                    locale,
                },
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role is volunteer, cadre, coordinator or admin")
            })?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let password = line.strip_suffix('\n').unwrap_or(&line);
            let password = password.strip_suffix('\r').unwrap_or(password);
            let profile = Profile::parse(&email, &name, None, locale.as_deref());
            let assignment = Assignment::parse(role, region.as_deref())
                .map_err(|message| vec![FieldError::new("region", message)]);
            let password = Password::parse(password, &email, &name)
                .map_err(|message| vec![FieldError::new("password", message)]);
            let (profile, (assignment, password)) = both(profile, both(assignment, password))
                .map_err(|errors| describe(ServiceError::Invalid(errors)))?;
            let account = NewAccount {
                profile,
                assignment,
            };
            let db = startup::prepare_database(&settings).await?;
            let user = accounts::create_with_password(&db, account, password)
                .await
                .map_err(describe)?;
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
    }
    Ok(())
}

/// What `huzhu purge` says: a dry run lists the households that would be
/// erased (id, village, last activity: nothing personal) and counts.
fn purge_report(purge: &services::retention::Purge, dry_run: bool, tz: chrono_tz::Tz) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if dry_run {
        for c in &purge.due {
            let last = huzhu::domain::period::local_date(c.last_activity(), tz);
            let village = c.village.as_deref().unwrap_or(&c.region);
            let _ = writeln!(out, "{}\t{village}\t{last}", c.id);
        }
        let _ = writeln!(
            out,
            "would erase {} households; would delete {} outbox rows and {} email files (dry run: nothing changed)",
            purge.due.len(),
            purge.outbox_rows_deleted,
            purge.mail_files_deleted
        );
        return out;
    }
    let _ = writeln!(
        out,
        "erased {} households in {} batches; deleted {} outbox rows and {} email files in {:.3}s",
        purge.households_erased,
        purge.batches,
        purge.outbox_rows_deleted,
        purge.mail_files_deleted,
        purge.elapsed.as_secs_f64()
    );
    out
}

/// A service error as one line for the terminal.
fn describe(err: ServiceError) -> anyhow::Error {
    match err {
        ServiceError::Invalid(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| match f.row {
                    Some(row) => format!("row {row}: {}: {}", f.field, f.message.en),
                    None => format!("{}: {}", f.field, f.message.en),
                })
                .collect::<Vec<_>>()
                .join("\n")
        ),
        ServiceError::Conflict(text) | ServiceError::Duplicate { why: text, .. } => {
            anyhow::anyhow!("{}", text.en)
        }
        other => anyhow::anyhow!(other),
    }
}
