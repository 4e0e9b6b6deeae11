//! Households and their needs, volunteers' offers, and the matches between
//! them with their event history.
//!
//! Two partial unique indexes make the database the referee of races: a
//! household has at most one open or matched need per category, and a need
//! at most one live (proposed or accepted) match. An offer's live matches are
//! counted in `live_matches`, raised only by `... WHERE live_matches <
//! capacity`, so a capacity can never be exceeded.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(households()).await?;
        manager.create_table(needs()).await?;
        manager.create_table(offers()).await?;
        manager.create_table(matches()).await?;
        manager.create_table(match_events()).await?;
        let indexes = [
            "CREATE INDEX idx_households_region ON households (region)",
            "CREATE UNIQUE INDEX idx_households_id_number ON households (id_number)",
            "CREATE INDEX idx_needs_status_region ON needs (status, region, posted_at)",
            "CREATE INDEX idx_needs_posted ON needs (posted_at, id)",
            "CREATE INDEX idx_needs_cell ON needs (cell, status)",
            "CREATE INDEX idx_needs_household ON needs (household_id)",
            "CREATE UNIQUE INDEX idx_needs_one_live_per_category ON needs (household_id, category) \
             WHERE status IN ('open', 'matched')",
            "CREATE INDEX idx_offers_volunteer ON offers (volunteer_id)",
            "CREATE INDEX idx_offers_status_remote ON offers (status, remote, id)",
            "CREATE INDEX idx_offers_cell ON offers (cell, status)",
            "CREATE INDEX idx_offers_radius_lat ON offers (radius_m, lat)",
            "CREATE INDEX idx_matches_need ON matches (need_id)",
            "CREATE INDEX idx_matches_offer ON matches (offer_id, status)",
            "CREATE INDEX idx_matches_volunteer ON matches (volunteer_id, status)",
            "CREATE INDEX idx_matches_status_expires ON matches (status, expires_at)",
            "CREATE UNIQUE INDEX idx_matches_one_live_per_need ON matches (need_id) \
             WHERE status IN ('proposed', 'accepted')",
            "CREATE INDEX idx_match_events_match ON match_events (match_id, at)",
        ];
        let db = manager.get_connection();
        for sql in indexes {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MatchEvents::Table.into_iden(),
            Matches::Table.into_iden(),
            Offers::Table.into_iden(),
            Needs::Table.into_iden(),
            Households::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn households() -> TableCreateStatement {
    Table::create()
        .table(Households::Table)
        .if_not_exists()
        .col(uuid(Households::Id).primary_key())
        .col(string_len(Households::Region, 12))
        .col(string_len(Households::HeadName, 100))
        .col(string_len_null(Households::IdNumber, 18))
        .col(string_len_null(Households::Phone, 20))
        .col(integer(Households::Members))
        .col(double_null(Households::Lat))
        .col(double_null(Households::Lon))
        // Tag codes joined by ';'.
        .col(string_len(Households::Tags, 200).default(""))
        .col(uuid(Households::CreatedBy))
        .col(big_integer(Households::CreatedAt))
        .col(big_integer(Households::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Households::Table, Households::Region)
                .to(Regions::Table, Regions::Code),
        )
        .to_owned()
}

fn needs() -> TableCreateStatement {
    Table::create()
        .table(Needs::Table)
        .if_not_exists()
        .col(uuid(Needs::Id).primary_key())
        .col(uuid(Needs::HouseholdId))
        // The household's region, copied so that lists filter without a join.
        .col(string_len(Needs::Region, 12))
        .col(string_len(Needs::Category, 16))
        .col(string_len(Needs::Title, 200))
        .col(text(Needs::Description))
        .col(small_integer(Needs::Urgency))
        .col(string_len(Needs::Status, 12))
        // The household's point (or its region's); null when neither is known.
        .col(double_null(Needs::Lat))
        .col(double_null(Needs::Lon))
        // A 0.01-degree grid cell of the point, for "near me" lookups.
        .col(big_integer_null(Needs::Cell))
        .col(text_null(Needs::CancelReason))
        .col(uuid(Needs::CreatedBy))
        .col(big_integer(Needs::PostedAt))
        .col(big_integer(Needs::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Needs::Table, Needs::HouseholdId)
                .to(Households::Table, Households::Id),
        )
        .to_owned()
}

fn offers() -> TableCreateStatement {
    Table::create()
        .table(Offers::Table)
        .if_not_exists()
        .col(uuid(Offers::Id).primary_key())
        .col(uuid(Offers::VolunteerId))
        // A bitmask over the categories of docs/matching.md, in its order.
        .col(integer(Offers::Categories))
        .col(double(Offers::Lat))
        .col(double(Offers::Lon))
        .col(big_integer(Offers::Cell))
        // The radius as the volunteer wrote it, and floor(1000 × it) exactly.
        .col(string_len(Offers::RadiusKm, 24))
        .col(big_integer(Offers::RadiusM))
        .col(boolean(Offers::Remote))
        .col(integer(Offers::Capacity))
        .col(integer(Offers::LiveMatches).default(0))
        .col(string_len(Offers::Status, 12))
        .col(big_integer_null(Offers::AvailableUntil))
        .col(big_integer(Offers::CreatedAt))
        .col(big_integer(Offers::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Offers::Table, Offers::VolunteerId)
                .to(Users::Table, Users::Id),
        )
        .to_owned()
}

fn matches() -> TableCreateStatement {
    Table::create()
        .table(Matches::Table)
        .if_not_exists()
        .col(uuid(Matches::Id).primary_key())
        .col(uuid(Matches::NeedId))
        .col(uuid(Matches::OfferId))
        .col(uuid(Matches::VolunteerId))
        .col(string_len(Matches::Origin, 8))
        .col(string_len(Matches::Status, 12))
        .col(uuid_null(Matches::RoundId))
        .col(big_integer(Matches::CreatedAt))
        .col(big_integer(Matches::UpdatedAt))
        .col(big_integer_null(Matches::AcceptedAt))
        .col(big_integer_null(Matches::EndedAt))
        .col(big_integer_null(Matches::ExpiresAt))
        .foreign_key(
            ForeignKey::create()
                .from(Matches::Table, Matches::NeedId)
                .to(Needs::Table, Needs::Id),
        )
        .foreign_key(
            ForeignKey::create()
                .from(Matches::Table, Matches::OfferId)
                .to(Offers::Table, Offers::Id),
        )
        .to_owned()
}

fn match_events() -> TableCreateStatement {
    Table::create()
        .table(MatchEvents::Table)
        .if_not_exists()
        .col(uuid(MatchEvents::Id).primary_key())
        .col(uuid(MatchEvents::MatchId))
        .col(big_integer(MatchEvents::At))
        .col(uuid_null(MatchEvents::ActorId))
        .col(string_len_null(MatchEvents::FromStatus, 12))
        .col(string_len(MatchEvents::ToStatus, 12))
        .col(text_null(MatchEvents::Note))
        .foreign_key(
            ForeignKey::create()
                .from(MatchEvents::Table, MatchEvents::MatchId)
                .to(Matches::Table, Matches::Id),
        )
        .to_owned()
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
    Region,
    HeadName,
    IdNumber,
    Phone,
    Members,
    Lat,
    Lon,
    Tags,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Needs {
    Table,
    Id,
    HouseholdId,
    Region,
    Category,
    Title,
    Description,
    Urgency,
    Status,
    Lat,
    Lon,
    Cell,
    CancelReason,
    CreatedBy,
    PostedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Offers {
    Table,
    Id,
    VolunteerId,
    Categories,
    Lat,
    Lon,
    Cell,
    RadiusKm,
    RadiusM,
    Remote,
    Capacity,
    LiveMatches,
    Status,
    AvailableUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Matches {
    Table,
    Id,
    NeedId,
    OfferId,
    VolunteerId,
    Origin,
    Status,
    RoundId,
    CreatedAt,
    UpdatedAt,
    AcceptedAt,
    EndedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum MatchEvents {
    Table,
    Id,
    MatchId,
    At,
    ActorId,
    FromStatus,
    ToStatus,
    Note,
}
