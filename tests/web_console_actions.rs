//! The planning division's console actions over HTTP, against the real router on
//! 127.0.0.1:0, the city's real store (SQLite, or PostgreSQL on the suite's second run)
//! and the loopback SMTP sink: 「今すぐ実行」 pressed at once (2 and 8 times, on one
//! portal and across two replicas that share nothing but the store) starts one run,
//! which finishes and shows 成功 in the ledger; the send preview shows what
//! `hakusho preview-send` prints; one undeliverable copy is resent once (a second
//! press is 409, another city's copy 404); a reminder arrives once for two presses and
//! an accepted department gets none. Every action refuses a form without its token
//! (403), managers and departments (403), and the signed-out (303 to sign in).

mod common;

use std::net::SocketAddr;
use std::sync::Barrier;

use common::http::{Http, Reply};
use common::portal::{Portal, DEPARTMENT, MANAGER, MITAKA, MUSASHINO, PLANNING};
use hakusho::store::{Claim, DeliveryState, NewMessage, RunOutcome, Store};
use hakusho::web::testing::{csrf_of, sign_in};

const CITY: &str = MITAKA.0;

/// A browser signed in as `address` to the first city of `portal`, at `addr`; the
/// session's form token.
fn signed(portal: &Portal, addr: SocketAddr, address: &str) -> (Http, String) {
    let cookie = sign_in(portal.app(), address);
    let csrf = csrf_of(portal.app(), &cookie);
    let mut http = Http::new(addr);
    http.set_cookie(&format!("/{CITY}/"), "hakusho_session", &cookie);
    (http, csrf)
}

/// `presses` POSTs of 「今すぐ実行」 at once, spread over `addrs` in turn; their answers.
fn press_at_once(portal: &Portal, addrs: &[SocketAddr], presses: usize) -> Vec<Reply> {
    let start = Barrier::new(presses);
    let clients: Vec<(Http, String)> = (0..presses)
        .map(|i| signed(portal, addrs[i % addrs.len()], PLANNING))
        .collect();
    std::thread::scope(|scope| {
        let pressing: Vec<_> = clients
            .into_iter()
            .map(|(mut http, csrf)| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    http.post_form(&format!("/{CITY}/console/run"), &[("csrf", &csrf)])
                })
            })
            .collect();
        pressing.into_iter().map(|p| p.join().unwrap()).collect()
    })
}

/// The ledger page, once the annual run has no unfinished entry left (the run goes on
/// in the background; a generous bound, no timing asserted).
fn ledger_when_finished(http: &mut Http, store: &Store) -> String {
    for _ in 0..1200 {
        if store.unfinished_run(CITY, "annual_run").unwrap().is_none() {
            let page = http.get(&format!("/{CITY}/console/runs"));
            assert_eq!(page.status, 200, "{}", page.text());
            return page.text();
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!("the annual run did not finish within five minutes");
}

/// Exactly one press started the run, the others were told it runs; one ledger row;
/// it finished 成功; the receipts were mailed once each.
fn one_run_started(portal: &Portal, answers: &[Reply]) {
    let mut started = 0;
    for answer in answers {
        assert_eq!(answer.status, 303, "{}", answer.text());
        match answer.location() {
            l if l.ends_with("notice=started") => started += 1,
            l => assert!(l.ends_with("notice=running"), "{l}"),
        }
    }
    assert_eq!(started, 1, "{answers:?}");
    let store = portal.cities[0].store();
    let (mut http, _) = signed(portal, portal.addr, PLANNING);
    let page = ledger_when_finished(&mut http, &store);
    let runs = store.runs_of(CITY, "annual_run").unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].outcome, Some(RunOutcome::Succeeded), "{runs:?}");
    assert!(page.contains("成功"), "{page}");
    let refused = answers
        .iter()
        .find(|a| a.location().ends_with("notice=running"));
    let told = http.get(refused.unwrap().location()).text();
    assert!(told.contains("年次実行はすでに実行中です"), "{told}");
    // Ran once: each department's receipt went out once (a second run of the same
    // inbox would find every file taken in, and mail no receipt again).
    let mut received: Vec<String> = received_subjects(portal);
    let all = received.len();
    received.sort();
    received.dedup();
    assert_eq!(
        received.len(),
        all,
        "a message was sent twice: {received:?}"
    );
}

