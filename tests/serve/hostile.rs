//! Clients that send too much, too little, too slowly, or the wrong thing:
//! each gets its status and a JSON error, and the service goes on.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::client::{chunk, chunked_batch, connect, head, part_of_a_body, read_response};
use super::{request, Server};

const QUERY: &str = r#"{"action": "sale", "actor": "partner", "date": "2021-04-02"}"#;

fn still_answers(server: &Server) {
    let r = server.post("/v1/decide", QUERY);
    assert_eq!(r.status, 200, "{}", r.text());
}

fn refused(r: &super::Response, status: u16, says: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let error = r.json()["error"].as_str().expect("an error").to_string();
    assert!(error.contains(says), "`{error}` does not say `{says}`");
}

#[test]
fn malformed_and_misdirected_requests_are_refused() {
    let server = Server::start(&["policies/zoom_russia", "--max-body", "1024"]);
    refused(&server.post("/v1/decide", "{\"action\": "), 400, "");
    refused(&server.post("/v1/decide", "[1, 2]"), 400, "");
    refused(
        &server.post(
            "/v1/decide",
            r#"{"action": "sale", "actor": "partner", "catgory": "x"}"#,
        ),
        400,
        "catgory",
    );
    let not_utf8 = request(
        server.addr,
        "POST",
        "/v1/decide",
        &[("Content-Type", "application/json")],
        b"{\"action\": \"\xff\"}",
    );
    refused(&not_utf8, 400, "UTF-8");
    let big = format!("{{\"action\": \"{}\"}}", "a".repeat(2000));
    refused(
        &server.post("/v1/decide", &big),
        413,
        "larger than the 1024 bytes",
    );
    let plain = request(
        server.addr,
        "POST",
        "/v1/decide",
        &[("Content-Type", "text/plain")],
        QUERY.as_bytes(),
    );
    refused(&plain, 415, "application/json");
    refused(&server.get("/v1/decide"), 405, "POST");
    refused(
        &request(server.addr, "DELETE", "/health", &[], b""),
        405,
        "GET",
    );
    refused(&server.get("/v2/everything"), 404, "/v2/everything");
    // a length far beyond the limit is refused before any of the body comes
    let mut stream = connect(server.addr).unwrap();
    stream
        .write_all(&head(
            "POST",
            "/v1/decide",
            &[
                ("Content-Type", "application/json"),
                ("Content-Length", "999999999"),
            ],
            0,
        ))
        .unwrap();
    refused(&read_response(&mut stream).unwrap(), 413, "larger");
    still_answers(&server);
}

#[test]
fn slow_and_truncated_requests_do_not_hold_the_service() {
    let server = Server::start(&[
        "policies/zoom_russia",
        "--timeout",
        "1",
        "--header-timeout",
        "1",
    ]);
    // headers that never end: the connection is closed
    let mut stream = connect(server.addr).unwrap();
    stream
        .write_all(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "the slow headers were waited on"
    );
    // a body that stops: 408
    let mut stream = part_of_a_body(server.addr);
    refused(
        &read_response(&mut stream).unwrap(),
        408,
        "stopped arriving",
    );
    // a body cut short by a closed connection
    let mut stream = part_of_a_body(server.addr);
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    refused(
        &read_response(&mut stream).unwrap(),
        400,
        "could not be read",
    );
    // a batch whose body stops: the answers so far, then the reason
    let line = format!("{QUERY}\n");
    let mut stream = chunked_batch(server.addr);
    chunk(&mut stream, &line);
    let answer = read_response(&mut stream).unwrap();
    assert_eq!(answer.status, 200);
    let lines: Vec<_> = answer.text().lines().map(super::json).collect();
    assert_eq!(lines.len(), 2, "{}", answer.text());
    assert!(lines[0]["decision"].is_string());
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("stopped arriving"),
        "{}",
        lines[1]
    );
    still_answers(&server);
}

#[test]
fn connections_beyond_the_cap_wait_their_turn() {
    let server = Server::start(&[
        "policies/zoom_russia",
        "--max-connections",
        "2",
        "--header-timeout",
        "1",
    ]);
    // two idle connections hold both places until the header timeout
    // closes them; a third waits for that, then is answered
    let idle: Vec<_> = (0..2).map(|_| connect(server.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    still_answers(&server);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(500),
        "the cap held nobody back ({waited:?})"
    );
    assert!(waited < Duration::from_secs(20));
    drop(idle);
    still_answers(&server);
}

#[test]
fn a_token_is_required_when_one_is_set() {
    let dir = std::env::temp_dir().join(format!("edict-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token = dir.join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let server = Server::start(&[
        "policies/zoom_russia",
        "--token-file",
        token.to_str().unwrap(),
    ]);
    let ask = |auth: Option<&str>| {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        request(
            server.addr,
            "POST",
            "/v1/decide",
            &headers,
            QUERY.as_bytes(),
        )
    };
    let none = ask(None);
    refused(&none, 401, "Bearer");
    assert!(none
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Bearer")));
    refused(&ask(Some("Bearer s3cret-tokem")), 401, "Bearer");
    refused(&ask(Some("Bearer s3cret-token-and-more")), 401, "Bearer");
    refused(&ask(Some("Basic s3cret-token")), 401, "Bearer");
    assert_eq!(ask(Some("Bearer s3cret-token")).status, 200);
    assert_eq!(
        ask(Some("bearer s3cret-token")).status,
        200,
        "the scheme is case-insensitive"
    );
    // probes need no token; metrics do
    assert_eq!(server.get("/health").status, 200);
    assert_eq!(server.get("/ready").status, 200);
    assert_eq!(server.get("/metrics").status, 401);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_batch_whose_answers_are_not_read_is_cut_off_and_the_rest_goes_on() {
    let server = Server::start(&["policies/zoom_russia", "--timeout", "1"]);
    // a client that sends a large batch and never reads: the batch stops
    // once its answers wait unread past the timeout
    let mut stream = connect(server.addr).unwrap();
    let lines = format!("{QUERY}\n").repeat(400_000);
    let head = head(
        "POST",
        "/v1/decide/batch",
        &[("Content-Type", "application/x-ndjson")],
        lines.len(),
    );
    stream.write_all(&head).unwrap();
    let writer = std::thread::spawn(move || {
        let sent = stream.write_all(lines.as_bytes());
        (stream, sent)
    });
    std::thread::sleep(Duration::from_millis(300));
    // meanwhile everything else is answered
    assert_eq!(server.get("/health").status, 200);
    still_answers(&server);
    let (mut stream, _) = writer.join().unwrap();
    // and still does not read, past the timeout
    std::thread::sleep(Duration::from_millis(2500));
    // what arrives is cut short: a chunked body without its last chunk
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    assert!(
        !got.ends_with(b"0\r\n\r\n"),
        "a cut batch must not look whole"
    );
    still_answers(&server);
}
