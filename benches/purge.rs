//! The retention purge at county scale: 100,000 households whose needs (one
//! fulfilled, one cancelled each) all ended three years ago, plus 1,000
//! with an open need that must stay; then `retention::purge` as the daily
//! job and `huzhu purge` run it. Prints the time to find the candidates
//! (the dry run), the purge's time and its per-batch rate, and a second,
//! idempotent run.
//!
//! `cargo bench --bench purge` (SQLite in a temporary folder), or with
//! `HUZHU_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::collections::HashMap;
use std::time::Instant;

use huzhu::domain::{Category, NeedStatus, RegionLevel, Role};
use huzhu::i18n::Locale;
use huzhu::services::retention;
use huzhu::settings::Settings;
use huzhu::store::entity::{household, need, region, user};
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;

const HOUSEHOLDS: usize = 100_000;
const LIVE: usize = 1_000;
const DAY: i64 = 24 * 3_600_000;
const VILLAGE: &str = "430525101001";

async fn insert<E, A>(db: &sea_orm::DatabaseConnection, rows: Vec<A>)
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Clone + Send,
{
    let txn = huzhu::store::begin_write(db).await.expect("begin");
    for chunk in rows.chunks(1_000) {
        E::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("bulk insert");
    }
    txn.commit().await.expect("commit");
}

fn region_row(code: &str, level: RegionLevel, parent: Option<&str>) -> region::ActiveModel {
    region::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(format!("演示{code}")),
        level: Set(level),
        parent_code: Set(parent.map(str::to_owned)),
        lat: Set(Some(27.1)),
        lon: Set(Some(110.55)),
    }
}

fn need_row(h: Uuid, i: usize, status: NeedStatus, cadre: Uuid, at: i64) -> need::ActiveModel {
    let (lat, lon) = point(i);
    need::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(h),
        region: Set(VILLAGE.to_owned()),
        category: Set(if status == NeedStatus::Cancelled {
            Category::Living
        } else {
            Category::Care
        }),
        title: Set("照看老人".to_owned()),
        description: Set(String::new()),
        urgency: Set(2),
        status: Set(status),
        lat: Set(Some(lat)),
        lon: Set(Some(lon)),
        cell: Set(Some(huzhu::domain::grid::cell_of(lat, lon))),
        cancel_reason: Set((status == NeedStatus::Cancelled).then(|| "亲属照看".to_owned())),
        created_by: Set(cadre),
        posted_at: Set(at),
        updated_at: Set(at),
        escalation: Set(None),
        escalated_at: Set(None),
        alerted_at: Set(None),
        follow_up_at: Set(None),
    }
}

/// A household's exact point, spread over a few kilometres.
fn point(i: usize) -> (f64, f64) {
    (
        27.05 + (i % 997) as f64 * 1e-4,
        110.50 + (i % 991) as f64 * 1e-4,
    )
}

async fn load(db: &sea_orm::DatabaseConnection) -> Uuid {
    let regions = vec![
        region_row("430525000000", RegionLevel::County, None),
        region_row("430525101000", RegionLevel::Township, Some("430525000000")),
        region_row(VILLAGE, RegionLevel::Village, Some("430525101000")),
    ];
    // The migrations seed the county's regions: add what is missing.
    region::Entity::insert_many(regions)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(region::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .expect("regions");
    let cadre = Uuid::now_v7();
    let long_ago = huzhu::store::now_ms() - 3 * 365 * DAY;
    insert(
        db,
        vec![user::ActiveModel {
            id: Set(cadre),
            email_key: Set("cadre@bench.example".to_owned()),
            email: Set("cadre@bench.example".to_owned()),
            name: Set("干部".to_owned()),
            phone: Set(None),
            role: Set(Role::Cadre),
            region: Set(Some("430525101".to_owned())),
            locale: Set(Locale::ZhCn),
            verified: Set(true),
            password_hash: Set(None),
            created_at: Set(long_ago),
            updated_at: Set(long_ago),
            active: Set(true),
            erased_at: Set(None),
        }],
    )
    .await;
    for start in (0..HOUSEHOLDS + LIVE).step_by(10_000) {
        let (mut households, mut needs) = (Vec::new(), Vec::new());
        for i in start..(start + 10_000).min(HOUSEHOLDS + LIVE) {
            let id = Uuid::now_v7();
            let (lat, lon) = point(i);
            households.push(household::ActiveModel {
                id: Set(id),
                region: Set(VILLAGE.to_owned()),
                head_name: Set(format!("户主{i}")),
                id_number: Set(None),
                phone: Set(Some(format!("139{i:08}"))),
                members: Set(3),
                lat: Set(Some(lat)),
                lon: Set(Some(lon)),
                tags: Set("elderly_alone;chronic_illness".to_owned()),
                created_by: Set(cadre),
                created_at: Set(long_ago),
                updated_at: Set(long_ago),
                erased_at: Set(None),
            });
            let second = if i < HOUSEHOLDS {
                NeedStatus::Cancelled
            } else {
                NeedStatus::Open
            };
            needs.push(need_row(id, i, NeedStatus::Fulfilled, cadre, long_ago));
            needs.push(need_row(id, i, second, cadre, long_ago));
        }
        insert(db, households).await;
        insert(db, needs).await;
    }
    cadre
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (db_url, postgres) = common::county::database(dir.path()).await;
    let env = HashMap::from([
        ("HUZHU_DATABASE_URL".to_owned(), db_url),
        (
            "HUZHU_MAIL_DIR".to_owned(),
            dir.path().join("mail").display().to_string(),
        ),
    ]);
    let settings = Settings::from_sources(&env, None).expect("settings");
    let db = huzhu::startup::prepare_database(&settings)
        .await
        .expect("database");
    let backend = format!("{:?}", db.get_database_backend());
    let loading = Instant::now();
    load(&db).await;
    common::county::settle(&db).await;
    println!(
        "purge bench ({backend}): {HOUSEHOLDS} ended households (+{LIVE} with an open need), {} needs, loaded in {:.1} s",
        2 * (HOUSEHOLDS + LIVE),
        loading.elapsed().as_secs_f64()
    );
    let now = huzhu::store::now_ms();
    let nil = Uuid::nil();
    let dry = retention::purge(&db, &settings, now, true, nil)
        .await
        .expect("dry run");
    println!(
        "  dry run: {} households due, found in {:.3} s",
        dry.due.len(),
        dry.elapsed.as_secs_f64()
    );
    let run = retention::purge(&db, &settings, now, false, nil)
        .await
        .expect("purge");
    let per_batch = run.erasing.as_secs_f64() * 1000.0 / run.batches.max(1) as f64;
    println!(
        "  purge: {} households erased in {} batches of {} in {:.2} s ({:.1} ms a batch, {:.0} households/s); total {:.2} s",
        run.households_erased,
        run.batches,
        retention::BATCH,
        run.erasing.as_secs_f64(),
        per_batch,
        run.households_erased as f64 / run.erasing.as_secs_f64().max(1e-9),
        run.elapsed.as_secs_f64()
    );
    assert_eq!(run.households_erased as usize, HOUSEHOLDS);
    let again = retention::purge(&db, &settings, now, false, nil)
        .await
        .expect("again");
    println!(
        "  second run: {} erased in {:.3} s",
        again.households_erased,
        again.elapsed.as_secs_f64()
    );
    assert_eq!(again.households_erased, 0);
    common::county::drop_database(postgres, dir).await;
}
