//! Administrative regions: county, township and village codes with names and,
//! where known, a point. Names may lie outside the Basic Multilingual Plane
//! (𦰡溪瑶族乡), so they are plain text columns, UTF-8 on both backends.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .if_not_exists()
                    // The 12-digit statistical code is the natural key.
                    .col(string_len(Regions::Code, 12).primary_key())
                    .col(text(Regions::Name))
                    .col(string_len(Regions::Level, 16))
                    // No foreign key: a county's parent (its prefecture) is
                    // usually not loaded.
                    .col(string_len_null(Regions::ParentCode, 12))
                    .col(double_null(Regions::Lat))
                    .col(double_null(Regions::Lon))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_regions_parent_code")
                    .table(Regions::Table)
                    .col(Regions::ParentCode)
                    .col(Regions::Code)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Regions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Regions {
    Table,
    Code,
    Name,
    Level,
    ParentCode,
    Lat,
    Lon,
}