/// The recipients of the test's own messages (subject 【テスト】…) once `count` of
/// them arrived: the worker may also mail the managers its report of the copies
/// still undeliverable, another message.
fn test_mail_to(portal: &Portal, count: usize) -> Vec<String> {
    for _ in 0..400 {
        let ours: Vec<String> = received_subjects(portal)
            .into_iter()
            .filter(|m| m.contains("【テスト】"))
            .collect();
        if ours.len() >= count {
            return ours;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{count} test messages never arrived");
}

/// Every message the sink received so far: recipients and subject.
fn received_subjects(portal: &Portal) -> Vec<String> {
    let count = portal.sink_count();
    portal
        .sink
        .wait_for(count)
        .iter()
        .map(|(to, raw)| {
            let message = mail_parser::MessageParser::default().parse(raw).unwrap();
            format!("{to:?} {}", message.subject().unwrap_or_default())
        })
        .collect()
}

#[test]
fn two_presses_at_once_start_one_run_which_finishes_and_the_ledger_says_so() {
    let mut portal = Portal::start();
    // One press here, one on a replica of this process's cities (its own turns).
    let replica = portal.replica();
    let answers = press_at_once(&portal, &[portal.addr, replica], 2);
    one_run_started(&portal, &answers);
    // A press after the run: a new run starts (one at a time, not one ever).
    // The clock has not moved: the finished run holds this second, and the new one
    // takes the next (never 「すでに実行中」 for a run that has ended).
    let (mut http, csrf) = signed(&portal, portal.addr, PLANNING);
    let again = http.post_form(&format!("/{CITY}/console/run"), &[("csrf", &csrf)]);
    assert!(again.location().ends_with("notice=started"), "{again:?}");
    let page = http.get(again.location()).text();
    assert!(page.contains("年次実行を開始しました"), "{page}");
    ledger_when_finished(&mut http, &portal.cities[0].store());
}

#[test]
fn eight_presses_at_once_on_two_replicas_in_different_seconds_start_one_run() {
    let mut portal = Portal::start();
    // The replica's clock a few seconds ahead: its presses claim another time, which
    // only the ledger's one-unfinished-run rule (migration 0011) refuses.
    let replica = portal.replica_apart(chrono::Duration::seconds(3));
    let answers = press_at_once(&portal, &[portal.addr, replica], 8);
    one_run_started(&portal, &answers);
    let (mut http, _) = signed(&portal, replica, PLANNING);
    let page = http.get(&format!("/{CITY}/console/runs")).text();
    assert!(page.contains("成功"), "{page}");
}

/// The digits after `prefix` in `text`, as a number.
fn number_after(text: &str, prefix: &str) -> usize {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {text}"))
        + prefix.len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[test]
fn the_send_preview_page_shows_what_the_command_prints() {
    let portal = Portal::start();
    // Something to send: the inbox taken in (receipts queued, reports due).
    let ingested = ingest_inbox(&portal);
    assert!(ingested.status.success(), "{ingested:?}");
    let printed = common::stdout_of(&portal.hakusho(&["preview-send"]));
    let (mut http, _) = signed(&portal, portal.addr, PLANNING);
    let page = http.get(&format!("/{CITY}/console/preview"));
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.text();
    let count = number_after(&printed, "次の実行で送るメール (");
    assert!(count > 0, "{printed}");
    assert_eq!(
        number_after(&page, "次の実行で送るメールは <strong>"),
        count,
        "{page}"
    );
    for line in printed.lines().filter(|l| l.starts_with("  【")) {
        let subject = line.trim();
        assert!(page.contains(subject), "{subject} missing from {page}");
    }
    let pending = number_after(&printed, "送信待ちのメール: ");
    assert!(
        page.contains(&format!("送信待ちのメール({pending} 件)")),
        "{page}"
    );
    presses_at_once_share_a_build(&portal, &page);
}

/// Six presses at once (they share one or two builds) all get the whole preview, the
/// same as one press alone.
fn presses_at_once_share_a_build(portal: &Portal, alone: &str) {
    let pages: Vec<String> = std::thread::scope(|scope| {
        let presses: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    let (mut http, _) = signed(portal, portal.addr, PLANNING);
                    let page = http.get(&format!("/{CITY}/console/preview"));
                    assert_eq!(page.status, 200, "{}", page.text());
                    page.text()
                })
            })
            .collect();
        presses.into_iter().map(|p| p.join().unwrap()).collect()
    });
    let body = |page: &str| page[page.find("<main").unwrap()..].to_string();
    for page in &pages {
        assert_eq!(body(page), body(alone));
    }
}

