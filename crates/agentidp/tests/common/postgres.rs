//! The PostgreSQL side of the test harness: enabled by `AGENTIDP_TEST_POSTGRES_URL`, one fresh
//! database per test.

/// The PostgreSQL server URL (without database) when the PostgreSQL suite is enabled.
pub fn postgres_url() -> Option<String> {
    std::env::var("AGENTIDP_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Creates a fresh, empty database and returns its URL.
pub async fn fresh_postgres_database(server: &str) -> String {
    let server = server.trim_end_matches('/');
    let name = format!("agentidp_test_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&format!("{server}/postgres"))
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create database");
    admin.close().await;
    format!("{server}/{name}")
}
