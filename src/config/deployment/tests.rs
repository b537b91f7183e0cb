use std::path::Path;

use super::*;

const SAMPLE: &str = include_str!("../../../data/hakusho.toml");

/// A city file under `dir/<folder>/hakusho.toml`, named and coded as given, with `extra`
/// appended (a `[store]`).
fn city_file(dir: &Path, folder: &str, name: &str, code: &str, extra: &str) {
    // Each city's folders its own (the sample's reports are outside its folder).
    let text = SAMPLE
        .replace("reports = \"../var/reports\"", "reports = \"reports\"")
        .replace("name = \"三鷹市\"", &format!("name = \"{name}\""))
        .replace("code = \"132047\"", &format!("code = \"{code}\""));
    std::fs::create_dir_all(dir.join(folder)).unwrap();
    std::fs::write(
        dir.join(folder).join("hakusho.toml"),
        format!("{text}\n{extra}"),
    )
    .unwrap();
}

const STORE: &str = "[store]\nurl = \"postgres://hakusho@127.0.0.1:5432/hakusho\"\n";

fn deployment(dir: &Path, folders: &[&str]) -> PathBuf {
    let mut text = STORE.to_string();
    for folder in folders {
        text.push_str(&format!("[[cities]]\nconfig = \"{folder}/hakusho.toml\"\n"));
    }
    let path = dir.join("hosting.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn two_cities(dir: &Path) -> Deployment {
    city_file(dir, "mitaka", "三鷹市", "132047", "");
    city_file(dir, "musashino", "武蔵野市", "132039", STORE);
    Deployment::read(&deployment(dir, &["mitaka", "musashino"])).unwrap()
}

#[test]
fn a_deployment_reads_each_city_with_the_shared_store() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = two_cities(dir.path());
    assert!(deployment.is_deployment);
    let codes: Vec<&str> = deployment
        .cities
        .iter()
        .map(|c| c.config.city.code.as_str())
        .collect();
    assert_eq!(codes, ["132047", "132039"]);
    for city in &deployment.cities {
        assert_eq!(
            city.config.store.url.as_deref(),
            Some("postgres://hakusho@127.0.0.1:5432/hakusho")
        );
        // Paths are the city file's own, resolved against its folder.
        assert!(city
            .config
            .paths
            .inbox
            .starts_with(city.file.parent().unwrap()));
    }
}

#[test]
fn a_city_configuration_is_a_deployment_of_one() {
    let dir = tempfile::tempdir().unwrap();
    city_file(dir.path(), "mitaka", "三鷹市", "132047", "");
    let path = dir.path().join("mitaka/hakusho.toml");
    let deployment = Deployment::read(&path).unwrap();
    assert!(!deployment.is_deployment);
    assert_eq!(deployment.one(None).unwrap().config.city.name, "三鷹市");
}

#[test]
fn a_single_city_command_needs_city_when_there_are_several() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = two_cities(dir.path());
    let error = format!("{:#}", deployment.one(None).unwrap_err());
    assert!(error.contains("--city"), "{error}");
    assert!(error.contains("132047 三鷹市、132039 武蔵野市"), "{error}");
    assert_eq!(
        deployment.one(Some("武蔵野市")).unwrap().config.city.code,
        "132039"
    );
    assert_eq!(
        deployment.one(Some("132047")).unwrap().config.city.name,
        "三鷹市"
    );
    let unknown = format!("{:#}", deployment.one(Some("調布市")).unwrap_err());
    assert!(unknown.contains("調布市") && unknown.contains("132039 武蔵野市"));
    assert_eq!(deployment.select(None).unwrap().len(), 2);
    assert_eq!(deployment.select(Some("三鷹市")).unwrap().len(), 1);
}

