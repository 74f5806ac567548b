//! Every diagnostic code is documented in `docs/errors.md`.

#[test]
fn every_code_is_documented() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md"))
        .expect("docs/errors.md");
    let missing: Vec<&str> = edict::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|code| !docs.lines().any(|l| l == format!("## {code}")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a section in docs/errors.md: {missing:?}"
    );
}
