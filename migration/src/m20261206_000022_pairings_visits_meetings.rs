//! The county's own practice (户帮户亲帮亲): key households, their standing
//! pairings with a main helper, visits, and courtyard meetings (院落会).
//!
//! - `key_households`: a household marked key (重点户), with the reason; a
//!   table of its own, so that `households` keeps its shape for imports.
//! - `standing_helpers`: volunteers who agreed to standing pairings.
//! - `pairings`: a key household and its main helper (and liaison). At most
//!   one active pairing a household: a partial unique index decides races.
//!   `reminded_due` is the due time of the last visit reminder sent.
//! - `visits` and `meetings`, and `raised_needs`, which ties a need posted
//!   at a visit or a meeting to it; `need_suggestions`, a helper's raised
//!   needs waiting for the cadre to confirm.
//! - `matches.offer_id` may be null: a pairing-first proposal goes to the
//!   household's helper, not to an offer. SQLite cannot drop a NOT NULL in
//!   place; its documented way for a change that leaves the stored rows as
//!   they are is to edit the table's schema text (`writable_schema`) and
//!   bump the schema version, in this migration's transaction.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NULLABLE: (&str, &str) = ("\"offer_id\" uuid_text NOT NULL", "\"offer_id\" uuid_text");

async fn offer_id_nullable(manager: &SchemaManager<'_>, nullable: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() == DbBackend::Postgres {
        let change = if nullable { "DROP" } else { "SET" };
        db.execute_unprepared(&format!(
            "ALTER TABLE matches ALTER COLUMN offer_id {change} NOT NULL"
        ))
        .await?;
        return Ok(());
    }
    let (from, to) = if nullable {
        NULLABLE
    } else {
        (NULLABLE.1, NULLABLE.0)
    };
    let version = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA schema_version",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no schema version".into()))?
        .try_get_by_index::<i64>(0)?;
    db.execute_unprepared("PRAGMA writable_schema = ON").await?;
    let changed = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) \
             WHERE type = 'table' AND name = 'matches' AND instr(sql, ?) > 0",
            [from.into(), to.into(), from.into()],
        ))
        .await?
        .rows_affected();
    db.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1))
        .await?;
    db.execute_unprepared("PRAGMA writable_schema = OFF")
        .await?;
    if changed != 1 {
        return Err(DbErr::Custom(format!(
            "matches.offer_id: expected `{from}` in the table's schema"
        )));
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyHouseholds::Table)
                    .col(uuid(KeyHouseholds::HouseholdId).primary_key())
                    .col(string(KeyHouseholds::Reason))
                    .col(uuid(KeyHouseholds::MarkedBy))
                    .col(big_integer(KeyHouseholds::MarkedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(KeyHouseholds::Table, KeyHouseholds::HouseholdId)
                            .to(Households::Table, Households::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StandingHelpers::Table)
                    .col(uuid(StandingHelpers::UserId).primary_key())
                    .col(big_integer(StandingHelpers::Since))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StandingHelpers::Table, StandingHelpers::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Pairings::Table)
                    .col(uuid(Pairings::Id).primary_key())
                    .col(uuid(Pairings::HouseholdId))
                    .col(string(Pairings::Region))
                    .col(uuid(Pairings::HelperId))
                    .col(uuid_null(Pairings::LiaisonId))
                    .col(uuid(Pairings::CreatedBy))
                    .col(big_integer(Pairings::StartedAt))
                    .col(big_integer_null(Pairings::EndedAt))
                    .col(string_null(Pairings::EndReason))
                    .col(integer(Pairings::VisitEveryDays))
                    .col(big_integer_null(Pairings::LastVisitAt))
                    .col(big_integer_null(Pairings::RemindedDue))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Pairings::Table, Pairings::HouseholdId)
                            .to(Households::Table, Households::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Pairings::Table, Pairings::HelperId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in [
            "CREATE UNIQUE INDEX idx_pairings_active_household ON pairings (household_id) \
             WHERE ended_at IS NULL",
            "CREATE INDEX idx_pairings_helper ON pairings (helper_id, ended_at)",
            "CREATE INDEX idx_pairings_region ON pairings (region)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Visits::Table)
                    .col(uuid(Visits::Id).primary_key())
                    .col(uuid(Visits::HouseholdId))
                    .col(string(Visits::Region))
                    .col(uuid_null(Visits::PairingId))
                    .col(uuid(Visits::VisitorId))
                    .col(string(Visits::Kind))
                    .col(string_null(Visits::Relation))
                    .col(big_integer(Visits::At))
                    .col(text(Visits::Notes))
                    .col(big_integer(Visits::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Visits::Table, Visits::HouseholdId)
                            .to(Households::Table, Households::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for sql in [
            "CREATE INDEX idx_visits_household ON visits (household_id, at)",
            "CREATE INDEX idx_visits_region ON visits (region, at)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Meetings::Table)
                    .col(uuid(Meetings::Id).primary_key())
                    .col(string(Meetings::Region))
                    .col(big_integer(Meetings::HeldOn))
                    .col(integer(Meetings::Attendance))
                    .col(text(Meetings::Notes))
                    .col(uuid(Meetings::CreatedBy))
                    .col(big_integer(Meetings::CreatedAt))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("CREATE INDEX idx_meetings_region ON meetings (region, held_on)")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RaisedNeeds::Table)
                    .col(uuid(RaisedNeeds::NeedId).primary_key())
                    .col(uuid_null(RaisedNeeds::VisitId))
                    .col(uuid_null(RaisedNeeds::MeetingId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RaisedNeeds::Table, RaisedNeeds::NeedId)
                            .to(Needs::Table, Needs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for sql in [
            "CREATE INDEX idx_raised_needs_visit ON raised_needs (visit_id)",
            "CREATE INDEX idx_raised_needs_meeting ON raised_needs (meeting_id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(NeedSuggestions::Table)
                    .col(uuid(NeedSuggestions::Id).primary_key())
                    .col(uuid(NeedSuggestions::VisitId))
                    .col(uuid(NeedSuggestions::HouseholdId))
                    .col(string(NeedSuggestions::Region))
                    .col(string(NeedSuggestions::Category))
                    .col(string(NeedSuggestions::Title))
                    .col(text(NeedSuggestions::Description))
                    .col(small_integer(NeedSuggestions::Urgency))
                    .col(string(NeedSuggestions::Status))
                    .col(uuid(NeedSuggestions::SuggestedBy))
                    .col(big_integer(NeedSuggestions::CreatedAt))
                    .col(uuid_null(NeedSuggestions::DecidedBy))
                    .col(big_integer_null(NeedSuggestions::DecidedAt))
                    .col(uuid_null(NeedSuggestions::NeedId))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_need_suggestions_region ON need_suggestions (region, status)",
        )
        .await?;
        offer_id_nullable(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Pairing-first matches have no offer: they cannot outlive the column.
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM match_events WHERE match_id IN \
                 (SELECT id FROM matches WHERE offer_id IS NULL)",
            )
            .await?;
        for sql in [
            "DELETE FROM match_tokens WHERE match_id IN (SELECT id FROM matches WHERE offer_id IS NULL)",
            "DELETE FROM matches WHERE offer_id IS NULL",
        ] {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        offer_id_nullable(manager, false).await?;
        for table in [
            "need_suggestions",
            "raised_needs",
            "meetings",
            "visits",
            "pairings",
            "standing_helpers",
            "key_households",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum KeyHouseholds {
    Table,
    HouseholdId,
    Reason,
    MarkedBy,
    MarkedAt,
}

#[derive(DeriveIden)]
enum StandingHelpers {
    Table,
    UserId,
    Since,
}

#[derive(DeriveIden)]
enum Pairings {
    Table,
    Id,
    HouseholdId,
    Region,
    HelperId,
    LiaisonId,
    CreatedBy,
    StartedAt,
    EndedAt,
    EndReason,
    VisitEveryDays,
    LastVisitAt,
    RemindedDue,
}

#[derive(DeriveIden)]
enum Visits {
    Table,
    Id,
    HouseholdId,
    Region,
    PairingId,
    VisitorId,
    Kind,
    Relation,
    At,
    Notes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    Region,
    HeldOn,
    Attendance,
    Notes,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RaisedNeeds {
    Table,
    NeedId,
    VisitId,
    MeetingId,
}

#[derive(DeriveIden)]
enum NeedSuggestions {
    Table,
    Id,
    VisitId,
    HouseholdId,
    Region,
    Category,
    Title,
    Description,
    Urgency,
    Status,
    SuggestedBy,
    CreatedAt,
    DecidedBy,
    DecidedAt,
    NeedId,
}

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Needs {
    Table,
    Id,
}