/// Queues a message to `to` in `city` and marks every copy of it undeliverable, as
/// the worker does when the server refuses for good; the copies' ids.
fn failed_copies(store: &mut Store, city: &str, key: &str, to: &[&str]) -> Vec<i64> {
    let recipients: Vec<String> = to.iter().map(ToString::to_string).collect();
    let message = NewMessage {
        key,
        subject: "【テスト】配送不能だったお知らせ",
        body: "本文です。",
        recipients: &recipients,
        attachments: &[],
    };
    let now = hakusho::domain::stamp(chrono::Utc::now());
    assert!(store.enqueue_message(city, &message, &now).unwrap());
    let later = hakusho::domain::stamp(chrono::Utc::now() + chrono::Duration::hours(1));
    let claim = Claim {
        token: "test-worker",
        now: &later,
        lease_until: &later,
    };
    let mut failed = Vec::new();
    while let Some(copy) = store.claim_next(city, 0, claim).unwrap() {
        assert!(store
            .mark_failed(copy.id, "test-worker", "550 5.1.1 宛先不明")
            .unwrap());
        failed.push(copy.id);
    }
    failed
}

/// 「再送」 of the copy `id` in the first city.
fn resend(http: &mut Http, csrf: &str, id: &str) -> Reply {
    http.post_form(
        &format!("/{CITY}/console/outbox/{id}/resend"),
        &[("csrf", csrf)],
    )
}

/// Only the copy resent was sent; its sibling and the other city's copy stay
/// undeliverable.
fn resent_only_ours(store: &mut hakusho::store::Store, ours: &[i64]) {
    let copies = store
        .outbox_entries(MUSASHINO.0, DeliveryState::Failed, 10)
        .unwrap();
    assert_eq!(copies.len(), 1, "another city's copy stays undeliverable");
    let sent = store.outbox_entry(CITY, ours[0]).unwrap().unwrap();
    assert_eq!(sent.delivery.state, DeliveryState::Sent);
    assert_eq!(
        store
            .outbox_entry(CITY, ours[1])
            .unwrap()
            .unwrap()
            .delivery
            .state,
        DeliveryState::Failed
    );
}

