//! Typed configuration from environment variables and an optional
//! `huzhu.toml`. Every value is parsed here, once; an invalid one is an error
//! that names its variable. Secrets (database and SMTP URLs) are never echoed.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use ipnet::IpNet;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// huzhu's whole configuration.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    /// Base of links in emails; `http://<bound address>` when unset.
    pub public_url: Option<url::Url>,
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: String,
    pub proposal_ttl: Duration,
    pub timezone: Tz,
    pub log_format: LogFormat,
    pub mail: MailSettings,
    /// Run a matching round for each county this often (`HUZHU_ROUND_EVERY`).
    pub round_every: Option<Duration>,
    /// Days after which an open need is stale and its cadres are reminded.
    pub stale_days: u32,
    /// Days after acceptance at which a match nobody reported delivered
    /// waits for its cadre's confirmation all the same
    /// (`HUZHU_CONFIRM_AFTER_DAYS`).
    pub confirm_after_days: u32,
    /// Key households one main helper may have at once
    /// (`HUZHU_PAIRING_LIMIT`, default 3).
    pub pairing_limit: u32,
    /// Days an open need waits before it escalates to its township's
    /// coordinators (`HUZHU_ESCALATE_TOWNSHIP_DAYS`, default 7).
    pub escalate_township_days: u32,
    /// … and to its county's (`HUZHU_ESCALATE_COUNTY_DAYS`, default 21).
    /// Urgency 3 needs escalate at half of each.
    pub escalate_county_days: u32,
    /// Days after a household's last need ended before its personal data
    /// is erased (`HUZHU_RETENTION_DAYS`, default 730); also how long
    /// emails are kept.
    pub retention_days: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client; none by
    /// default, since anyone can send that header.
    pub trusted_proxies: Vec<IpNet>,
    pub limits: Limits,
    pub map: MapSettings,
    pub overload: OverloadSettings,
}

/// How the map pages draw the ground under their markers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapSettings {
    /// Where map tiles come from (`HUZHU_MAP_TILES`); none: the markers and
    /// village names on a plain background.
    pub tiles: Option<MapTiles>,
    /// The datum of the tiles' coordinates (`HUZHU_MAP_DATUM`).
    pub datum: MapDatum,
}

/// A tile server: `HUZHU_MAP_TILES="<URL template>|<attribution>"`.
#[derive(Clone, PartialEq, Eq)]
pub struct MapTiles {
    /// Leaflet's URL template: `https://…/{z}/{x}/{y}.png` (and `{r}`).
    pub template: String,
    /// Shown in the map's corner; may be empty.
    pub attribution: String,
    /// `https://host[:port]`: the one origin the pages' Content-Security-
    /// Policy lets images come from besides huzhu itself.
    pub origin: String,
}

impl fmt::Debug for MapTiles {
    /// The origin only: a template may carry a key (天地图's `tk=`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapTiles")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// The datum of a tile server's coordinates. huzhu stores WGS-84; tiles in
/// GCJ-02 (Amap, Tencent) get markers shifted for display only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MapDatum {
    #[default]
    Wgs84,
    Gcj02,
}

impl MapDatum {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wgs84 => "wgs84",
            Self::Gcj02 => "gcj02",
        }
    }
}

/// How many attempts each throttle allows, and in what window.
///
/// The defaults are set for villages that share one public address: behind
/// the carrier-grade NAT of rural mobile networks a whole township can be
/// one address, and a volunteer-recruitment meeting in a courtyard signs up
/// about 50 people within an hour. Each attempt counts, refused ones too
/// (a weak password, a typo), so allow two per person (100) and as much
/// again for the rest of the township on the same address and hour: 200
/// registrations an hour. A script on one address is still held to about
/// three a minute, each costing it an Argon2 hash.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub registrations_per_ip: Limit,
    /// Wrong passwords for one account from one address: who guesses from
    /// one place locks only that place out.
    pub login_failures_per_account_and_ip: Limit,
    /// Wrong passwords for one account from everywhere: a much higher
    /// ceiling against guessing from many addresses; reaching it pauses the
    /// account's logins and emails its owner.
    pub login_failures_per_account: Limit,
    /// Wrong passwords from one address, whatever the accounts: a township
    /// of staff behind one address must not trip it by typos.
    pub login_failures_per_ip: Limit,
    pub resets_per_ip: Limit,
    pub resets_per_account: Limit,
}