#[test]
fn two_cities_with_one_code_or_one_name_are_refused_naming_the_file_and_key() {
    for (name, code, key) in [
        ("武蔵野市", "132047", "city.code"),
        ("三鷹市", "132039", "city.name"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        city_file(dir.path(), "a", "三鷹市", "132047", "");
        city_file(dir.path(), "b", name, code, "");
        let error = format!(
            "{:#}",
            Deployment::read(&deployment(dir.path(), &["a", "b"])).unwrap_err()
        );
        assert!(error.contains(key), "{error}");
        assert!(error.contains("b/hakusho.toml"), "{error}");
        assert!(error.contains("a/hakusho.toml"), "{error}");
    }
}

#[test]
fn two_cities_with_one_inbox_or_one_reports_folder_are_refused() {
    for (key, shared) in [
        ("paths.inbox", "inbox = \"../shared\""),
        ("paths.reports", "reports = \"../shared\""),
    ] {
        let dir = tempfile::tempdir().unwrap();
        city_file(dir.path(), "a", "三鷹市", "132047", "");
        city_file(dir.path(), "b", "武蔵野市", "132039", "");
        for folder in ["a", "b"] {
            let file = dir.path().join(folder).join("hakusho.toml");
            let text = std::fs::read_to_string(&file).unwrap();
            let own = shared.split(" = ").next().unwrap();
            let text = text.replacen(
                &format!(
                    "{own} = \"{}",
                    if own == "inbox" { "inbox" } else { "reports" }
                ),
                &shared[..shared.len() - 1],
                1,
            );
            std::fs::write(&file, text).unwrap();
        }
        let error = format!(
            "{:#}",
            Deployment::read(&deployment(dir.path(), &["a", "b"])).unwrap_err()
        );
        assert!(error.contains(key), "{key}: {error}");
    }
}

#[test]
fn a_missing_city_file_is_refused_naming_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    city_file(dir.path(), "a", "三鷹市", "132047", "");
    let path = deployment(dir.path(), &["a", "nowhere"]);
    let error = format!("{:#}", Deployment::read(&path).unwrap_err());
    assert!(error.contains("cities[1].config"), "{error}");
    assert!(error.contains("nowhere/hakusho.toml"), "{error}");
}

#[test]
fn a_city_store_that_differs_is_refused_naming_the_key() {
    for (own, key) in [
        (
            "[store]\nurl = \"postgres://other@127.0.0.1:5432/hakusho\"\n",
            "store.url",
        ),
        (
            "[store]\nurl = \"postgres://hakusho@127.0.0.1:5432/hakusho\"\npassword_env = \"OTHER\"\n",
            "store.password_env",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        city_file(dir.path(), "a", "三鷹市", "132047", "");
        city_file(dir.path(), "b", "武蔵野市", "132039", own);
        let error = format!(
            "{:#}",
            Deployment::read(&deployment(dir.path(), &["a", "b"])).unwrap_err()
        );
        assert!(error.contains(key), "{error}");
        assert!(error.contains("b/hakusho.toml"), "{error}");
    }
}

#[test]
fn unknown_keys_and_an_empty_list_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosting.toml");
    std::fs::write(&path, "cities = []\n").unwrap();
    let error = format!("{:#}", Deployment::read(&path).unwrap_err());
    assert!(error.contains("cities"), "{error}");
    std::fs::write(&path, "[[cities]]\nconfig = \"a.toml\"\nname = \"x\"\n").unwrap();
    let error = format!("{:#}", Deployment::read(&path).unwrap_err());
    assert!(error.contains("配置ファイル"), "{error}");
}

/// Sets city `folder`'s `paths.inbox` to `inbox` (as written in its file).
fn set_inbox(dir: &Path, folder: &str, inbox: &str) {
    let file = dir.join(folder).join("hakusho.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen("inbox = \"inbox\"", &format!("inbox = \"{inbox}\""), 1);
    std::fs::write(&file, text).unwrap();
}

#[test]
fn one_inbox_spelled_another_way_is_still_one_inbox() {
    for spelling in [
        "{a}/",
        "{a}/.",
        "{p}/./a/inbox",
        "{p}/b/../a/inbox",
        "{link}",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        city_file(root, "a", "三鷹市", "132047", "");
        city_file(root, "b", "武蔵野市", "132039", "");
        let a_inbox = root.join("a").join("inbox");
        std::fs::create_dir_all(&a_inbox).unwrap();
        let link = root.join("link");
        std::os::unix::fs::symlink(&a_inbox, &link).unwrap();
        let written = spelling
            .replace("{a}", &a_inbox.display().to_string())
            .replace("{p}", &root.display().to_string())
            .replace("{link}", &link.display().to_string());
        set_inbox(root, "b", &written);
        let Err(error) = Deployment::read(&deployment(root, &["a", "b"])) else {
            panic!("two cities with one inbox were accepted: {written}")
        };
        let error = format!("{error:#}");
        assert!(error.contains("paths.inbox"), "{written}: {error}");
    }
}

#[test]
fn a_name_that_is_another_citys_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    city_file(dir.path(), "a", "三鷹市", "132047", "");
    city_file(dir.path(), "b", "132047", "132039", "");
    let error = format!(
        "{:#}",
        Deployment::read(&deployment(dir.path(), &["a", "b"])).unwrap_err()
    );
    assert!(error.contains("city.name"), "{error}");
}
