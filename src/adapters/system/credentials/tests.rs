//! The real tools (`scripts/services.sh` installs Debian's `krb5-user` and `cntlm`).

use super::*;

fn tools() -> SystemCredentialTools {
    SystemCredentialTools::default()
}

#[tokio::test]
async fn ktutil_writes_a_keytab_klist_reads() {
    let enctypes = vec![
        "aes256-cts-hmac-sha1-96".to_owned(),
        "aes128-cts-hmac-sha1-96".to_owned(),
    ];
    let keytab = tools()
        .keytab("fry@PLANETEXPRESS.COM", &Secret::new("fry"), &enctypes)
        .await
        .expect("ktutil (Debian krb5-user; scripts/services.sh installs it)");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keytab");
    std::fs::write(&file, &keytab).unwrap();
    let listed = std::process::Command::new("klist")
        .args(["-k", "-e"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{text}");
    for enctype in [
        "fry@PLANETEXPRESS.COM (aes256-cts-hmac-sha1-96)",
        "fry@PLANETEXPRESS.COM (aes128-cts-hmac-sha1-96)",
    ] {
        assert!(text.contains(enctype), "{enctype} in {text}");
    }
}

#[tokio::test]
async fn what_would_add_ktutil_commands_is_refused() {
    let enctypes = vec!["aes256-cts-hmac-sha1-96".to_owned()];
    for (principal, password) in [
        ("fry@PE\nwkt /tmp/stolen", "fry"),
        ("fry @PE", "fry"),
        ("fry@PE", "fry\nwkt /tmp/stolen"),
    ] {
        let refused = tools().keytab(principal, &Secret::new(password), &enctypes).await;
        assert!(matches!(refused, Err(CredentialError::Failed(_))), "{principal:?}");
    }
    let unknown = tools()
        .keytab("fry@PE", &Secret::new("fry"), &["rot13".to_owned()])
        .await;
    assert!(unknown.is_err(), "an unknown enctype writes no keytab");
}

#[tokio::test]
async fn the_ntlm_helper_gets_the_password_in_its_environment() {
    let command = [
        "sh",
        "-c",
        "echo NTLM_NT_HASH=h-$NTLM_PASSWORD; echo; echo junk; echo NTLM_LM_HASH = x",
    ]
    .map(String::from)
    .to_vec();
    let hashes = tools().ntlm(&command, &Secret::new("fry")).await.unwrap();
    assert_eq!(
        hashes,
        BTreeMap::from([
            ("NTLM_LM_HASH".to_owned(), "x".to_owned()),
            ("NTLM_NT_HASH".to_owned(), "h-fry".to_owned())
        ])
    );
    let failed = tools().ntlm(&["false".to_owned()], &Secret::new("fry")).await;
    assert!(matches!(failed, Err(CredentialError::Failed(_))));
}

#[tokio::test]
async fn cntlm_hashes_the_password() {
    let hashes = tools()
        .cntlm("fry", "PLANETEXPRESS", &Secret::new("fry"))
        .await
        .expect("cntlm (Debian cntlm; scripts/services.sh installs it)");
    // The NT hash is MD4 of the UTF-16LE password, whatever the user and domain.
    assert_eq!(hashes["CNTLM_PASSNT"], "F1C9C13F1C986C446EE1150C21C83CD6");
    assert!(hashes.contains_key("CNTLM_PASSLM") && hashes.contains_key("CNTLM_PASSNTLMV2"));
}
