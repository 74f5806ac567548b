//! The AuthZEN working group's own cases (certification scenario and the
//! interop Todo scenario, in `tests/fixtures/authzen/`), against the sets
//! in `policies/authzen_*` and their directories.

use serde_json::{json, Value as Json};

use super::{request, root, Server};

fn cases(name: &str) -> Json {
    let path = root().join("tests/fixtures/authzen").join(name);
    super::json(&std::fs::read_to_string(path).expect("the cases"))
}

fn server(set: &str) -> Server {
    let directory = format!("policies/{set}/directory.json");
    Server::start(&[&format!("policies/{set}"), "--directory", &directory])
}

/// Each `evaluation` case's decision, and each `evaluations` case's list
/// of decisions, exactly (the Todo harness compares the JSON).
fn run_cases(server: &Server, cases: &Json) -> usize {
    let mut checked = 0;
    for case in cases["evaluation"].as_array().expect("cases") {
        let r = server.post("/access/v1/evaluation", &case["request"].to_string());
        assert_eq!(r.status, 200, "{}: {}", case["name"], r.text());
        assert_eq!(r.json()["decision"], case["expected"], "{}", case["name"]);
        checked += 1;
    }
    for case in cases["evaluations"].as_array().expect("cases") {
        let r = server.post("/access/v1/evaluations", &case["request"].to_string());
        assert_eq!(r.status, 200, "{}: {}", case["name"], r.text());
        let got: Vec<Json> = r.json()["evaluations"]
            .as_array()
            .expect("evaluations")
            .iter()
            .map(|e| json!({"decision": e["decision"]}))
            .collect();
        assert_eq!(Json::Array(got), case["expected"], "{}", case["name"]);
        checked += 1;
    }
    checked
}

#[test]
fn todo_interop_cases_pass() {
    let server = server("authzen_todo");
    let cases = cases("todo.json");
    assert_eq!(run_cases(&server, &cases), 43);
    // the Todo harness compares batch items as written: nothing but the decision
    for case in cases["evaluations"].as_array().unwrap() {
        let r = server.post("/access/v1/evaluations", &case["request"].to_string());
        assert_eq!(
            r.json()["evaluations"],
            case["expected"],
            "{}",
            case["name"]
        );
    }
}

#[test]
fn certification_cases_pass() {
    let server = server("authzen_certification");
    let cases = cases("certification.json");
    assert_eq!(run_cases(&server, &cases), 15);
    for case in cases["single_response"].as_array().unwrap() {
        let r = server.post("/access/v1/evaluations", &case["request"].to_string());
        assert_eq!(r.status, 200, "{}", case["name"]);
        assert_eq!(
            r.json(),
            json!({"decision": case["expected"]}),
            "{}",
            case["name"]
        );
    }
    for case in cases["errors"].as_array().unwrap() {
        let body = match &case["raw_body"] {
            Json::String(raw) => raw.clone(),
            _ => case["request"].to_string(),
        };
        let kind = case["content_type"].as_str().unwrap_or("application/json");
        let endpoint = case["endpoint"].as_str().unwrap();
        let r = request(
            server.addr,
            "POST",
            endpoint,
            &[("Content-Type", kind)],
            body.as_bytes(),
        );
        // 400 for a wrong content type too, as the certification asks
        assert_eq!(r.status, 400, "{}: {}", case["name"], r.text());
        assert!(r.json()["error"].is_string(), "{}", case["name"]);
    }
}

#[test]
fn semantics_stop_where_they_say() {
    let server = server("authzen_certification");
    let item = |action: &str| json!({"action": {"name": action}, "resource": {"type": "record", "id": "record-1"}});
    // bob may read, may not write
    let batch = |semantic: &str| {
        json!({
            "subject": {"type": "user", "id": "bob"},
            "options": {"evaluations_semantic": semantic},
            "evaluations": [item("read"), item("write"), item("read")],
        })
        .to_string()
    };
    let decisions = |semantic: &str| -> Vec<Json> {
        let r = server.post("/access/v1/evaluations", &batch(semantic));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["decision"].clone())
            .collect()
    };
    assert_eq!(
        decisions("execute_all"),
        [json!(true), json!(false), json!(true)]
    );
    assert_eq!(decisions("deny_on_first_deny"), [json!(true), json!(false)]);
    assert_eq!(decisions("permit_on_first_permit"), [json!(true)]);
    let r = server.post("/access/v1/evaluations", &batch("first_wins"));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("execute_all"));
    // an item that cannot be decided is a denial, with the reason
    let r = server.post(
        "/access/v1/evaluations",
        &json!({"subject": {"type": "user", "id": "mallory"}, "action": {"name": "read"},
                "evaluations": [{"resource": {"type": "record", "id": "record-1"}}]})
        .to_string(),
    );
    let answer = &r.json()["evaluations"][0];
    assert_eq!(answer["decision"], false);
    assert!(
        answer["context"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("mallory"),
        "{answer}"
    );
}

