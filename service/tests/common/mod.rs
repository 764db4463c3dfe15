//! Shared test harness: a temporary key directory, admin token and database (SQLite in a
//! temporary directory, or a fresh PostgreSQL database when `QRSEAL_TEST_POSTGRES_URL` names
//! a server), the service binary started on a free loopback port, and a small HTTP client.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use qrseal_issuer::{IssuerKey, SubjectSecret};
use qrseal_verifier::{TrustedKey, Verifier};

pub const ADMIN: &str = "test-admin-token-0123456789";

/// Where the service's state lives; outlives the processes started on it.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub keys: PathBuf,
    pub admin_file: PathBuf,
    pub database_url: String,
    pub public_key: [u8; 32],
}

/// Whether the suite runs on PostgreSQL (the URL of a server whose `postgres` database we
/// may create databases from).
pub fn postgres_url() -> Option<String> {
    std::env::var("QRSEAL_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let key = IssuerKey::generate().unwrap();
        let public_key = key.public_key();
        qrseal_issuer::keyfile::save_new(&keys, &key, &SubjectSecret::generate().unwrap()).unwrap();
        let admin_file = dir.path().join("admin-token");
        std::fs::write(&admin_file, format!("{ADMIN}\n")).unwrap();
        let database_url = match postgres_url() {
            Some(server) => fresh_postgres_database(&server),
            None => dir.path().join("qrseal.db").display().to_string(),
        };
        Env {
            dir,
            keys,
            admin_file,
            database_url,
            public_key,
        }
    }

    pub fn verifier(&self) -> Verifier {
        Verifier::new([TrustedKey::from_bytes(&self.public_key).unwrap()])
    }

    /// A pool on the service's database, to look at what it stored.
    pub fn pool(&self, rt: &tokio::runtime::Runtime) -> sqlx::AnyPool {
        rt.block_on(qrseal_service::store::open(&self.database_url, 2))
            .unwrap()
    }

    pub fn start(&self, extra: &[&str]) -> Service {
        Service::start(self, extra)
    }
}

/// A new empty database on the server, so that tests do not see each other's rows.
fn fresh_postgres_database(server: &str) -> String {
    use sqlx::Executor as _;
    let name = format!("qrseal_test_{:016x}", rand::random::<u64>());
    let rt = runtime();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(server)
            .await
            .unwrap();
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
    });
    let base = server.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

/// A running service process; killed when dropped.
pub struct Service {
    pub child: Child,
    pub base: String,
    agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap().to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Service {
    pub fn start(env: &Env, extra: &[&str]) -> Service {
        let mut command = Command::new(env!("CARGO_BIN_EXE_qrseal-service"));
        command
            .args(["--listen", "127.0.0.1:0", "--database-url"])
            .arg(&env.database_url)
            .arg("--keys")
            .arg(&env.keys)
            .arg("--admin-token-file")
            .arg(&env.admin_file)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if !extra.contains(&"--publish-interval") {
            command.args(["--publish-interval", "200ms"]);
        }
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("qrseal-service listening on ")
            .unwrap_or_else(|| panic!("service did not start: {line:?}"))
            .to_owned();
        // A fresh connection per request: the service may close a connection after an
        // error answer without reading the body, and a pooled one would then fail.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build()
            .into();
        Service {
            child,
            base: format!("http://{address}"),
            agent,
        }
    }

    pub fn address(&self) -> &str {
        self.base.strip_prefix("http://").unwrap()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(b) = bearer {
            request = request.header("Authorization", format!("Bearer {b}"));
        }
        if body.is_some() {
            request = request.header("Content-Type", "application/json");
        }
        let request = request.body(body.unwrap_or("").to_owned()).unwrap();
        let mut response = self.agent.run(request).unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None, None)
    }

    /// Enrols `id` and returns (subject, credential).
    pub fn enrol(&self, id: &str) -> (String, String) {
        let r = self.request(
            "POST",
            "/v1/holders",
            Some(ADMIN),
            Some(&format!(r#"{{"id_number":"{id}"}}"#)),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let j = r.json();
        (
            j["subject"].as_str().unwrap().to_owned(),
            j["credential"].as_str().unwrap().to_owned(),
        )
    }

    pub fn set_status(&self, subject: &str, body: &str) -> Reply {
        self.request(
            "PUT",
            &format!("/v1/holders/{subject}/status"),
            Some(ADMIN),
            Some(body),
        )
    }

    pub fn token(&self, credential: &str) -> Reply {
        self.request("POST", "/v1/token", Some(credential), None)
    }

    /// Stops the process with SIGKILL: no chance to clean up.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The sum of a counter in /metrics.
    pub fn metric(&self, name: &str) -> f64 {
        let text = String::from_utf8(self.get("/metrics").body).unwrap();
        text.lines()
            .filter(|l| l.starts_with(name) && !l.starts_with('#'))
            .filter(|l| l[name.len()..].starts_with(['{', ' ']))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn path_exists(p: &Path) -> bool {
    p.exists()
}
