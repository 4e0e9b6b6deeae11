//! A county-scale database for the benchmarks: the instance of
//! benches/tools/gen_instance.py (104,096 needs, 92,507 offers, seed 1) loaded
//! as regions, households, needs, volunteers and offers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use huzhu::domain::grid::cell_of;
use huzhu::domain::{Category, NeedStatus, OfferStatus, RegionLevel, Role};
use huzhu::i18n::Locale;
use huzhu::matching::{CategorySet, radius_m_from_decimal};
use huzhu::store::entity::{household, need, offer, region, user};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, TransactionTrait, TryIntoModel};
use uuid::Uuid;

/// The generated instance folder (made once, then reused).
pub fn instance(needs: usize, offers: usize, seed: u64) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root
        .join("target/bench-instances")
        .join(format!("n{needs}-o{offers}-s{seed}"));
    if !dir.join("offers.csv").exists() {
        let script = root.join("benches/tools/gen_instance.py");
        let status = Command::new("python3")
            .arg(&script)
            .args([
                "--seed",
                &seed.to_string(),
                "--needs",
                &needs.to_string(),
                "--offers",
                &offers.to_string(),
                "--out",
            ])
            .arg(&dir)
            .status()
            .expect("python3 runs gen_instance.py ");
        assert!(status.success(), "gen_instance.py failed");
    }
    dir
}

/// What was loaded, for the benchmarks to query.
pub struct County {
    pub need_ids: Vec<Uuid>,
    pub village_points: Vec<(f64, f64)>,
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("posted_at")
        .timestamp_millis()
}

