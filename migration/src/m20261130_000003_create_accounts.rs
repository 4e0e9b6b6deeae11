//! Accounts: users, their login sessions, single-use link tokens (verify,
//! invitation, reset), throttling events and the audit trail of reads of
//! household personal data. Tokens are stored only as SHA-256 hashes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(uuid(Users::Id).primary_key())
                    // Lower-cased, so that uniqueness is case-insensitive on
                    // both backends; `email` keeps what the person typed.
                    .col(string_len_uniq(Users::EmailKey, 254))
                    .col(string_len(Users::Email, 254))
                    .col(string_len(Users::Name, 100))
                    .col(string_len_null(Users::Phone, 20))
                    .col(string_len(Users::Role, 16))
                    .col(string_len_null(Users::Region, 12))
                    .col(string_len(Users::Locale, 8))
                    .col(boolean(Users::Verified).default(false))
                    .col(text_null(Users::PasswordHash))
                    .col(big_integer(Users::CreatedAt))
                    .col(big_integer(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(uuid(Sessions::Id).primary_key())
                    .col(uuid(Sessions::UserId))
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(string_len(Sessions::CsrfToken, 64))
                    .col(big_integer(Sessions::CreatedAt))
                    .col(big_integer(Sessions::LastUsedAt))
                    .col(big_integer(Sessions::ExpiresAt))
                    .col(big_integer_null(Sessions::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LinkTokens::Table)
                    .if_not_exists()
                    .col(uuid(LinkTokens::Id).primary_key())
                    .col(uuid(LinkTokens::UserId))
                    .col(string_len(LinkTokens::Purpose, 16))
                    .col(string_len_uniq(LinkTokens::TokenHash, 64))
                    .col(big_integer(LinkTokens::CreatedAt))
                    .col(big_integer(LinkTokens::ExpiresAt))
                    .col(big_integer_null(LinkTokens::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LinkTokens::Table, LinkTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThrottleEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ThrottleEvents::Id))
                    // e.g. `login:account:<email hash>`, `login:ip:<address>`
                    .col(string_len(ThrottleEvents::Bucket, 120))
                    .col(big_integer(ThrottleEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_throttle_bucket_at")
                    .table(ThrottleEvents::Table)
                    .col(ThrottleEvents::Bucket)
                    .col(ThrottleEvents::At)
                    .to_owned(),
            )
            .await?;
        for (name, table, column) in [
            (
                "idx_sessions_user",
                Sessions::Table.into_iden(),
                Sessions::UserId.into_iden(),
            ),
            (
                "idx_link_tokens_user",
                LinkTokens::Table.into_iden(),
                LinkTokens::UserId.into_iden(),
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(uuid(AuditLog::ActorId))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::SubjectType, 32))
                    .col(string_len(AuditLog::SubjectId, 64))
                    .col(big_integer(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_subject")
                    .table(AuditLog::Table)
                    .col(AuditLog::SubjectType)
                    .col(AuditLog::SubjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            ThrottleEvents::Table.into_iden(),
            LinkTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    EmailKey,
    Email,
    Name,
    Phone,
    Role,
    Region,
    Locale,
    Verified,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CsrfToken,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LinkTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ThrottleEvents {
    Table,
    Id,
    Bucket,
    At,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    SubjectType,
    SubjectId,
    At,
}