/// At most `max` events per `window_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u64,
    pub window_ms: i64,
}

/// When to try again after a failed attempt.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// The wait after the `attempt`-th failure (1-based): base doubling up to
    /// max, scaled by `jitter` (0.8 to 1.2) so that a crowd of retries spreads.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let doubled = self.base.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
        Duration::from_secs_f64(doubled.min(self.max.as_secs_f64()) * jitter)
    }
}

/// How the outbox worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct MailSettings {
    pub retry: RetryPolicy,
    /// How often an idle worker looks for due rows.
    pub poll_interval: Duration,
    /// How long a batch of leased rows is reserved for the worker that
    /// leased it (`HUZHU_MAIL_LEASE_SECS`, default 300): after a crash, the
    /// rows it held wait this long before another worker sends them.
    pub lease: Duration,
}

/// How much work huzhu takes on at once, and how long it lets a request
/// wait for room before answering 503 with `Retry-After`.
#[derive(Debug, Clone, Copy)]
pub struct OverloadSettings {
    /// Requests served at once; the rest wait (`HUZHU_MAX_IN_FLIGHT`,
    /// default 64). Health, readiness, metrics and assets are not counted.
    pub max_in_flight: usize,
    /// How long a request waits for one of those places
    /// (`HUZHU_QUEUE_WAIT_MS`, default 250).
    pub queue_wait: Duration,
    /// How long a request waits for a database connection
    /// (`HUZHU_DB_WAIT_MS`, default 3000); also how long the database may
    /// take to accept a new connection.
    pub db_wait: Duration,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("public_url", &self.public_url.as_ref().map(|u| u.as_str()))
            .field("smtp", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_dir", &self.mail_dir)
            .field("proposal_ttl", &self.proposal_ttl)
            .field("timezone", &self.timezone)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("limits", &self.limits)
            .field("map", &self.map)
            .finish()
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: String,
    pub message: String,
}

fn invalid(variable: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable: variable.to_owned(),
        message: message.into(),
    }
}

/// The scheme and host of a URL without its user, password or path, for logs.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) => format!("{}://{}", u.scheme(), u.host_str().unwrap_or("")),
        Err(_) => "<unparsable>".to_owned(),
    }
}

/// Where a raw value came from, so that errors name what the user wrote.
struct Source {
    values: HashMap<String, String>,
}

impl Source {
    /// Looks up `HUZHU_<KEY>` in the environment, then `<key>` in the file.
    fn get(&self, key: &str) -> Option<(String, String)> {
        let var = format!("HUZHU_{}", key.to_ascii_uppercase());
        if let Some(v) = self.values.get(&var) {
            return Some((var, v.clone()));
        }
        self.values
            .get(&format!("file:{key}"))
            .map(|v| (format!("{key} (huzhu.toml)"), v.clone()))
    }
}

