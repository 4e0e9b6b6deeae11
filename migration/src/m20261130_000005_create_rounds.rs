//! Matching rounds and their locks, and the single-use tokens behind the
//! accept/decline links of proposal emails.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .if_not_exists()
                    .col(uuid(Rounds::Id).primary_key())
                    .col(string_len(Rounds::Region, 12))
                    .col(integer(Rounds::NeedsConsidered))
                    .col(integer(Rounds::OffersConsidered))
                    .col(integer(Rounds::Matched))
                    .col(big_integer(Rounds::TotalCost))
                    .col(big_integer(Rounds::SolveMs))
                    .col(uuid_null(Rounds::StartedBy))
                    .col(big_integer(Rounds::StartedAt))
                    .col(big_integer(Rounds::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // A row per running round; overlapping prefixes may not hold rows at
        // once. `expires_at` frees the lock of an instance that died.
        manager
            .create_table(
                Table::create()
                    .table(RoundLocks::Table)
                    .if_not_exists()
                    .col(uuid(RoundLocks::Id).primary_key())
                    .col(string_len(RoundLocks::Region, 12))
                    .col(big_integer(RoundLocks::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MatchTokens::Table)
                    .if_not_exists()
                    .col(uuid(MatchTokens::Id).primary_key())
                    .col(uuid(MatchTokens::MatchId))
                    .col(string_len_uniq(MatchTokens::TokenHash, 64))
                    .col(big_integer(MatchTokens::ExpiresAt))
                    .col(big_integer_null(MatchTokens::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_started")
                    .table(Rounds::Table)
                    .col(Rounds::StartedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MatchTokens::Table.into_iden(),
            RoundLocks::Table.into_iden(),
            Rounds::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    Region,
    NeedsConsidered,
    OffersConsidered,
    Matched,
    TotalCost,
    SolveMs,
    StartedBy,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum RoundLocks {
    Table,
    Id,
    Region,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum MatchTokens {
    Table,
    Id,
    MatchId,
    TokenHash,
    ExpiresAt,
    UsedAt,
}