/// Loads the instance in `dir` into `db`, households registered by `cadre`.
pub async fn load(db: &DatabaseConnection, dir: &Path, cadre: Uuid) -> County {
    let mut needs_csv = csv::Reader::from_path(dir.join("needs.csv")).expect("needs.csv");
    let mut villages: HashMap<String, (f64, f64, u32)> = HashMap::new();
    let mut households = Vec::new();
    let mut needs = Vec::new();
    for record in needs_csv.records() {
        let r = record.expect("a needs row");
        let (region, lat, lon): (String, f64, f64) = (
            r[2].to_owned(),
            r[3].parse().expect("lat"),
            r[4].parse().expect("lon"),
        );
        let v = villages.entry(region.clone()).or_insert((0.0, 0.0, 0));
        *v = (v.0 + lat, v.1 + lon, v.2 + 1);
        let category: Category = r[1].parse().expect("category");
        let household_id = Uuid::now_v7();
        let posted = ms(&r[6]);
        households.push(household::ActiveModel {
            id: Set(household_id),
            region: Set(region.clone()),
            head_name: Set(format!("演示户{}", &r[0])),
            id_number: Set(None),
            phone: Set(None),
            members: Set(3),
            lat: Set(Some(lat)),
            lon: Set(Some(lon)),
            tags: Set(String::new()),
            created_by: Set(cadre),
            created_at: Set(posted),
            updated_at: Set(posted),
            erased_at: Set(None),
        });
        needs.push(need::ActiveModel {
            id: Set(Uuid::now_v7()),
            household_id: Set(household_id),
            region: Set(region),
            category: Set(category),
            title: Set(format!("{}需求", category.name_zh())),
            description: Set(String::new()),
            urgency: Set(r[5].parse().expect("urgency")),
            status: Set(NeedStatus::Open),
            lat: Set(Some(lat)),
            lon: Set(Some(lon)),
            cell: Set(Some(cell_of(lat, lon))),
            cancel_reason: Set(None),
            created_by: Set(cadre),
            posted_at: Set(posted),
            updated_at: Set(posted),
            escalation: Set(None),
            escalated_at: Set(None),
            alerted_at: Set(None),
            follow_up_at: Set(None),
        });
    }
    let village_rows: Vec<region::ActiveModel> = villages
        .iter()
        .map(|(code, (lat, lon, n))| region::ActiveModel {
            code: Set(code.clone()),
            name: Set(format!("演示村{}", &code[9..])),
            level: Set(RegionLevel::Village),
            parent_code: Set(Some(format!("{}000", &code[..9]))),
            lat: Set(Some(lat / f64::from(*n))),
            lon: Set(Some(lon / f64::from(*n))),
        })
        .collect();
    let mut offers_csv = csv::Reader::from_path(dir.join("offers.csv")).expect("offers.csv");
    let mut volunteers = Vec::new();
    let mut offers = Vec::new();
    let now = chrono::Utc::now().timestamp_millis();
    for record in offers_csv.records() {
        let r = record.expect("an offers row");
        let volunteer = Uuid::now_v7();
        volunteers.push(user::ActiveModel {
            id: Set(volunteer),
            email_key: Set(format!("{}@volunteers.example", &r[0]).to_lowercase()),
            email: Set(format!("{}@volunteers.example", &r[0])),
            name: Set(format!("志愿者{}", &r[0])),
            phone: Set(None),
            role: Set(Role::Volunteer),
            region: Set(None),
            locale: Set(Locale::ZhCn),
            verified: Set(true),
            password_hash: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            active: Set(true),
            erased_at: Set(None),
        });
        let categories: CategorySet = r[1]
            .split(';')
            .map(|c| c.parse::<Category>().expect("category"))
            .collect();
        let (lat, lon): (f64, f64) = (r[2].parse().expect("lat"), r[3].parse().expect("lon"));
        offers.push(offer::ActiveModel {
            id: Set(Uuid::now_v7()),
            volunteer_id: Set(volunteer),
            categories: Set(i32::from(categories.0)),
            lat: Set(lat),
            lon: Set(lon),
            cell: Set(cell_of(lat, lon)),
            radius_km: Set(r[4].to_owned()),
            radius_m: Set(radius_m_from_decimal(&r[4]).expect("radius")),
            remote: Set(&r[5] == "true"),
            capacity: Set(r[6].parse().expect("capacity")),
            live_matches: Set(0),
            status: Set(OfferStatus::Active),
            available_until: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    let need_ids = needs.iter().map(|n| n.id.clone().unwrap()).collect();
    let village_points = village_rows
        .iter()
        .map(|v| {
            (
                v.lat.clone().unwrap().unwrap_or(0.0),
                v.lon.clone().unwrap().unwrap_or(0.0),
            )
        })
        .collect();
    let txn = db.begin().await.expect("begin");
    insert_all::<region::Entity, _>(&txn, village_rows).await;
    insert_all::<household::Entity, _>(&txn, households).await;
    insert_all::<need::Entity, _>(&txn, needs).await;
    insert_all::<user::Entity, _>(&txn, volunteers).await;
    let offer_models: Vec<offer::Model> = offers
        .iter()
        .map(|o| o.clone().try_into_model().expect("a complete offer"))
        .collect();
    insert_all::<offer::Entity, _>(&txn, offers).await;
    huzhu::store::offer_cover::insert(&txn, &offer_models)
        .await
        .expect("offer cover");
    txn.commit().await.expect("commit");
    County {
        need_ids,
        village_points,
    }
}

async fn insert_all<E, A>(db: &impl sea_orm::ConnectionTrait, rows: Vec<A>)
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Clone + Send,
{
    for chunk in rows.chunks(1000) {
        E::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("bulk insert");
    }
}

/// The database URL for a benchmark: SQLite in `dir`, or a fresh PostgreSQL
/// database when `HUZHU_BENCH_DATABASE_URL` names a server (dropped by `drop_database`).
pub async fn database(dir: &Path) -> (String, Option<(String, String)>) {
    use sea_orm::{ConnectionTrait, Database};
    match std::env::var("HUZHU_BENCH_DATABASE_URL") {
        Ok(server) => {
            let name = format!("huzhu_bench_{}", Uuid::now_v7().simple());
            let mut admin = url::Url::parse(&server).expect("URL");
            admin.set_path("/postgres");
            let db = Database::connect(admin.as_str()).await.expect("connect");
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create");
            let mut url = admin.clone();
            url.set_path(&format!("/{name}"));
            (url.to_string(), Some((admin.to_string(), name)))
        }
        Err(_) => (
            format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
            None,
        ),
    }
}

/// Brings a PostgreSQL database just loaded to rest, as a county's server
/// is long after its data arrived: statistics gathered and hint bits set
/// (what autovacuum does within a minute), and the load's WAL checkpointed
/// so that the bulk load's checkpoint does not land inside what is measured.
/// SQLite's WAL, which readers kept from being reset during the load, is
/// copied back into the database file, as its next checkpoints would.
pub async fn settle(db: &DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    let statements: &[&str] = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => &["VACUUM ANALYZE", "CHECKPOINT"],
        _ => &["PRAGMA wal_checkpoint(TRUNCATE)"],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.expect(statement);
    }
}

/// Drops the bench's database, unless `HUZHU_BENCH_KEEP` is set: then it
/// says where the loaded county stays, for a look at its query plans.
pub async fn drop_database(postgres: Option<(String, String)>, dir: tempfile::TempDir) {
    use sea_orm::{ConnectionTrait, Database};
    if std::env::var_os("HUZHU_BENCH_KEEP").is_some() {
        match &postgres {
            Some((_, name)) => eprintln!("kept PostgreSQL database {name}"),
            None => eprintln!("kept {}", dir.keep().join("bench.db").display()),
        }
        return;
    }
    if let Some((admin, name)) = postgres
        && let Ok(db) = Database::connect(&admin).await
    {
        let _ = db
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

/// The p-th percentile of sorted durations, in milliseconds.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}
