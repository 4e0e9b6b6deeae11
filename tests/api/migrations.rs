use migration::{Migrator, MigratorTrait};

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn readyz_is_503_while_a_migration_is_pending() {
    let app = spawn_app().await;
    Migrator::down(&app.context.db, Some(1))
        .await
        .expect("roll back the newest migration");
    problem(app.get("/readyz").await, 503).await;

    Migrator::up(&app.context.db, None)
        .await
        .expect("apply again");
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn every_migration_rolls_back_and_applies_again() {
    let app = spawn_app().await;
    let db = &app.context.db;
    Migrator::down(db, None).await.expect("every down works");
    assert_eq!(
        Migrator::get_applied_migrations(db)
            .await
            .expect("status")
            .len(),
        0
    );
    Migrator::up(db, None).await.expect("every up works again");
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .expect("status")
            .is_empty()
    );
}
