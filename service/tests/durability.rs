//! Kill -9 at random instants while enrolments and status updates stream in; after each
//! restart every acknowledged write is there, and nothing unacknowledged half-exists: a
//! status, the revocation its worse colour queued and the token signed for it are stored
//! together or not at all.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ADMIN, Env, Service};
use sha2::{Digest, Sha256};
use sqlx::Row as _;

const STREAMS: usize = 4;
const ROUNDS: usize = 4;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Status number k of a stream: red when odd, green when even, so every odd one is a
/// worsening that queues a revocation.
fn colour_for(k: i64) -> &'static str {
    if k % 2 == 1 { "red" } else { "green" }
}

#[test]
fn every_acknowledged_write_survives_sigkill_and_nothing_half_exists() {
    let env = Env::new();
    let rt = common::runtime();
    let mut service = env.start(&["--publish-interval", "50ms"]);
    let mut subjects = Vec::new();
    for i in 0..STREAMS {
        let (subject, _) = service.enrol(&format!("9900000000000{i}"));
        assert_eq!(
            service.set_status(&subject, r#"{"colour":"green"}"#).status,
            200
        );
        subjects.push(subject);
    }
    // Per stream, the last status number acknowledged (status version = k + 1).
    let acked: Arc<Mutex<Vec<i64>>> = Arc::new(Mutex::new(vec![0; STREAMS]));
    let enrolled: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut seed = rand::random::<u64>();
    eprintln!("durability seed {seed}");
    let mut next_id = 0u64;
    for round in 0..ROUNDS {
        let stop = Arc::new(AtomicBool::new(false));
        let base = service.base.clone();
        let mut threads = Vec::new();
        for (stream, subject) in subjects.iter().enumerate() {
            let (stop, acked, base, subject) =
                (stop.clone(), acked.clone(), base.clone(), subject.clone());
            threads.push(std::thread::spawn(move || {
                let agent = agent();
                let mut k = acked.lock().unwrap()[stream];
                while !stop.load(Ordering::Relaxed) {
                    k += 1;
                    let body = format!(r#"{{"colour":"{}"}}"#, colour_for(k));
                    let r = agent
                        .put(format!("{base}/v1/holders/{subject}/status"))
                        .header("Authorization", format!("Bearer {ADMIN}"))
                        .send(body.as_str());
                    match r {
                        Ok(r) if r.status() == 200 => acked.lock().unwrap()[stream] = k,
                        // Killed mid-request: this one may or may not have been applied.
                        _ => return,
                    }
                }
            }));
        }
        {
            let (stop, enrolled, base) = (stop.clone(), enrolled.clone(), base.clone());
            let first = next_id;
            threads.push(std::thread::spawn(move || {
                let agent = agent();
                let mut id = first;
                while !stop.load(Ordering::Relaxed) {
                    id += 1;
                    let r = agent
                        .post(format!("{base}/v1/holders"))
                        .header("Authorization", format!("Bearer {ADMIN}"))
                        .send(format!(r#"{{"id_number":"77{id:012}"}}"#).as_str());
                    let Ok(mut r) = r else { return };
                    let Ok(j) = r.body_mut().read_to_string() else {
                        return;
                    };
                    let j: serde_json::Value = serde_json::from_str(&j).unwrap();
                    enrolled.lock().unwrap().push((
                        j["subject"].as_str().unwrap().to_owned(),
                        j["credential"].as_str().unwrap().to_owned(),
                    ));
                }
            }));
        }
        next_id += 1_000_000;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(150 + seed % 700));
        service.kill();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        let applied = check(
            &env,
            &rt,
            &subjects,
            &acked.lock().unwrap(),
            &enrolled.lock().unwrap(),
            round,
        );
        // A status applied but not acknowledged counts: the next round goes on from it.
        *acked.lock().unwrap() = applied;
        service = Service::start(&env, &["--publish-interval", "50ms"]);
        assert_eq!(service.get("/healthz").status, 200);
    }
    eprintln!(
        "durability: {ROUNDS} kills; {} status updates and {} enrolments acknowledged, all found",
        acked.lock().unwrap().iter().sum::<i64>(),
        enrolled.lock().unwrap().len()
    );
    // The streams made progress in every round (the test did test something).
    assert!(acked.lock().unwrap().iter().all(|k| *k > ROUNDS as i64));
    assert!(enrolled.lock().unwrap().len() > ROUNDS);
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

fn check(
    env: &Env,
    rt: &tokio::runtime::Runtime,
    subjects: &[String],
    acked: &[i64],
    enrolled: &[(String, String)],
    round: usize,
) -> Vec<i64> {
    let pool = env.pool(rt);
    let mut applied_all = Vec::new();
    rt.block_on(async {
        for (subject, credential) in enrolled {
            let row = sqlx::query("SELECT credential_hash FROM holders WHERE subject = $1")
                .bind(subject)
                .fetch_optional(&pool)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("round {round}: acknowledged enrolment {subject} lost"));
            let stored: String = row.try_get("credential_hash").unwrap();
            assert_eq!(stored, hex(&Sha256::digest(credential.as_bytes())));
        }
        for (stream, subject) in subjects.iter().enumerate() {
            let row = sqlx::query(
                "SELECT colour, status_version, issue_not_before, token_status_version \
                 FROM holders WHERE subject = $1",
            )
            .bind(subject)
            .fetch_one(&pool)
            .await
            .unwrap();
            let version: i64 = row.try_get("status_version").unwrap();
            let colour: i64 = row.try_get("colour").unwrap();
            let not_before: i64 = row.try_get("issue_not_before").unwrap();
            let token_version: i64 = row.try_get("token_status_version").unwrap();
            let applied = version - 1;
            applied_all.push(applied);
            assert!(
                applied == acked[stream] || applied == acked[stream] + 1,
                "round {round}: stream {stream} acknowledged {} but {applied} are stored",
                acked[stream]
            );
            assert_eq!(
                colour,
                if colour_for(applied) == "red" { 2 } else { 0 },
                "round {round}"
            );
            assert_eq!(
                token_version, version,
                "the token is the one signed with the status"
            );
            let revocations = sqlx::query(
                "SELECT issued_before FROM pending_revocations WHERE subject = $1 \
                 ORDER BY issued_before",
            )
            .bind(subject)
            .fetch_all(&pool)
            .await
            .unwrap();
            // One revocation per worsening applied (every odd status), the last one's time
            // being the holder's earliest issue time.
            assert_eq!(revocations.len() as i64, (applied + 1) / 2, "round {round}");
            if let Some(last) = revocations.last() {
                assert_eq!(last.try_get::<i64, _>("issued_before").unwrap(), not_before);
            }
        }
        // Published lists form one unbroken chain.
        let sequence: i64 = sqlx::query("SELECT sequence FROM publisher WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get("sequence")
            .unwrap();
        let lists: i64 = sqlx::query("SELECT COUNT(*) AS n FROM revocation_lists")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(lists, sequence);
    });
    rt.block_on(pool.close());
    applied_all
}