impl Settings {
    /// Reads the process environment and `huzhu.toml` (or the file named by
    /// `HUZHU_CONFIG`).
    pub fn load() -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let (path, required) = match env.get("HUZHU_CONFIG") {
            Some(p) => (PathBuf::from(p), true),
            None => (PathBuf::from("huzhu.toml"), false),
        };
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(_) if !required => None,
            Err(e) => {
                return Err(invalid(
                    "HUZHU_CONFIG",
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        Self::from_sources(&env, file.as_deref())
    }

    /// Builds settings from an environment map and the text of a TOML file.
    pub fn from_sources(
        env: &HashMap<String, String>,
        toml_text: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let mut values = env.clone();
        if let Some(text) = toml_text {
            let table: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| invalid("huzhu.toml", e.message().to_owned()))?;
            for (key, value) in table {
                let text = match value {
                    toml::Value::String(s) => s,
                    other => other.to_string(),
                };
                values.insert(format!("file:{key}"), text);
            }
        }
        let src = Source { values };
        Self::parse(&src, env)
    }

    fn parse(src: &Source, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        // The environment wins over the file: HUZHU_DATABASE_URL, then
        // DATABASE_URL, then the file's database_url.
        let from_env = |var: &str| env.get(var).map(|v| (var.to_owned(), v.clone()));
        let database_url = from_env("HUZHU_DATABASE_URL")
            .or_else(|| from_env("DATABASE_URL"))
            .or_else(|| src.get("database_url"))
            .unwrap_or_else(|| {
                (
                    "HUZHU_DATABASE_URL".to_owned(),
                    "sqlite://huzhu.db?mode=rwc".to_owned(),
                )
            });
        let bind = parse_with(src, "bind", "127.0.0.1:8080", |v| {
            v.parse::<SocketAddr>()
                .map_err(|_| format!("'{v}' is not an address like 127.0.0.1:8080"))
        })?;
        Ok(Self {
            database_url: check_database_url(database_url)?,
            bind,
            public_url: parse_optional(src, "public_url", parse_public_url)?,
            smtp_url: parse_optional(src, "smtp_url", check_smtp_url)?,
            mail_dir: parse_with(src, "mail_dir", "mail-outbox", |v| Ok(PathBuf::from(v)))?,
            mail_from: parse_with(src, "mail_from", "huzhu <noreply@localhost>", |v| {
                v.parse::<lettre::message::Mailbox>()
                    .map(|_| v.to_owned())
                    .map_err(|_| format!("'{v}' is not a mailbox like huzhu <noreply@example.org>"))
            })?,
            proposal_ttl: parse_with(src, "proposal_ttl_hours", "72", parse_hours)?,
            timezone: parse_with(src, "timezone", "Asia/Shanghai", |v| {
                v.parse::<Tz>()
                    .map_err(|_| format!("'{v}' is not an IANA time zone like Asia/Shanghai"))
            })?,
            log_format: parse_with(src, "log_format", "pretty", |v| match v {
                "pretty" | "text" => Ok(LogFormat::Pretty),
                "json" => Ok(LogFormat::Json),
                _ => Err(format!("'{v}' is neither pretty nor json")),
            })?,
            round_every: parse_optional(src, "round_every", parse_every)?,
            stale_days: parse_with(src, "stale_days", "14", parse_days)?,
            confirm_after_days: parse_with(src, "confirm_after_days", "7", parse_days)?,
            pairing_limit: parse_with(src, "pairing_limit", "3", |v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=50).contains(n))
                    .ok_or_else(|| format!("'{v}' is not a whole number from 1 to 50"))
            })?,
            escalate_township_days: parse_with(src, "escalate_township_days", "7", parse_days)?,
            escalate_county_days: parse_with(src, "escalate_county_days", "21", parse_days)?,
            retention_days: parse_with(src, "retention_days", "730", |v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=36_500).contains(n))
                    .ok_or_else(|| format!("'{v}' is not a whole number of days from 1 to 36500"))
            })?,
            trusted_proxies: parse_optional(src, "trusted_proxies", parse_networks)?
                .unwrap_or_default(),
            limits: Limits {
                registrations_per_ip: parse_with(
                    src,
                    "limit_registrations_per_ip",
                    "200/1h",
                    parse_limit,
                )?,
                login_failures_per_account_and_ip: parse_with(
                    src,
                    "limit_login_failures_per_account_and_ip",
                    "5/15m",
                    parse_limit,
                )?,
                login_failures_per_account: parse_with(
                    src,
                    "limit_login_failures_per_account",
                    "50/1h",
                    parse_limit,
                )?,
                login_failures_per_ip: parse_with(
                    src,
                    "limit_login_failures_per_ip",
                    "100/15m",
                    parse_limit,
                )?,
                resets_per_ip: parse_with(src, "limit_resets_per_ip", "30/1h", parse_limit)?,
                resets_per_account: parse_with(
                    src,
                    "limit_resets_per_account",
                    "3/1h",
                    parse_limit,
                )?,
            },
            map: MapSettings {
                tiles: parse_optional(src, "map_tiles", parse_tiles)?,
                datum: parse_with(src, "map_datum", "wgs84", |v| {
                    match v.to_ascii_lowercase().as_str() {
                        "wgs84" => Ok(MapDatum::Wgs84),
                        "gcj02" => Ok(MapDatum::Gcj02),
                        _ => Err(format!("'{v}' is neither wgs84 nor gcj02")),
                    }
                })?,
            },
            mail: MailSettings {
                retry: RetryPolicy {
                    base: parse_with(src, "mail_retry_base_secs", "10", parse_seconds)?,
                    max: parse_with(src, "mail_retry_max_secs", "3600", parse_seconds)?,
                    max_attempts: parse_with(src, "mail_max_attempts", "12", |v| {
                        v.parse::<u32>()
                            .ok()
                            .filter(|n| (1..=100).contains(n))
                            .ok_or_else(|| format!("'{v}' is not a whole number from 1 to 100"))
                    })?,
                },
                poll_interval: parse_with(src, "mail_poll_ms", "1000", |v| {
                    v.parse::<u64>()
                        .ok()
                        .filter(|n| (10..=60_000).contains(n))
                        .map(Duration::from_millis)
                        .ok_or_else(|| {
                            format!("'{v}' is not a number of milliseconds from 10 to 60000")
                        })
                })?,
                lease: parse_with(src, "mail_lease_secs", "300", |v| {
                    whole_in(v, 1..=3_600, "seconds").map(Duration::from_secs)
                })?,
            },
            overload: OverloadSettings {
                max_in_flight: parse_with(src, "max_in_flight", "64", |v| {
                    whole_in(v, 1..=100_000, "requests").map(|n| n as usize)
                })?,
                queue_wait: parse_with(src, "queue_wait_ms", "250", |v| {
                    whole_in(v, 0..=60_000, "milliseconds").map(Duration::from_millis)
                })?,
                db_wait: parse_with(src, "db_wait_ms", "3000", |v| {
                    whole_in(v, 100..=60_000, "milliseconds").map(Duration::from_millis)
                })?,
            },
        })
    }

    /// Whether the database is PostgreSQL (else SQLite).
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

