//! Writing the demo county: bulk inserts in the order the foreign keys
//! need, inside the caller's transaction.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};

use super::Built;

/// Rows per statement: the widest table has 16 columns, which keeps every
/// statement far below SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK: usize = 500;

async fn insert_all<M, A>(db: &impl ConnectionTrait, rows: &[M]) -> Result<(), DbErr>
where
    M: IntoActiveModel<A> + Clone,
    A: ActiveModelTrait + Send,
{
    for chunk in rows.chunks(CHUNK) {
        // A model converts to an active model of unchanged values; reset
        // marks them all as set, so that every column is inserted.
        let models = chunk
            .iter()
            .cloned()
            .map(|m| m.into_active_model().reset_all());
        <A::Entity as EntityTrait>::insert_many(models)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Inserts everything the demo built.
pub async fn all(db: &impl ConnectionTrait, built: &Built) -> Result<(), DbErr> {
    insert_all(db, &built.regions).await?;
    insert_all(db, &built.users).await?;
    insert_all(db, &built.households).await?;
    insert_all(db, &built.needs).await?;
    insert_all(db, &built.offers).await?;
    // Candidates find on-site offers through the cells they cover.
    crate::store::offer_cover::insert(db, &built.offers).await?;
    insert_all(db, &built.rounds).await?;
    insert_all(db, &built.history.matches).await?;
    insert_all(db, &built.history.events).await?;
    insert_all(db, &built.history.tokens).await?;
    let standing = &built.standing;
    insert_all(db, &standing.keys).await?;
    insert_all(db, &standing.helpers).await?;
    insert_all(db, &standing.pairings).await?;
    insert_all(db, &standing.visits).await?;
    insert_all(db, &standing.meetings).await?;
    insert_all(db, &standing.raised).await?;
    insert_all(db, &standing.suggestions).await?;
    Ok(())
}