#[test]
fn one_undeliverable_copy_is_resent_once_and_never_another_citys() {
    let portal = Portal::with(2, |_, text| text);
    let mut store = portal.cities[0].store();
    let ours = failed_copies(
        &mut store,
        CITY,
        "resend-1",
        &["a@mitaka.example", "b@mitaka.example"],
    );
    let theirs = failed_copies(
        &mut store,
        MUSASHINO.0,
        "resend-2",
        &["c@musashino.example"],
    );
    let (mut http, csrf) = signed(&portal, portal.addr, PLANNING);
    let failed_tab = http
        .get(&format!("/{CITY}/console/outbox?state=failed"))
        .text();
    assert!(
        failed_tab.contains("配送不能 (2)") && failed_tab.contains("550 5.1.1 宛先不明"),
        "{failed_tab}"
    );
    let answer = resend(&mut http, &csrf, &ours[0].to_string());
    assert_eq!(answer.status, 303, "{}", answer.text());
    assert!(answer.location().contains("notice=resent"));
    let mail = test_mail_to(&portal, 1);
    assert!(mail[0].starts_with("[\"a@mitaka.example\"]"), "{mail:?}");
    let second = resend(&mut http, &csrf, &ours[0].to_string());
    assert_eq!(second.status, 409, "{}", second.text());
    assert!(second.text().contains("配送不能ではありません"));
    for id in [theirs[0].to_string(), "999999".into(), "x".into()] {
        let answer = resend(&mut http, &csrf, &id);
        assert_eq!(answer.status, 404, "{id}: {}", answer.text());
    }
    resent_only_ours(&mut store, &ours);
    let sent_tab = http
        .get(&format!("/{CITY}/console/outbox?state=sent"))
        .text();
    assert!(
        sent_tab.contains("a@mitaka.example") && sent_tab.contains("送信済み (1)"),
        "{sent_tab}"
    );
    // The copy itself once (the managers may also be told of the copy still
    // undeliverable: the worker's failure report, another message).
    let received: Vec<String> = received_subjects(&portal)
        .into_iter()
        .filter(|m| m.contains("【テスト】"))
        .collect();
    assert_eq!(received.len(), 1, "sent once: {received:?}");
}

#[test]
fn four_resends_of_one_copy_at_once_requeue_it_once() {
    let portal = Portal::start();
    let mut store = portal.cities[0].store();
    let ours = failed_copies(&mut store, CITY, "resend-race", &["a@mitaka.example"]);
    let start = Barrier::new(4);
    let answers: Vec<u16> = std::thread::scope(|scope| {
        let pressing: Vec<_> = (0..4)
            .map(|_| {
                let (mut http, csrf) = signed(&portal, portal.addr, PLANNING);
                let (start, id) = (&start, ours[0].to_string());
                scope.spawn(move || {
                    start.wait();
                    resend(&mut http, &csrf, &id).status
                })
            })
            .collect();
        pressing.into_iter().map(|p| p.join().unwrap()).collect()
    });
    let mut sorted = answers.clone();
    sorted.sort();
    assert_eq!(sorted, [303, 409, 409, 409], "{answers:?}");
    assert_eq!(test_mail_to(&portal, 1).len(), 1);
}

#[test]
fn the_command_resends_one_copy_through_the_same_function() {
    let portal = Portal::start();
    let mut store = portal.cities[0].store();
    let ours = failed_copies(
        &mut store,
        CITY,
        "resend-cli",
        &["a@mitaka.example", "b@mitaka.example"],
    );
    let first = portal.hakusho(&["send", "--resend", &ours[1].to_string()]);
    assert!(first.status.success(), "{first:?}");
    assert!(common::stdout_of(&first).contains("送信待ちに戻しました"));
    let mail = test_mail_to(&portal, 1);
    assert!(mail[0].starts_with("[\"b@mitaka.example\"]"), "{mail:?}");
    let again = portal.hakusho(&["send", "--resend", &ours[1].to_string()]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("配送不能ではありません"),
        "{again:?}"
    );
    let unknown = portal.hakusho(&["send", "--resend", "999999"]);
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("この都市にメール"),
        "{unknown:?}"
    );
    assert_eq!(
        store
            .outbox_entry(CITY, ours[0])
            .unwrap()
            .unwrap()
            .delivery
            .state,
        DeliveryState::Failed
    );
}

