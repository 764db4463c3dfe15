//! After an issuer-key rotation the publisher keeps building on the revocation list the
//! previous key signed, once the service is given the trust list and the root key that
//! vouch for that key.

mod common;

use common::Env;
use qrseal_core::Timestamp;
use qrseal_core::lists::{ListInfo, RevocationList};
use qrseal_issuer::publish::{new_key_entry, sign_trust_list};
use qrseal_issuer::{IssuerKey, RootKey, SubjectSecret};

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(t) = f() {
            return t;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("condition not reached within 30 s");
}

/// The latest full list's sequence and signer, once one is published.
fn latest(service: &common::Service) -> Option<(u64, [u8; qrseal_core::wire::KEY_ID_LEN])> {
    let r = service.get("/v1/revocations/full");
    (r.status == 200).then(|| {
        let list = RevocationList::parse(&r.body).unwrap();
        (list.info.sequence, list.signer.0)
    })
}

#[test]
fn after_a_key_rotation_the_publisher_builds_on_the_previous_keys_list() {
    let mut env = Env::new();
    let (old_key, _) = qrseal_issuer::keyfile::load(&env.keys).unwrap();
    let new_key = IssuerKey::generate().unwrap();
    let new_keys = env.dir.path().join("keys-new");
    qrseal_issuer::keyfile::save_new(&new_keys, &new_key, &SubjectSecret::generate().unwrap())
        .unwrap();
    let root = RootKey::generate().unwrap();
    let root_pub = env.dir.path().join("root.pub");
    std::fs::write(&root_pub, root.public_key_pem().unwrap()).unwrap();
    let now = qrseal_service::app::unix_now();
    let from = Timestamp::from_unix(now - 3600);
    let mut entries = vec![
        new_key_entry(old_key.public_key(), from),
        new_key_entry(new_key.public_key(), from),
    ];
    entries.sort_by_key(|e| (e.key_id(), e.public_key));
    let info = ListInfo {
        sequence: 1,
        issued_at: Timestamp::from_unix(now - 60),
        next_update_by: Timestamp::from_unix(now + 86_400),
    };
    let trust = env.dir.path().join("trust.qstl");
    std::fs::write(&trust, sign_trust_list(&root, &info, &entries).unwrap()).unwrap();

    // The old key publishes list 1.
    let mut service = env.start(&[]);
    let (sequence, signer) = wait_for(|| latest(&service));
    assert_eq!((sequence, signer), (1, old_key.key_id().0));
    service.kill();

    // Rotated: the new key, told the trust list and root, signs list 2 over list 1 once a
    // revocation is queued.
    env.keys = new_keys;
    let service = env.start(&[
        "--trust-list",
        trust.to_str().unwrap(),
        "--root-key",
        root_pub.to_str().unwrap(),
    ]);
    let (subject, _) = service.enrol("110101199003078881");
    assert_eq!(
        service.set_status(&subject, r#"{"colour":"green"}"#).status,
        200
    );
    assert_eq!(
        service.set_status(&subject, r#"{"colour":"red"}"#).status,
        200
    );
    let (sequence, signer) = wait_for(|| latest(&service).filter(|(s, _)| *s >= 2));
    assert_eq!((sequence, signer), (2, new_key.key_id().0));
}

#[test]
fn a_root_key_without_a_trust_list_is_refused_at_start() {
    let env = Env::new();
    let root = RootKey::generate().unwrap();
    let root_pub = env.dir.path().join("root.pub");
    std::fs::write(&root_pub, root.public_key_pem().unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qrseal-service"))
        .args(["--listen", "127.0.0.1:0", "--keys"])
        .arg(&env.keys)
        .arg("--admin-token-file")
        .arg(&env.admin_file)
        .arg("--root-key")
        .arg(&root_pub)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trust-list"));
}