#[test]
fn request_ids_are_echoed_and_discovery_names_the_endpoints() {
    let server = server("authzen_certification");
    let body = json!({"subject": {"type": "user", "id": "alice"}, "action": {"name": "read"},
                      "resource": {"type": "record", "id": "record-1"}})
    .to_string();
    let r = request(
        server.addr,
        "POST",
        "/access/v1/evaluation",
        &[
            ("Content-Type", "application/json"),
            ("X-Request-ID", "bfe9eb29-ab87"),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.header("x-request-id"), Some("bfe9eb29-ab87"));
    assert_eq!(r.json(), json!({"decision": true}));
    let d = server.get("/.well-known/authzen-configuration");
    assert_eq!(d.status, 200);
    assert_eq!(d.header("content-type"), Some("application/json"));
    let d = d.json();
    let base = d["policy_decision_point"].as_str().unwrap();
    assert_eq!(
        d["access_evaluation_endpoint"],
        format!("{base}/access/v1/evaluation")
    );
    assert_eq!(
        d["access_evaluations_endpoint"],
        format!("{base}/access/v1/evaluations")
    );
    // the endpoint it names answers
    let path = d["access_evaluation_endpoint"]
        .as_str()
        .unwrap()
        .trim_start_matches(base);
    assert_eq!(server.post(path, &body).json(), json!({"decision": true}));
}

#[test]
fn undeclared_properties_are_ignored_and_declared_ones_are_typed() {
    let server = server("authzen_certification");
    let ask = |properties: Json| {
        server
            .post(
                "/access/v1/evaluation",
                &json!({"subject": {"type": "user", "id": "alice"}, "action": {"name": "delete", "properties": properties},
                        "resource": {"type": "record", "id": "record-1"}})
                .to_string(),
            )
            .json()
    };
    assert_eq!(
        ask(json!({"soft": true, "undeclared": [1, 2]}))["decision"],
        true
    );
    // a declared attribute of the wrong type cannot be decided: never a permit
    let wrong = ask(json!({"soft": "yes"}));
    assert_eq!(wrong["decision"], false);
    assert!(wrong["context"]["error"]["message"].is_string(), "{wrong}");
}

#[test]
fn subjects_the_directory_does_not_list_are_refused() {
    let server = server("authzen_todo");
    // a role's name as a subject id is not the role
    for id in ["admin", "rick", "evil_genius"] {
        let r = server.post(
            "/access/v1/evaluation",
            &json!({"subject": {"type": "user", "id": id}, "action": {"name": "can_delete_todo"},
                    "resource": {"type": "todo", "id": "1", "properties": {"ownerID": "x"}}})
            .to_string(),
        );
        let answer = r.json();
        assert_eq!(answer["decision"], false, "{id}: {answer}");
        assert!(answer["context"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not in the directory"));
    }
}

#[test]
fn the_directory_comes_before_what_a_request_claims() {
    let server = server("authzen_certification");
    let write = |subject: Json, resource: Json| {
        server
            .post(
                "/access/v1/evaluation",
                &json!({"subject": subject, "action": {"name": "write"}, "resource": resource})
                    .to_string(),
            )
            .json()
    };
    // record-2 is archived in the directory, whatever the request says
    let claimed = write(
        json!({"type": "user", "id": "alice"}),
        json!({"type": "record", "id": "record-2", "properties": {"status": "active"}}),
    );
    assert_eq!(claimed["decision"], false, "{claimed}");
    // a subject's property does not stand in for a resource's
    let crossed = write(
        json!({"type": "user", "id": "alice", "properties": {"status": "active"}}),
        json!({"type": "record", "id": "record-9", "properties": {"status": "archived"}}),
    );
    assert_eq!(crossed["decision"], false, "{crossed}");
    assert!(
        crossed["context"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("differently"),
        "{crossed}"
    );
}