/// A whole number within `range`, or the message saying so.
fn whole_in(v: &str, range: std::ops::RangeInclusive<u64>, unit: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "'{v}' is not a whole number of {unit} from {} to {}",
                range.start(),
                range.end()
            )
        })
}

fn parse_with<T>(
    src: &Source,
    key: &str,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let (var, raw) = src.get(key).unwrap_or_else(|| {
        (
            format!("HUZHU_{}", key.to_ascii_uppercase()),
            default.to_owned(),
        )
    });
    parse(raw.trim()).map_err(|m| invalid(&var, m))
}

fn parse_optional<T>(
    src: &Source,
    key: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    match src.get(key) {
        Some((_, raw)) if raw.trim().is_empty() => Ok(None),
        Some((var, raw)) => parse(raw.trim()).map(Some).map_err(|m| invalid(&var, m)),
        None => Ok(None),
    }
}

fn check_database_url((var, raw): (String, String)) -> Result<String, ConfigError> {
    let raw = raw.trim().to_owned();
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|p| raw.starts_with(p)) {
        Ok(raw)
    } else {
        Err(invalid(
            &var,
            "must start with sqlite: or postgres:// (value not shown: it may hold a password)",
        ))
    }
}

fn parse_public_url(v: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(v)
        .map_err(|_| format!("'{v}' is not a URL like https://huzhu.example.org"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        _ => Err(format!("'{v}' must be an http or https URL with a host")),
    }
}

fn check_smtp_url(v: &str) -> Result<String, String> {
    let hidden = "(value not shown: it may hold a password)";
    let parsed =
        url::Url::parse(v).map_err(|_| format!("not a URL like smtp://host:25 {hidden}"))?;
    match (parsed.scheme(), parsed.host()) {
        // lettre reads the rest (credentials, ?tls=…): let it judge now, not
        // at the first email.
        ("smtp" | "smtps", Some(_)) => {
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(v)
                .map(|_| v.to_owned())
                .map_err(|_| format!("lettre cannot use this URL (check ?tls=…) {hidden}"))
        }
        _ => Err(format!(
            "must be smtp://host:port or smtps://host:port {hidden}"
        )),
    }
}

/// `https://tiles.example/{z}/{x}/{y}.png|© County GIS`: a URL template of
/// one http(s) server with `{z}`, `{x}` and `{y}` (and `{r}` if it likes),
/// then, after the first `|`, the attribution (may be left out).
fn parse_tiles(v: &str) -> Result<MapTiles, String> {
    let (template, attribution) = v.split_once('|').unwrap_or((v, ""));
    let (template, attribution) = (template.trim(), attribution.trim());
    let shape = "a tile URL like https://tiles.example/{z}/{x}/{y}.png, then |attribution";
    for needed in ["{z}", "{x}", "{y}"] {
        if !template.contains(needed) {
            return Err(format!(
                "'{template}' has no {needed}: it should be {shape}"
            ));
        }
    }
    let concrete = ["{z}", "{x}", "{y}", "{r}"]
        .iter()
        .fold(template.to_owned(), |t, p| t.replace(p, "0"));
    if concrete.contains(['{', '}']) {
        return Err(format!(
            "'{template}' holds a placeholder other than {{z}}, {{x}}, {{y}}, {{r}}: name one \
             server (no {{s}}), as the pages' Content-Security-Policy allows exactly one"
        ));
    }
    let url = url::Url::parse(&concrete).map_err(|_| format!("'{template}' is not {shape}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "'{template}' must be an http or https URL with a host"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a tile URL may not hold a user or password: browsers would see it".to_owned());
    }
    if attribution.chars().any(char::is_control) {
        return Err("the attribution may not hold control characters".to_owned());
    }
    Ok(MapTiles {
        template: template.to_owned(),
        attribution: attribution.to_owned(),
        origin: url.origin().ascii_serialization(),
    })
}

/// `30s`, `15m`, `2h`: at most a day.
fn parse_every(v: &str) -> Result<Duration, String> {
    let bad = || format!("'{v}' is not a period like 15m, 1h or 90s (at most 24 hours)");
    let (number, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(bad()),
    };
    if (1..=86_400).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(bad())
    }
}

