//! The email outbox: every email a state change decides to send is a row
//! written in that change's transaction; a worker delivers and marks it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(uuid(Outbox::Id).primary_key())
                    // One email per (event, recipient): writing the same event
                    // twice hits this constraint and is ignored.
                    .col(string_len_uniq(Outbox::IdempotencyKey, 200))
                    .col(string_len(Outbox::Kind, 64))
                    .col(string_len(Outbox::RecipientEmail, 254))
                    .col(string_len(Outbox::RecipientName, 200))
                    .col(string_len(Outbox::Locale, 8))
                    .col(text(Outbox::Subject))
                    .col(text(Outbox::TextBody))
                    .col(text(Outbox::HtmlBody))
                    .col(string_len(Outbox::Status, 16).default("pending"))
                    .col(integer(Outbox::Attempts).default(0))
                    // Times are milliseconds since the Unix epoch, compared as
                    // integers the same way on SQLite and PostgreSQL.
                    .col(big_integer(Outbox::NextAttemptAt))
                    .col(big_integer_null(Outbox::LeaseUntil))
                    .col(text_null(Outbox::LastError))
                    .col(big_integer(Outbox::CreatedAt))
                    .col(big_integer_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Outbox {
    Table,
    Id,
    IdempotencyKey,
    Kind,
    RecipientEmail,
    RecipientName,
    Locale,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    CreatedAt,
    SentAt,
}
