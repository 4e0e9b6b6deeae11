//! A county's history of matches on top of a loaded county, for the
//! figures benchmark: about 65 % of needs ever accepted, most of those
//! completed, with declines before, cancellations and expiries, at
//! plausible hours after posting. Written straight to the tables: this is
//! a fixture for reading, not a test of the life cycle.

use huzhu::domain::{MatchOrigin, MatchStatus, NeedStatus};
use huzhu::store::entity::{matches, need, offer};
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

const H: i64 = 3_600_000;

/// How many matches of each status were written.
#[derive(Debug, Default)]
pub struct Written {
    pub matches: usize,
    pub fulfilled: usize,
}

fn row(
    need: Uuid,
    offer: (Uuid, Uuid),
    status: MatchStatus,
    created: i64,
    accepted: Option<i64>,
    ended: Option<i64>,
) -> matches::ActiveModel {
    matches::ActiveModel {
        id: Set(Uuid::now_v7()),
        need_id: Set(need),
        offer_id: Set(Some(offer.0)),
        volunteer_id: Set(offer.1),
        origin: Set(if accepted == Some(created) {
            MatchOrigin::Claim
        } else {
            MatchOrigin::Round
        }),
        status: Set(status),
        round_id: Set(None),
        created_at: Set(created),
        updated_at: Set(ended.or(accepted).unwrap_or(created)),
        accepted_at: Set(accepted),
        ended_at: Set(ended),
        // Live proposals wait beyond the benchmark, so that expiry does not
        // change the figures while they are measured.
        expires_at: Set(match status {
            MatchStatus::Proposed => Some(huzhu::store::now_ms() + 30 * 24 * H),
            _ => accepted.is_none().then_some(created + 72 * H),
        }),
    }
}

/// Writes the history for every need in `db`.
pub async fn write(db: &DatabaseConnection) -> Written {
    let needs: Vec<(Uuid, i64)> = need::Entity::find()
        .select_only()
        .column(need::Column::Id)
        .column(need::Column::PostedAt)
        .into_tuple()
        .all(db)
        .await
        .expect("needs");
    let offers: Vec<(Uuid, Uuid)> = offer::Entity::find()
        .select_only()
        .column(offer::Column::Id)
        .column(offer::Column::VolunteerId)
        .limit(20_000)
        .into_tuple()
        .all(db)
        .await
        .expect("offers");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut rows = Vec::new();
    let mut status: Vec<(NeedStatus, Vec<Uuid>)> = vec![
        (NeedStatus::Fulfilled, vec![]),
        (NeedStatus::Matched, vec![]),
        (NeedStatus::Cancelled, vec![]),
    ];
    for (id, posted) in needs {
        let offer = offers[rng.random_range(0..offers.len())];
        let roll: f64 = rng.random();
        let hours = |rng: &mut rand::rngs::StdRng, lo: i64, hi: i64| rng.random_range(lo..hi) * H;
        if roll < 0.65 {
            let mut at = posted + hours(&mut rng, 1, 24);
            if rng.random::<f64>() < 0.15 {
                let ended = at + hours(&mut rng, 1, 48);
                rows.push(row(id, offer, MatchStatus::Declined, at, None, Some(ended)));
                at = ended + hours(&mut rng, 1, 24);
            }
            let accepted = at + hours(&mut rng, 0, 96);
            let fate: f64 = rng.random();
            if fate < 0.75 {
                let done = accepted + hours(&mut rng, 12, 480);
                rows.push(row(
                    id,
                    offer,
                    MatchStatus::Completed,
                    at,
                    Some(accepted),
                    Some(done),
                ));
                status[0].1.push(id);
            } else if fate < 0.87 {
                let ended = accepted + hours(&mut rng, 1, 200);
                rows.push(row(
                    id,
                    offer,
                    MatchStatus::Cancelled,
                    at,
                    Some(accepted),
                    Some(ended),
                ));
            } else {
                rows.push(row(
                    id,
                    offer,
                    MatchStatus::Accepted,
                    at,
                    Some(accepted),
                    None,
                ));
                status[1].1.push(id);
            }
        } else if roll < 0.72 {
            let at = posted + hours(&mut rng, 1, 48);
            rows.push(row(
                id,
                offer,
                MatchStatus::Expired,
                at,
                None,
                Some(at + 72 * H),
            ));
        } else if roll < 0.76 {
            rows.push(row(
                id,
                offer,
                MatchStatus::Proposed,
                posted + H,
                None,
                None,
            ));
            status[1].1.push(id);
        } else if roll < 0.78 {
            status[2].1.push(id);
        }
    }
    let written = Written {
        matches: rows.len(),
        fulfilled: status[0].1.len(),
    };
    for chunk in rows.chunks(1000) {
        matches::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("matches");
    }
    for (to, ids) in status {
        for chunk in ids.chunks(1000) {
            need::Entity::update_many()
                .col_expr(need::Column::Status, Expr::value(to))
                .filter(need::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await
                .expect("need status");
        }
    }
    huzhu::store::stats::refresh(db, None)
        .await
        .expect("figure columns");
    // A county's database in use has been vacuumed and analysed (autovacuum
    // does it on PostgreSQL); a bulk load has not, yet.
    use sea_orm::ConnectionTrait;
    let statement = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(statement).await.expect("analyse");
    written
}
