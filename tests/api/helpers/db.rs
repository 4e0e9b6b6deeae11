//! A fresh database per test: a temporary SQLite file, or a new PostgreSQL
//! database when `HUZHU_TEST_DATABASE_URL` names a server (dropped after).

use sea_orm::{ConnectionTrait, Database};

/// One test's own database.
pub struct TestDb {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn create() -> Self {
        match std::env::var("HUZHU_TEST_DATABASE_URL") {
            Ok(server) if server.starts_with("postgres") => Self::create_postgres(&server).await,
            _ => Self::create_sqlite(),
        }
    }

    fn create_sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("huzhu.db").display()
        );
        Self {
            url,
            postgres: None,
            _dir: Some(dir),
        }
    }

    async fn create_postgres(server: &str) -> Self {
        let name = format!("huzhu_test_{}", uuid::Uuid::now_v7().simple());
        let admin_url = with_database(server, "postgres");
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        Self {
            url: with_database(server, &name),
            postgres: Some((admin_url, name)),
            _dir: None,
        }
    }
}

fn with_database(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("HUZHU_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: do the async work on a thread
        // of its own. FORCE ends the server's pooled connections.
        let worker = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = admin.execute_unprepared(&sql).await;
                    admin.close().await.ok();
                }
            });
        });
        let _ = worker.join();
    }
}