/// `10.0.0.0/8, 192.168.1.7, 2001:db8::/32`: networks, or single addresses.
fn parse_networks(v: &str) -> Result<Vec<IpNet>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    format!("'{item}' is not an address or a CIDR like 10.0.0.0/8 or 2001:db8::/32")
                })
        })
        .collect()
}

/// `200/1h`: at most 200 per hour (periods as for [`parse_every`]: at most
/// a day, the longest any throttle remembers).
fn parse_limit(v: &str) -> Result<Limit, String> {
    let bad = || {
        format!(
            "'{v}' is not a limit like 200/1h: a count from 1 to 1000000 per period of at most 24h"
        )
    };
    let (count, period) = v.split_once('/').ok_or_else(bad)?;
    let max = count
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(bad)?;
    let window = parse_every(period.trim()).map_err(|_| bad())?;
    Ok(Limit {
        max,
        window_ms: window.as_millis() as i64,
    })
}

fn parse_seconds(v: &str) -> Result<Duration, String> {
    let secs: f64 = v
        .parse()
        .map_err(|_| format!("'{v}' is not a number of seconds"))?;
    if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!(
            "'{v}' must be more than 0 and at most 86400 seconds"
        ))
    }
}

/// A whole number of days from 1 to 365.
fn parse_days(v: &str) -> Result<u32, String> {
    v.parse::<u32>()
        .ok()
        .filter(|n| (1..=365).contains(n))
        .ok_or_else(|| format!("'{v}' is not a whole number of days from 1 to 365"))
}

