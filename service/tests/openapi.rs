//! service/openapi.json against the running service: the same routes, every answer's status
//! documented for its route, and every JSON body holding what its schema requires.

mod common;

use common::{ADMIN, Env};
use serde_json::Value;

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let mut at = doc;
            for part in r.trim_start_matches("#/").split('/') {
                at = &at[part];
            }
            resolve(doc, at)
        }
        None => v,
    }
}

/// Checks `value` against the parts of a JSON schema the document uses: type, required,
/// properties, enum, additionalProperties on responses is not checked (answers may grow).
fn check_schema(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            _ => false,
        });
        assert!(ok, "{at}: {value} is not {types:?}");
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        assert!(values.contains(value), "{at}: {value} not in {values:?}");
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        assert!(
            value.get(name).is_some(),
            "{at}: `{name}` missing in {value}"
        );
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            check_schema(doc, items, v, &format!("{at}[{i}]"));
        }
    }
    if let (Some(props), Some(obj)) = (schema["properties"].as_object(), value.as_object()) {
        for (name, v) in obj {
            if let Some(s) = props.get(name) {
                check_schema(doc, s, v, &format!("{at}.{name}"));
            }
        }
    }
}

#[test]
fn the_openapi_document_matches_the_running_service() {
    let doc: Value =
        serde_json::from_str(include_str!("../openapi.json")).expect("openapi.json parses");
    let mut documented: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut served = qrseal_service::app::ROUTES.to_vec();
    documented.sort_unstable();
    served.sort_unstable();
    assert_eq!(
        documented, served,
        "the document and the router list the same paths"
    );

    let env = Env::new();
    let trust = env.dir.path().join("trust.qstl");
    std::fs::write(&trust, b"list").unwrap();
    let service = env.start(&[
        "--trust-list",
        trust.to_str().unwrap(),
        "--publish-interval",
        "50ms",
    ]);
    let (subject, credential) = service.enrol("110101199003078887");
    assert_eq!(
        service.set_status(&subject, r#"{"colour":"green"}"#).status,
        200
    );
    assert_eq!(
        service.set_status(&subject, r#"{"colour":"red"}"#).status,
        200
    );
    // Wait for the list that carries the revocation, so that a delta (sequence 2) exists.
    for _ in 0..200 {
        if service.get("/v1/revocations/delta/2").status == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (_, other) = service.enrol("110101199003078888");
    let site = service
        .request(
            "POST",
            "/v1/sites",
            Some(ADMIN),
            Some(r#"{"site":"site-1"}"#),
        )
        .json()["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    let samples = format!(
        r#"{{"batch":"{}-1","site":"site-1","device":"d1","tube":"T1","opened_at":1,"sealed_at":2,"samples":[{{"subject":"{subject}","kid":"0a1b2c3d","colour":"green","scanned_at":1}}]}}"#,
        "0".repeat(32)
    );

    let good_body = |path: &str| match path {
        "/v1/holders" => Some(r#"{"id_number":"110101199003078889"}"#.to_owned()),
        "/v1/holders/{subject}/status" => Some(r#"{"colour":"green"}"#.to_owned()),
        "/v1/sites" => Some(r#"{"site":"site-2"}"#.to_owned()),
        "/v1/samples" => Some(samples.clone()),
        _ => None,
    };
    let mut seen = 0;
    for (template, methods) in doc["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let method = method.to_uppercase();
            let admin = operation["security"][0].get("admin").is_some();
            let holder = operation["security"][0].get("holder").is_some();
            let site_auth = operation["security"][0].get("site").is_some();
            let mut cases: Vec<(String, Option<String>, Option<String>)> = Vec::new();
            let good_path = template
                .replace("{subject}", &subject)
                .replace("{sequence}", "2")
                .replace("{tube}", "T1");
            let good_auth = if admin {
                Some(ADMIN.to_owned())
            } else if holder {
                Some(credential.clone())
            } else if site_auth {
                Some(site.clone())
            } else {
                None
            };
            cases.push((good_path.clone(), good_auth.clone(), good_body(template)));
            cases.push((good_path.clone(), None, good_body(template)));
            cases.push((
                good_path.clone(),
                good_auth.clone(),
                Some("{nope".to_owned()),
            ));
            cases.push((
                template
                    .replace("{subject}", "zz")
                    .replace("{sequence}", "x")
                    .replace("{tube}", "a%20b"),
                good_auth.clone(),
                good_body(template),
            ));
            cases.push((
                template
                    .replace("{subject}", "ffffffffffffffffffffffff")
                    .replace("{sequence}", "99")
                    .replace("{tube}", "T2"),
                good_auth,
                good_body(template),
            ));
            if holder {
                cases.push((good_path.clone(), Some(other.clone()), None));
            }
            for (path, auth, body) in cases {
                let r = service.request(&method, &path, auth.as_deref(), body.as_deref());
                let status = r.status.to_string();
                let documented = &operation["responses"][&status];
                assert!(
                    !documented.is_null(),
                    "{method} {path} answered {status}, not documented"
                );
                let documented = resolve(&doc, documented);
                if let Some(schema) = documented["content"].get("application/json") {
                    check_schema(
                        &doc,
                        &schema["schema"],
                        &r.json(),
                        &format!("{method} {path} {status}"),
                    );
                }
                seen += 1;
            }
            // A method the document does not list is refused.
            let other_method = if method == "DELETE" {
                "PATCH"
            } else {
                "DELETE"
            };
            let r = service.request(other_method, &good_path, None, None);
            assert_eq!(r.status, 405, "{other_method} {good_path}");
        }
    }
    assert!(seen >= 40);
}
