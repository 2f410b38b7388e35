//! Credential secrets on the double: a keytab's bytes survive the round trip as a file
//! (not text), and the desktop pod mounts the secret types `secrets_requirement` names,
//! optionally, where the images read them.

use super::*;
use crate::ports::UserSecretStore;

#[tokio::test]
async fn a_keytab_is_kept_as_bytes_and_mounted_where_the_images_read_it() {
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    let spec = fry_spec();
    let keytab = vec![5u8, 2, 0, 0xff, 0xfe, 0x80];
    let mut kerberos = crate::domain::desktop::UserSecret {
        files: Default::default(),
        kind: "kerberos".into(),
        data: [("REALM".to_owned(), "PLANETEXPRESS.COM".to_owned())].into(),
    };
    kerberos.files.insert("keytab".into(), keytab.clone());
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount(), kerberos])
        .await
        .unwrap();
    let read = orchestrator
        .read_user_secret(&spec.owner, "kerberos")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.files["keytab"], keytab, "binary, byte for byte");
    assert_eq!(read.data["REALM"], "PLANETEXPRESS.COM");
    let types = orchestrator.list_user_secret_types(&spec.owner).await.unwrap();
    assert!(types.contains(&"abcdesktop/kerberos".to_owned()), "{types:?}");

    let manifest = desktop_pod(&shipped_settings("abcdesktop").pod, &spec, "abcdesktop").unwrap();
    let graphical = &manifest["spec"]["containers"][0];
    let mount = graphical["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "auth-kerberos")
        .cloned()
        .unwrap();
    assert_eq!(mount["mountPath"], "/var/secrets/abcdesktop/kerberos");
    let volume = manifest["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "auth-kerberos")
        .cloned()
        .unwrap();
    assert_eq!(
        volume["secret"]["optional"], true,
        "a login without the artefact still starts"
    );
    assert!(
        volume["secret"]["secretName"]
            .as_str()
            .unwrap()
            .starts_with("auth-kerberos-fry-")
    );
}
