//! The anchor of the surge benchmark (scripts/surge.sh): a bare axum handler that signs a
//! token on every request for holders kept in a hash map. No database, no admission
//! control, no rate limit, no metrics: what the service's own work is compared against.
//! Holder `i` has the same credential and subject as in `seed.rs`, and the answer has the
//! same JSON shape as `POST /v1/token`.
//!
//! `cargo run --release -p qrseal-service --example bare -- KEYDIR COUNT LISTEN`
//! (prints `bare listening on ADDR` once it accepts connections).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use qrseal_core::{Colour, Timestamp};
use qrseal_issuer::{Issuer, Status};
use sha2::{Digest, Sha256};

struct Bare {
    issuer: Issuer,
    holders: HashMap<[u8; 32], Status>,
}

async fn token(State(bare): State<Arc<Bare>>, headers: HeaderMap) -> Response {
    let Some(credential) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let hash: [u8; 32] = Sha256::digest(credential.as_bytes()).into();
    let Some(status) = bare.holders.get(&hash) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let now = Timestamp::from_unix(qrseal_service::app::unix_now());
    let Ok(token) = bare.issuer.issue(status, now) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    axum::Json(serde_json::json!({
        "qr": token.qr_text(),
        "url": token.url_text(),
        "issued_at": token.claims().issued_at.to_string(),
        "expires_at": token.claims().expires_at.to_string(),
        "refresh_at": token.refresh_at().to_string(),
    }))
    .into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, keys, count, listen] = args.as_slice() else {
        return Err("usage: bare KEYDIR COUNT LISTEN".into());
    };
    let count: u64 = count.parse()?;
    let (key, secret) = qrseal_issuer::keyfile::load(std::path::Path::new(keys))?;
    let issuer = Issuer::new(key, secret);
    let mut holders = HashMap::with_capacity(usize::try_from(count)?);
    for i in 0..count {
        let subject = issuer.subject(&format!("B{i:017}"))?;
        let hash: [u8; 32] = Sha256::digest(format!("bench{i:038}").as_bytes()).into();
        holders.insert(hash, Status::new(subject, Colour::Green));
    }
    let app = Router::new()
        .route("/v1/token", post(token))
        .with_state(Arc::new(Bare { issuer, holders }));
    let listener = tokio::net::TcpListener::bind(listen.as_str()).await?;
    println!("bare listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