fn parse_hours(v: &str) -> Result<Duration, String> {
    let hours: f64 = v
        .parse()
        .map_err(|_| format!("'{v}' is not a number of hours"))?;
    if hours.is_finite() && hours > 0.0 && hours <= 24.0 * 365.0 {
        Ok(Duration::from_secs_f64(hours * 3600.0))
    } else {
        Err(format!("'{v}' must be more than 0 and at most 8760 hours"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::HOUR_MS;

    #[test]
    fn the_backoff_doubles_from_the_base_up_to_the_cap() {
        let policy = RetryPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3600),
            max_attempts: 12,
        };
        let waits: Vec<u64> = (1..=11).map(|n| policy.delay(n, 1.0).as_secs()).collect();
        assert_eq!(
            waits,
            vec![10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(policy.delay(1, 0.8).as_secs(), 8);
        assert_eq!(policy.delay(200, 1.2).as_secs(), 4320);
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_configuration_serves_a_laptop() {
        let s = Settings::from_sources(&HashMap::new(), None).expect("defaults are valid");
        assert_eq!(s.database_url, "sqlite://huzhu.db?mode=rwc");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.proposal_ttl, Duration::from_secs(72 * 3600));
        assert_eq!(s.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!((s.stale_days, s.confirm_after_days), (14, 7));
        assert!(s.smtp_url.is_none());
    }

    #[test]
    fn environment_overrides_the_file_and_database_url_is_a_fallback() {
        let file = "bind = \"127.0.0.1:9000\"\nproposal_ttl_hours = 0.5\n";
        let s = Settings::from_sources(
            &env(&[
                ("HUZHU_BIND", "127.0.0.1:0"),
                ("DATABASE_URL", "postgres://u@h/db"),
            ]),
            Some(file),
        )
        .expect("valid");
        assert_eq!(s.bind.port(), 0);
        assert_eq!(s.proposal_ttl, Duration::from_secs(1800));
        assert!(s.is_postgres());
    }

    #[test]
    fn each_invalid_value_names_its_variable() {
        let cases = [
            ("HUZHU_BIND", "nowhere"),
            ("HUZHU_PROPOSAL_TTL_HOURS", "-1"),
            ("HUZHU_TIMEZONE", "Mars/Olympus"),
            ("HUZHU_LOG_FORMAT", "xml"),
            ("HUZHU_PUBLIC_URL", "ftp://x"),
            ("HUZHU_SMTP_URL", "http://user:secret@host"),
            ("HUZHU_SMTP_URL", "smtp://user:secret@host:25?tls=sometimes"),
            ("HUZHU_DATABASE_URL", "mysql://user:secret@host/db"),
            ("HUZHU_MAIL_FROM", "not a mailbox"),
            ("HUZHU_ROUND_EVERY", "often"),
            ("HUZHU_ROUND_EVERY", "0s"),
            ("HUZHU_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("HUZHU_TRUSTED_PROXIES", "127.0.0.1/32, proxy.internal"),
            ("HUZHU_LIMIT_REGISTRATIONS_PER_IP", "lots"),
            ("HUZHU_LIMIT_REGISTRATIONS_PER_IP", "0/1h"),
            ("HUZHU_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "50/2d"),
            ("HUZHU_MAP_TILES", "https://tiles.example/{z}/{x}.png"),
            ("HUZHU_MAP_DATUM", "bd09"),
            ("HUZHU_STALE_DAYS", "0"),
            ("HUZHU_CONFIRM_AFTER_DAYS", "a week"),
            ("HUZHU_CONFIRM_AFTER_DAYS", "366"),
        ];
        for (var, value) in cases {
            let err = Settings::from_sources(&env(&[(var, value)]), None).expect_err(var);
            assert_eq!(err.variable, var);
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses_and_none_by_default() {
        let none = Settings::from_sources(&HashMap::new(), None).expect("defaults");
        assert!(none.trusted_proxies.is_empty());
        let s = Settings::from_sources(
            &env(&[(
                "HUZHU_TRUSTED_PROXIES",
                " 10.1.2.3/8, 192.0.2.7 ,2001:db8::/32,",
            )]),
            None,
        )
        .expect("valid");
        let shown: Vec<String> = s.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]);
    }

    #[test]
    fn limits_read_as_a_count_per_period() {
        let s = Settings::from_sources(
            &env(&[("HUZHU_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "80/2h")]),
            None,
        )
        .expect("valid");
        let ceiling = s.limits.login_failures_per_account;
        assert_eq!((ceiling.max, ceiling.window_ms), (80, 2 * HOUR_MS));
        let defaults = Settings::from_sources(&HashMap::new(), None).expect("defaults");
        assert!(defaults.limits.registrations_per_ip.max >= 50 * 2);
    }

    #[test]
    fn a_file_value_that_is_invalid_names_the_file_key() {
        let err = Settings::from_sources(&HashMap::new(), Some("timezone = 3")).expect_err("bad");
        assert_eq!(err.variable, "timezone (huzhu.toml)");
    }
}
