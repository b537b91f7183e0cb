//! Consolidation on the sample year: the exported datasets reproduce every table and
//! list of the seed white paper and newsletter, with the cross-check findings the
//! seed contains, traceable values, merged co-owned items and reproducible output.

mod common;

use common::grid::Grid;
use common::{repo, stdout_of, TestCity};
use serde_json::Value;

fn seed(name: &str) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(repo().join("data/seed/fy2020").join(name)).unwrap())
        .unwrap()
}

fn export_json(city: &TestCity, year: &str) -> Value {
    let out = city.path().join("export");
    stdout_of(&city.hakusho(&[
        "export",
        "--fiscal-year",
        year,
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]));
    let year_label = if year == "R3" {
        "令和3年度"
    } else {
        "令和2年度"
    };
    serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("{year_label}_データセット.json"))).unwrap(),
    )
    .unwrap()
}

fn ingested_city() -> TestCity {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    city
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn seed_strings(value: &toml::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The 説明・注記 a sample row carries: the seed's `note`, empty where it has none.
fn seed_note(row: &toml::Value) -> &str {
    row.get("note").and_then(|n| n.as_str()).unwrap_or("")
}

fn printed(cells: &Value) -> Vec<String> {
    cells
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["printed"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_export_reproduces_every_table_and_list_of_the_seed() {
    let city = ingested_city();
    let data = export_json(&city, "R2");
    assert_eq!(
        data["gaps"],
        Value::Array(vec![]),
        "the sample year is complete"
    );
    let wp = &data["white_paper"];
    let policies: Vec<&Value> = wp["parts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["policies"].as_array().unwrap())
        .collect();
    assert_eq!(policies.len(), 34);
    let mut indicators = 0;
    for department in common::DEPARTMENTS {
        for expected in seed(&format!("{department}.toml"))
            .get("policies")
            .and_then(|p| p.as_array())
            .cloned()
            .unwrap_or_default()
        {
            indicators += check_policy(wp, &policies, department, &expected);
        }
    }
    assert_eq!(indicators, 68);
    check_strategy(&wp["strategy"]);
    check_action_plan(&wp["action_plan"]);
    check_department_plans(&data["department_plans"]);
}

/// One policy of the seed against the export: its name, department, sections, notes,
/// progress, part and indicator rows. Returns how many indicators it checked.
fn check_policy(
    wp: &Value,
    policies: &[&Value],
    department: &str,
    expected: &toml::Value,
) -> usize {
    let mut indicators = 0;
    let code = expected["code"].as_str().unwrap();
    let policy = policies.iter().find(|p| p["code"] == code).unwrap();
    assert_eq!(policy["name"], expected["name"].as_str().unwrap());
    assert_eq!(policy["department"], department);
    assert_eq!(
        strings(&policy["sections"]),
        seed_strings(&expected["sections"]),
        "{code}"
    );
    assert_eq!(
        strings(&policy["notes"]),
        seed_strings(&expected["notes"]),
        "{code}"
    );
    assert_eq!(
        strings(&policy["progress"]),
        seed_strings(&expected["progress"]),
        "{code}"
    );
    let part = wp["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["policies"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["code"] == code)
        })
        .unwrap();
    assert_eq!(part["title"], expected["part"].as_str().unwrap());
    for (got, want) in policy["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected["indicators"].as_array().unwrap())
    {
        assert_eq!(got["name"], want["name"].as_str().unwrap());
        assert_eq!(got["unit"], want["unit"].as_str().unwrap());
        let cells: Vec<String> = ["baseline", "early", "middle", "actual", "target"]
            .iter()
            .map(|k| want[*k].as_str().unwrap().to_string())
            .collect();
        assert_eq!(printed(&got["cells"]), cells, "{}", got["id"]);
        assert_eq!(got["note"], seed_note(want), "the note of {}", got["id"]);
        indicators += 1;
    }
    indicators
}

fn check_strategy(strategy: &Value) {
    let expected = seed("strategy.toml");
    let goals = strategy["goals"].as_array().unwrap();
    for (goal, want) in goals.iter().zip(expected["goals"].as_array().unwrap()) {
        assert_eq!(goal["title"], want["title"].as_str().unwrap());
        assert_eq!(
            strings(&goal["direction"]),
            seed_strings(&want["direction"])
        );
        assert_eq!(strings(&goal["notes"]), seed_strings(&want["notes"]));
        let numeric = &want["numeric_goal"];
        assert_eq!(
            goal["numeric_goal"]["name"],
            numeric["name"].as_str().unwrap()
        );
        assert_eq!(
            printed(&goal["numeric_goal"]["cells"]),
            ["h26", "h30", "target"].map(|k| numeric[k].as_str().unwrap().to_string())
        );
        let kpis = goal["kpis"].as_array().unwrap();
        assert_eq!(kpis.len(), want["kpis"].as_array().unwrap().len());
        for (kpi, want) in kpis.iter().zip(want["kpis"].as_array().unwrap()) {
            assert_eq!(kpi["name"], want["name"].as_str().unwrap());
            assert_eq!(
                printed(&kpi["cells"]),
                ["h26", "baseline", "actual", "target"]
                    .map(|k| want[k].as_str().unwrap().to_string())
            );
            assert_eq!(kpi["note"], seed_note(want), "the note of {}", kpi["id"]);
        }
    }
    assert_eq!(goals.len(), 3);
}

fn check_action_plan(plan: &Value) {
    let expected = seed("action_plan.toml");
    let groups = plan["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 5);
    let items: Vec<&Value> = groups
        .iter()
        .flat_map(|g| g["systems"].as_array().unwrap())
        .flat_map(|s| s["items"].as_array().unwrap())
        .collect();
    let want_items = expected["items"].as_array().unwrap();
    assert_eq!(items.len(), want_items.len());
    for (item, want) in items.iter().zip(want_items) {
        let id = want["id"].as_str().unwrap();
        assert_eq!(item["id"], id);
        assert_eq!(item["major"], want["major"].as_bool().unwrap(), "{id}");
        assert_eq!(item["title"], want["title"].as_str().unwrap(), "{id}");
        assert_eq!(
            strings(&item["departments"]),
            seed_strings(&want["departments"]),
            "{id}"
        );
        assert_eq!(
            strings(&item["overview"]),
            seed_strings(&want["overview"]),
            "{id}"
        );
        assert_eq!(
            strings(&item["progress"]),
            seed_strings(&want["progress"]),
            "{id}"
        );
    }
    for (group, want) in groups.iter().zip(expected["groups"].as_array().unwrap()) {
        assert_eq!(group["title"], want["title"].as_str().unwrap());
    }
}

fn check_department_plans(plans: &Value) {
    let expected = seed("department_plans.toml");
    for want in expected["departments"].as_array().unwrap() {
        let name = want["name"].as_str().unwrap();
        let plan = plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["department"] == name)
            .unwrap();
        let titles: Vec<String> = plan["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(titles, seed_strings(&want["priority_projects"]), "{name}");
    }
}

#[test]
fn the_sample_year_yields_one_cross_check_finding_two_targets_for_one_indicator() {
    let city = ingested_city();
    let data = export_json(&city, "R2");
    let findings = data["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["kind"], "two_targets");
    let places = finding["places"].as_array().unwrap();
    assert_eq!(places[0]["printed"], "3,500人");
    assert_eq!(places[0]["source"]["cell"], "H2");
    assert_eq!(places[0]["source"]["sheet"], "総合戦略KPI");
    assert_eq!(places[1]["printed"], "4,000人");
    assert_eq!(places[1]["source"]["file"], "令和2年度_健康福祉部.xlsx");
}

#[test]
fn explain_traces_each_value_to_its_file_sheet_and_cell() {
    let city = ingested_city();
    let stdout = stdout_of(&city.hakusho(&["explain", "1-1.1"]));
    assert!(
        stdout
            .starts_with("指標 1-1.1 英語版ホームページのアクセス件数(1-1 国際化の推進、企画部)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("達成値(令和2年度): 202,850件 ← 提出#"),
        "{stdout}"
    );
    assert!(
        stdout.contains("令和2年度_企画部.xlsx 目標指標!J2"),
        "{stdout}"
    );
    let stdout = stdout_of(&city.hakusho(&["explain", "K2-2"]));
    assert!(
        stdout.contains("基本計画の指標 5-2.1 と同じ指標"),
        "{stdout}"
    );
    let stdout = stdout_of(&city.hakusho(&["explain", "1-(6)"]));
    assert!(
        stdout.contains("個別課題 1-(6) 【主要】 図書館ネットワークの再構築(教育部)"),
        "{stdout}"
    );
    let output = city.hakusho(&["explain", "9-9.9"]);
    assert!(!output.status.success());
}

#[test]
fn a_co_owners_paragraph_is_merged_after_the_leads_and_a_shared_one_appears_once() {
    let city = TestCity::new(None);
    // 教育部 co-owns 3-(7) (led by 生活環境部): it adds one paragraph and repeats one of the lead's.
    let lead: toml::Table = seed("action_plan.toml");
    let item = lead["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"].as_str() == Some("3-(7)"))
        .unwrap();
    let first = item["progress"][0].as_str().unwrap();
    let mut grid = Grid::read(&city.inbox().join("令和2年度_教育部.xlsx"));
    let row = grid.row_of("アクションプラン", 0, "3-(7)");
    grid.text(
        "アクションプラン",
        &format!("F{row}"),
        &format!("{first}\n教育部では給食の献立に市内産野菜の日を設けた。"),
    );
    std::fs::write(city.inbox().join("令和2年度_教育部.xlsx"), grid.to_xlsx()).unwrap();
    stdout_of(&city.hakusho(&["run", "--once"]));
    let data = export_json(&city, "R2");
    let items: Vec<&Value> = data["white_paper"]["action_plan"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["systems"].as_array().unwrap())
        .flat_map(|s| s["items"].as_array().unwrap())
        .collect();
    let merged = items.iter().find(|i| i["id"] == "3-(7)").unwrap();
    let mut expected = seed_strings(&item["progress"]);
    expected.push("教育部では給食の献立に市内産野菜の日を設けた。".to_string());
    assert_eq!(strings(&merged["progress"]), expected);
    let sources: Vec<&str> = merged["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["department"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["生活環境部", "教育部"]);
}

#[test]
fn a_missing_submission_makes_the_dataset_incomplete_and_says_who() {
    let city = TestCity::new(None);
    std::fs::remove_file(city.inbox().join("令和2年度_都市再生部.xlsx")).unwrap();
    stdout_of(&city.hakusho(&["run", "--once"]));
    let data = export_json(&city, "R2");
    assert_eq!(
        data["gaps"],
        serde_json::json!([{"department": "都市再生部", "what": "未提出"}])
    );
}

#[test]
fn datasets_rebuild_the_same_and_years_live_side_by_side() {
    let city = ingested_city();
    let first = export_json(&city, "R2");
    let out = city.path().join("export");
    let xlsx = |city: &TestCity| {
        stdout_of(&city.hakusho(&[
            "export",
            "--fiscal-year",
            "2020",
            "--format",
            "xlsx",
            "--out",
            out.to_str().unwrap(),
        ]));
        std::fs::read(out.join("令和2年度_データセット.xlsx")).unwrap()
    };
    let workbook = xlsx(&city);
    assert_eq!(
        export_json(&city, "R2"),
        first,
        "rebuilt from the store, the same"
    );
    assert_eq!(xlsx(&city), workbook, "byte for byte");

    // A 令和3年度 submission of 企画部 sits beside 令和2年度 and extends the series.
    let mut grid = Grid::read(&repo().join("data/inbox/令和2年度_企画部.xlsx"));
    // The 令和3年度 template's headings (a year's workbook carries its year in them).
    grid.text("提出情報", "B4", "令和3年度")
        .text("目標指標", "I1", "前年度実績\n(令和2年度)")
        .text("目標指標", "J1", "達成値\n(令和3年度)")
        .text("総合戦略KPI", "F1", "前年度実績\n(令和2年度)")
        .text("総合戦略KPI", "G1", "実績値\n(令和3年度)")
        .text("目標指標", "J2", "250,000件")
        .text("アクションプラン", "F1", "令和3年度の取組状況等");
    let next = city.path().join("令和3年度_企画部.xlsx");
    std::fs::write(&next, grid.to_xlsx()).unwrap();
    let config = std::fs::read_to_string(city.config_path())
        .unwrap()
        .replace("fiscal_year = \"令和2年度\"", "fiscal_year = \"令和3年度\"")
        // The edition of 令和3年度 is published after that year ends.
        .replace("published = \"2021-07\"", "published = \"2022-07\"");
    std::fs::write(city.config_path(), config).unwrap();
    let stdout = stdout_of(&city.hakusho(&["ingest", next.to_str().unwrap()]));
    assert!(stdout.contains("受理"), "{stdout}");
    assert_eq!(
        export_json(&city, "R2"),
        first,
        "the earlier year is untouched"
    );
    let later = export_json(&city, "R3");
    let english = &later["white_paper"]["parts"][0]["policies"][0]["indicators"][0];
    assert_eq!(english["cells"][3]["printed"], "250,000件");
    assert_eq!(english["history"][0]["fiscal_year"], 2020);
    assert_eq!(english["history"][0]["printed"], "202,850件");
    assert_eq!(
        later["gaps"].as_array().unwrap().len(),
        9,
        "nine departments have not submitted for 令和3年度"
    );
}

#[test]
fn a_year_rebuilds_the_same_after_the_reference_data_moves_on() {
    let city = TestCity::new(None);
    let plan = city.path().join("plan");
    std::fs::create_dir_all(&plan).unwrap();
    for name in ["basic_plan.toml", "strategy.toml", "action_plan.toml"] {
        std::fs::copy(repo().join("data/plan").join(name), plan.join(name)).unwrap();
    }
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    let original = repo().join("data/plan").display().to_string();
    std::fs::write(
        city.config_path(),
        config.replace(&original, &plan.display().to_string()),
    )
    .unwrap();
    stdout_of(&city.hakusho(&["run", "--once"]));
    let first = export_json(&city, "R2");
    // The next plan renames a policy; 令和2年度 keeps the plan it was built with.
    let basic = std::fs::read_to_string(plan.join("basic_plan.toml")).unwrap();
    std::fs::write(
        plan.join("basic_plan.toml"),
        basic.replace("name = \"国際化の推進\"", "name = \"多文化共生の推進\""),
    )
    .unwrap();
    assert_eq!(export_json(&city, "R2"), first);
}
