//! `edict lsp` in a real editor: a headless Neovim (the distribution's
//! package, which `.ci/run` installs) opens a policy with the setup in
//! `editors/neovim/edict.lua`, and through its own LSP client gets the
//! diagnostics, a hover and a formatting (`tests/editors/nvim_check.lua`).
#![cfg(feature = "lsp")]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

fn nvim_present() -> bool {
    let found = Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("nvim is missing: CI installs Debian's neovim package for this test");
        }
        eprintln!("note: nvim is not installed: the headless Neovim test is skipped");
    }
    found
}

#[test]
fn neovim_gets_diagnostics_a_hover_and_a_formatting() {
    if !nvim_present() {
        return;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nvim");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let text = "action sale\nactor partner,  reseller\nallow sale   by partnr\n  because \"a partner sells\"\n";
    std::fs::write(root.join("rules.policy"), text).unwrap();
    let out = root.join("seen.json");
    let mut child = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE"])
        .arg("--cmd")
        .arg(format!(
            "let g:edict_path = '{}'",
            env!("CARGO_BIN_EXE_edict")
        ))
        .arg("-u")
        .arg(manifest.join("editors/neovim/edict.lua"))
        .arg("-c")
        .arg(format!(
            "luafile {}",
            manifest.join("tests/editors/nvim_check.lua").display()
        ))
        .arg("rules.policy")
        .current_dir(&root)
        .env("EDICT_NVIM_OUT", &out)
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_STATE_HOME", root.join("state"))
        .spawn()
        .expect("nvim starts");
    // the script quits Neovim itself; a minute means it hung
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
        panic!("Neovim did not finish within a minute");
    }
    let seen: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the script wrote what it saw"))
            .unwrap();
    assert_eq!(seen["errors"], Value::Array(vec![]), "{seen}");
    assert_eq!(seen["filetype"], "edict");
    let diagnostics = seen["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{seen}");
    assert_eq!(diagnostics[0]["code"], "E101");
    assert_eq!(diagnostics[0]["line"], 2);
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `partner`?"));
    let hover = seen["hover"].as_str().unwrap();
    assert!(hover.starts_with("**actor** `partner`"), "{hover}");
    let expected = edict::format::format_text(text).unwrap();
    assert_eq!(seen["formatted"], expected.as_str());
    assert_ne!(
        expected, text,
        "the text given is not canonical, so formatting is seen"
    );
}