#[test]
fn a_reminder_arrives_once_for_two_presses_and_never_to_an_accepted_department() {
    let portal = Portal::start();
    let (mut http, csrf) = signed(&portal, portal.addr, PLANNING);
    let remind = |http: &mut Http, department: &str| {
        http.post_form(
            &format!("/{CITY}/console/remind"),
            &[("csrf", &csrf), ("department", department)],
        )
    };
    let first = remind(&mut http, "企画部");
    assert_eq!(first.status, 303, "{}", first.text());
    let told = http.get(first.location()).text();
    assert!(told.contains("企画部 に督促のメールを送りました"), "{told}");
    let mail = portal.sink.wait_for(1);
    assert_eq!(mail[0].0, [DEPARTMENT]);
    let second = remind(&mut http, "企画部");
    let told = http.get(second.location()).text();
    assert!(told.contains("今日すでに督促を送っています"), "{told}");
    let store = portal.cities[0].store();
    let copies = store.outbox_entries(CITY, DeliveryState::Sent, 10).unwrap();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(remind(&mut http, "存在しない部").status, 400);
    // A long or marked-up name: refused, repeated short and as text.
    let long = format!("<b>部</b>{}", "長".repeat(100_000));
    let refused = remind(&mut http, &long);
    assert_eq!(refused.status, 400);
    let text = refused.text();
    assert!(
        text.len() < 20_000 && text.contains("&lt;b&gt;部"),
        "{}",
        text.len()
    );
    // 総務部 takes its workbook in: accepted, so no reminder.
    let workbook = portal.cities[0].inbox().join("令和2年度_総務部.xlsx");
    let ingested = portal.hakusho(&["ingest", workbook.to_str().unwrap()]);
    assert!(ingested.status.success(), "{ingested:?}");
    let accepted = remind(&mut http, "総務部");
    let told = http.get(accepted.location()).text();
    assert!(
        told.contains("総務部 の提出はすでに受理しています"),
        "{told}"
    );
    // Told, as the page tells it: nothing failed (exit 0), nothing mailed.
    let cli = portal.hakusho(&["remind", "--department", "総務部"]);
    assert!(cli.status.success(), "{cli:?}");
    assert!(
        String::from_utf8_lossy(&cli.stdout).contains("すでに受理"),
        "{cli:?}"
    );
    assert!(!store
        .has_message(CITY, &manual_key(&portal, "総務部"))
        .unwrap());
}

/// The key of today's reminder by hand to `department`.
fn manual_key(portal: &Portal, department: &str) -> String {
    let year = portal.app().config().fiscal_year().start_year();
    let today = portal.clock.tokyo().date_naive();
    format!("reminder:manual:{year}:{department}:{today}")
}

#[test]
fn the_command_reminds_through_the_same_key_as_the_page() {
    let portal = Portal::start();
    let cli = portal.hakusho(&["remind", "--department", "市民部"]);
    assert!(cli.status.success(), "{cli:?}");
    assert_eq!(portal.sink.wait_for(1)[0].0, ["shimin-bu@mitaka.example"]);
    let store = portal.cities[0].store();
    // The binary reads the system clock, the portal's stands at the same day.
    assert!(store
        .has_message(CITY, &manual_key(&portal, "市民部"))
        .unwrap());
    let (mut http, csrf) = signed(&portal, portal.addr, PLANNING);
    let page = http.post_form(
        &format!("/{CITY}/console/remind"),
        &[("csrf", &csrf), ("department", "市民部")],
    );
    assert!(
        page.location().contains("notice=reminded-today"),
        "{page:?}"
    );
}

/// Every action's path and method.
const ACTIONS: [(&str, &str); 7] = [
    ("GET", "/132047/console/runs"),
    ("POST", "/132047/console/run"),
    ("GET", "/132047/console/preview"),
    ("POST", "/132047/console/remind"),
    ("GET", "/132047/console/outbox"),
    ("GET", "/132047/console/outbox?state=failed"),
    ("POST", "/132047/console/outbox/1/resend"),
];

fn ask(http: &mut Http, method: &str, path: &str, csrf: Option<&str>) -> Reply {
    match (method, csrf) {
        ("GET", _) => http.get(path),
        (_, Some(token)) => http.post_form(path, &[("csrf", token), ("department", "企画部")]),
        (_, None) => http.post_form(path, &[("department", "企画部")]),
    }
}

