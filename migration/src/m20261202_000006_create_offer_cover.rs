//! `offer_cover`: for each offer and each category it can serve on site,
//! the grid cells its service disc covers (huzhu's `domain::cover`), so that
//! a need's on-site candidates are one indexed lookup of its own cells.
//!
//! Pairs that always take the remote path (a remote offer, a remote-capable
//! category) have no rows: their distance is 0 wherever they are. Each row
//! repeats the offer's point, radius and the disc's bounding box so that the
//! lookup filters and measures without touching `offers`. Rows follow the
//! offer's geometry only; status and free places are read from `offers`.
//!
//! The primary key leads with (category, cell): on SQLite the table is
//! `WITHOUT ROWID`, so a lookup reads one contiguous run of the key.
//! Existing offers are backfilled with a frozen copy of the cover geometry:
//! a migration must not change when the application's code does later.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(OfferCover::Table)
            .col(small_integer(OfferCover::Category))
            .col(big_integer(OfferCover::Cell))
            .col(uuid(OfferCover::OfferId))
            .col(double(OfferCover::Lat))
            .col(double(OfferCover::Lon))
            .col(big_integer(OfferCover::RadiusM))
            .col(double(OfferCover::MinLat))
            .col(double(OfferCover::MaxLat))
            .col(double(OfferCover::MinLon))
            .col(double(OfferCover::MaxLon))
            .primary_key(
                Index::create()
                    .col(OfferCover::Category)
                    .col(OfferCover::Cell)
                    .col(OfferCover::OfferId),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(OfferCover::Table, OfferCover::OfferId)
                    .to(Offers::Table, Offers::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            table.extra("WITHOUT ROWID");
        }
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_offer_cover_offer")
                    .table(OfferCover::Table)
                    .col(OfferCover::OfferId)
                    .to_owned(),
            )
            .await?;
        backfill(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OfferCover::Table).to_owned())
            .await
    }
}

/// Covers every offer not withdrawn: each distinct (point, radius) is covered
/// once in Rust into a scratch table, then joined to the offers of each
/// category in SQL, so no offer id needs to travel through Rust.
async fn backfill(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let geometries = db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT DISTINCT lat, lon, radius_m FROM offers WHERE status <> 'withdrawn'",
        ))
        .await?;
    if geometries.is_empty() {
        return Ok(());
    }
    // A plain table, not a temporary one: the connection may be a pool, and
    // a temporary table lives on one connection only.
    db.execute_unprepared("DROP TABLE IF EXISTS offer_cover_seed")
        .await?;
    db.execute_unprepared(
        "CREATE TABLE offer_cover_seed (lat DOUBLE PRECISION, lon DOUBLE PRECISION, \
         radius_m BIGINT, cell BIGINT, min_lat DOUBLE PRECISION, max_lat DOUBLE PRECISION, \
         min_lon DOUBLE PRECISION, max_lon DOUBLE PRECISION)",
    )
    .await?;
    for row in geometries {
        let (lat, lon, radius_m): (f64, f64, i64) = (
            row.try_get("", "lat")?,
            row.try_get("", "lon")?,
            row.try_get("", "radius_m")?,
        );
        let (bbox, cells) = frozen::disc_cover(lat, lon, radius_m);
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("offer_cover_seed"))
            .columns(SEED_COLUMNS.map(Alias::new));
        for cell in cells {
            insert
                .values([
                    lat.into(),
                    lon.into(),
                    radius_m.into(),
                    cell.into(),
                    bbox[0].into(),
                    bbox[1].into(),
                    bbox[2].into(),
                    bbox[3].into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    // docs/matching.md's categories in order; the remote-capable ones are 0, 3, 5, 6.
    for category in 0..8i32 {
        let remote_capable = matches!(category, 0 | 3 | 5 | 6);
        let remote_rule = if remote_capable {
            " AND o.remote = FALSE"
        } else {
            ""
        };
        db.execute_unprepared(&format!(
            "INSERT INTO offer_cover (category, cell, offer_id, lat, lon, radius_m, \
             min_lat, max_lat, min_lon, max_lon) \
             SELECT {category}, s.cell, o.id, o.lat, o.lon, o.radius_m, \
             s.min_lat, s.max_lat, s.min_lon, s.max_lon \
             FROM offers o JOIN offer_cover_seed s \
             ON o.lat = s.lat AND o.lon = s.lon AND o.radius_m = s.radius_m \
             WHERE o.status <> 'withdrawn' AND (o.categories & {}) <> 0{remote_rule}",
            1 << category
        ))
        .await?;
    }
    db.execute_unprepared("DROP TABLE offer_cover_seed").await?;
    Ok(())
}

const SEED_COLUMNS: [&str; 8] = [
    "lat", "lon", "radius_m", "cell", "min_lat", "max_lat", "min_lon", "max_lon",
];

/// The cover geometry as of this migration (see the application's
/// `domain::cover` and `domain::grid::BoundingBox::around`).
mod frozen {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    const LEVELS: u32 = 12;
    const MAX_CELLS: i64 = 64;

    fn index(size: f64, lat: f64, lon: f64) -> (i64, i64) {
        (
            ((lat + 90.0) / size).floor() as i64,
            ((lon + 180.0) / size).floor() as i64,
        )
    }

    /// ([min_lat, max_lat, min_lon, max_lon], cell keys).
    pub fn disc_cover(lat: f64, lon: f64, radius_m: i64) -> ([f64; 4], Vec<i64>) {
        let dlat = ((radius_m as f64 + 1.0) * 1.001 / EARTH_RADIUS_M).to_degrees();
        let max_abs_lat = (lat.abs() + dlat).min(89.9);
        let dlon = (dlat / max_abs_lat.to_radians().cos()).min(180.0);
        let bbox = [
            (lat - dlat).max(-90.0),
            (lat + dlat).min(90.0),
            (lon - dlon).max(-180.0),
            (lon + dlon).min(180.0),
        ];
        let per_degree = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let size = |level: u32| 0.01 * f64::from(1u32 << level);
        let mut level = 0;
        while level + 1 < LEVELS && size(level) * per_degree < radius_m as f64 {
            level += 1;
        }
        loop {
            let (row_lo, col_lo) = index(size(level), bbox[0], bbox[2]);
            let (row_hi, col_hi) = index(size(level), bbox[1], bbox[3]);
            if (row_hi - row_lo + 1) * (col_hi - col_lo + 1) <= MAX_CELLS || level + 1 == LEVELS {
                let base = i64::from(level) * 10_000_000_000;
                let cells = (row_lo..=row_hi)
                    .flat_map(|row| (col_lo..=col_hi).map(move |col| base + row * 100_000 + col))
                    .collect();
                return (bbox, cells);
            }
            level += 1;
        }
    }
}

#[derive(DeriveIden)]
enum OfferCover {
    Table,
    Category,
    Cell,
    OfferId,
    Lat,
    Lon,
    RadiusM,
    MinLat,
    MaxLat,
    MinLon,
    MaxLon,
}

#[derive(DeriveIden)]
enum Offers {
    Table,
    Id,
}