#[test]
fn only_the_planning_division_may_act_and_only_with_the_form_token() {
    let portal = Portal::start();
    let mut out = Http::new(portal.addr);
    for (method, path) in ACTIONS {
        let answer = ask(&mut out, method, path, Some("x"));
        assert_eq!(answer.status, 303, "signed out {method} {path}");
        assert_eq!(answer.location(), format!("/{CITY}/signin"));
    }
    for who in [MANAGER, DEPARTMENT] {
        let (mut http, csrf) = signed(&portal, portal.addr, who);
        for (method, path) in ACTIONS {
            let answer = ask(&mut http, method, path, Some(&csrf));
            assert_eq!(answer.status, 403, "{who} {method} {path}");
            assert!(answer.text().contains("この操作はできません"));
        }
    }
    let (mut http, csrf) = signed(&portal, portal.addr, PLANNING);
    for (method, path) in ACTIONS.iter().filter(|(m, _)| *m == "POST") {
        for token in [None, Some("wrong"), Some("")] {
            let answer = ask(&mut http, method, path, token);
            assert_eq!(answer.status, 403, "{path} with {token:?}");
        }
    }
    // Nothing was done by the refused forms.
    let store = portal.cities[0].store();
    assert!(store.runs_of(CITY, "annual_run").unwrap().is_empty());
    assert_eq!(store.outbox_counts(CITY).unwrap().pending, 0);
    for (method, path) in ACTIONS.iter().filter(|(m, _)| *m == "GET") {
        let answer = ask(&mut http, method, path, Some(&csrf));
        assert_eq!(answer.status, 200, "{path}: {}", answer.text());
    }
}

#[test]
fn without_the_daemon_run_now_is_a_japanese_503() {
    let portal = Portal::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = portal.app().clone();
    let addr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let web = hakusho::web::Web::new([app], hakusho::mail::DeliveryBells::new());
        hakusho::web::serve_on(listener, web);
        addr
    });
    let (mut http, csrf) = signed(&portal, addr, PLANNING);
    let answer = http.post_form(&format!("/{CITY}/console/run"), &[("csrf", &csrf)]);
    assert_eq!(answer.status, 503, "{}", answer.text());
    assert!(answer.text().contains("hakusho serve"), "{}", answer.text());
    runtime.shutdown_background();
}

/// `hakusho ingest` of every workbook in the first city's inbox (all accepted).
fn ingest_inbox(portal: &Portal) -> std::process::Output {
    let mut files: Vec<String> = std::fs::read_dir(portal.cities[0].inbox())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    portal.hakusho(&args)
}

#[test]
fn a_run_left_unfinished_by_another_replica_is_shown_and_blocks_a_new_one() {
    let portal = Portal::start();
    let mut store = portal.cities[0].store();
    let at = hakusho::domain::stamp(portal.clock.now() - chrono::Duration::minutes(10));
    let lease = |until: chrono::Duration| hakusho::store::RunLease {
        owner: "another-replica".into(),
        until: hakusho::domain::stamp(portal.clock.now() + until),
    };
    let held = lease(chrono::Duration::minutes(5));
    assert!(store
        .claim_run(CITY, "annual_run", &at, &at, &held)
        .unwrap());
    let (mut http, csrf) = signed(&portal, portal.addr, PLANNING);
    let page = http.get(&format!("/{CITY}/console/runs")).text();
    assert!(
        page.contains("実行中です(") && page.contains("実行中</span>"),
        "{page}"
    );
    let pressed = http.post_form(&format!("/{CITY}/console/run"), &[("csrf", &csrf)]);
    assert!(
        pressed.location().ends_with("notice=running"),
        "{pressed:?}"
    );
    // Its daemon stopped: the lease ran out, a daemon will take it over; still one.
    let lapsed = lease(-chrono::Duration::minutes(1));
    assert!(store.renew_run(CITY, "annual_run", &at, &lapsed).unwrap());
    let page = http.get(&format!("/{CITY}/console/runs")).text();
    assert!(page.contains("停止中(引き継ぎ待ち)"), "{page}");
    let pressed = http.post_form(&format!("/{CITY}/console/run"), &[("csrf", &csrf)]);
    assert!(
        pressed.location().ends_with("notice=running"),
        "{pressed:?}"
    );
    assert_eq!(store.runs_of(CITY, "annual_run").unwrap().len(), 1);
}
