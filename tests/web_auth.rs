//! The portal's sign-in against the real router on 127.0.0.1:0, a real store (SQLite,
//! or PostgreSQL on the suite's PostgreSQL run) and the loopback SMTP server: links,
//! sessions, CSRF, rate limits, cookies, sign-out and revocation.

mod common;

use std::collections::BTreeSet;

use chrono::Duration;
use common::http::{send_raw, Http, Reply};
use common::portal::{Portal, DEPARTMENT, MANAGER, MITAKA, MUSASHINO, OTHER_DEPARTMENT, PLANNING};
use hakusho::web::auth::limits::{PER_ADDRESS, PER_CLIENT, WINDOW_MINUTES};

const CITY: &str = MITAKA.0;

/// The page with every form token replaced, to compare two answers.
fn without_tokens(reply: &Reply) -> String {
    let text = reply.text();
    match common::http::hidden_field(&text, "csrf") {
        Some(token) => text.replace(&token, "TOKEN"),
        None => text,
    }
}

/// The store's count of a table's rows.
fn rows(portal: &Portal, table: &str) -> i64 {
    portal.cities[0]
        .raw_store()
        .count(&format!("SELECT COUNT(*) FROM {table}"))
}

#[test]
fn known_and_unknown_addresses_get_one_page_and_only_the_known_one_a_link() {
    let portal = Portal::start();
    let unknown = [
        "nobody@mitaka.example",
        "kikaku-bu@musashino.example",
        "a@b",
    ];
    let mut pages = BTreeSet::new();
    for address in unknown
        .iter()
        .chain([&DEPARTMENT, &"  Kikaku-Bu@Mitaka.EXAMPLE "])
    {
        let reply = portal.request_link(&mut portal.http(), CITY, address);
        assert_eq!(reply.status, 200, "{address}: {}", reply.text());
        let cookies = reply.headers_named("set-cookie").len();
        pages.insert((without_tokens(&reply), cookies));
    }
    assert_eq!(pages.len(), 1, "one answer for every address: {pages:#?}");
    let page = pages.into_iter().next().unwrap().0;
    assert!(
        page.contains("登録されていれば") && page.contains("15分間"),
        "{page}"
    );
    let links = portal.links(2);
    assert!(links.iter().all(|(to, _)| to == DEPARTMENT), "{links:?}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(portal.sink_count(), 2, "no mail for an unknown address");
    assert_eq!(rows(&portal, "sign_in_links"), 2);
}

/// An address pasted as a mail program copies it (`名前 <address>`): the address in the
/// angle brackets, with the same answer for a known and an unknown one.
#[test]
fn an_address_pasted_with_its_display_name_is_answered_like_a_typed_one() {
    let portal = Portal::start();
    let unknown = "市民部 <nobody@mitaka.example>".to_string();
    let known = format!("\"企画部\" <{}>", DEPARTMENT.to_uppercase());
    let mut pages = BTreeSet::new();
    for address in [&unknown, &known] {
        let reply = portal.request_link(&mut portal.http(), CITY, address);
        assert_eq!(reply.status, 200, "{address}: {}", reply.text());
        assert!(!reply.text().contains("形になっていません"), "{address}");
        pages.insert(without_tokens(&reply));
    }
    assert_eq!(pages.len(), 1, "one answer for both: {pages:#?}");
    let links = portal.links(1);
    assert!(links.iter().all(|(to, _)| to == DEPARTMENT), "{links:?}");
    assert_eq!(rows(&portal, "sign_in_links"), 1);
}

#[test]
fn a_link_signs_in_once_and_a_get_never_uses_it() {
    let portal = Portal::start();
    let mut http = portal.http();
    portal.request_link(&mut http, CITY, DEPARTMENT);
    let (_, path) = portal.links(1).pop().unwrap();
    for _ in 0..3 {
        assert_eq!(portal.http().get(&path).status, 200, "a mail scanner's GET");
    }
    assert_eq!(rows(&portal, "web_sessions"), 0);
    let used = portal.use_link(&mut http, &path);
    assert_eq!((used.status, used.location()), (303, "/132047/"));
    let home = http.get("/132047/");
    assert_eq!((home.status, home.location()), (303, "/132047/department"));
    let again = portal.use_link(&mut portal.http(), &path);
    assert_eq!(again.status, 410, "{}", again.text());
    assert!(again.text().contains("このリンクは使えません"));
    assert_eq!(rows(&portal, "web_sessions"), 1);
}

#[test]
fn a_link_pressed_from_many_browsers_at_once_opens_one_session() {
    let portal = Portal::start();
    portal.request_link(&mut portal.http(), CITY, DEPARTMENT);
    let (_, path) = portal.links(1).pop().unwrap();
    let ready: Vec<(Http, String)> = (0..8)
        .map(|_| {
            let mut http = portal.http();
            let csrf = http.get(&path).csrf();
            (http, csrf)
        })
        .collect();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let presses: Vec<_> = ready
            .into_iter()
            .map(|(mut http, csrf)| {
                let path = path.clone();
                scope.spawn(move || http.post_form(&path, &[("csrf", &csrf)]).status)
            })
            .collect();
        presses.into_iter().map(|p| p.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [303, 410].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(rows(&portal, "web_sessions"), 1);
}

#[test]
fn a_link_works_until_its_fifteenth_minute_and_never_after() {
    let portal = Portal::start();
    for address in [DEPARTMENT, OTHER_DEPARTMENT] {
        portal.request_link(&mut portal.http(), CITY, address);
    }
    let links = portal.links(2);
    let path_of = |who: &str| links.iter().find(|(to, _)| to == who).unwrap().1.clone();
    portal
        .clock
        .advance(Duration::minutes(15) - Duration::seconds(1));
    let mut http = portal.http();
    assert_eq!(portal.use_link(&mut http, &path_of(DEPARTMENT)).status, 303);
    // A page opened in the fifteenth minute, its button pressed after it.
    let mut slow = portal.http();
    let opened = slow.get(&path_of(OTHER_DEPARTMENT));
    assert_eq!(opened.status, 200, "{}", opened.text());
    portal.clock.advance(Duration::seconds(1));
    let pressed = slow.post_form(&path_of(OTHER_DEPARTMENT), &[("csrf", &opened.csrf())]);
    assert_eq!(pressed.status, 410, "{}", pressed.text());
    let late = portal.http().get(&path_of(OTHER_DEPARTMENT));
    assert_eq!(late.status, 410, "no button on an expired link's page");
    let used = portal.http().get(&path_of(DEPARTMENT));
    assert_eq!(used.status, 410, "no button on a used link's page");
}

#[test]
fn forged_or_garbled_links_are_refused_and_leave_the_real_one_working() {
    let portal = Portal::start();
    portal.request_link(&mut portal.http(), CITY, DEPARTMENT);
    let (_, path) = portal.links(1).pop().unwrap();
    let token = path.rsplit('/').next().unwrap().to_string();
    let mut flipped = token.clone().into_bytes();
    flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
    let forged = [
        "0".repeat(64),
        token.to_uppercase(),
        String::from_utf8(flipped).unwrap(),
        token[..63].to_string(),
        format!("{token}0"),
        format!("{token}%00"),
        "%E3%81%82".repeat(20),
        "..%2F..%2Fetc%2Fpasswd".to_string(),
        hakusho::web::auth::sha256_hex(&token),
    ];
    let mut http = portal.http();
    let csrf = http.get(&format!("/{CITY}/signin")).csrf();
    for fake in &forged {
        let target = format!("/{CITY}/signin/{fake}");
        let reply = http.post_form(&target, &[("csrf", &csrf)]);
        assert!(
            [404, 410].contains(&reply.status),
            "{fake}: {}",
            reply.status
        );
        assert!(reply.text().contains("<html lang=\"ja\">"), "{fake}");
    }
    assert_eq!(rows(&portal, "web_sessions"), 0);
    assert_eq!(portal.use_link(&mut http, &path).status, 303);
}

#[test]
fn a_link_or_a_session_of_one_city_opens_nothing_in_another() {
    let portal = Portal::with(2, |_, text| text);
    let (a, b) = (MITAKA.0, MUSASHINO.0);
    let home = portal.http().get("/").text();
    assert!(
        home.contains("href=\"/132047/\"") && home.contains("武蔵野市"),
        "{home}"
    );
    portal.request_link(&mut portal.http(), a, DEPARTMENT);
    let (_, path) = portal.links(1).pop().unwrap();
    let elsewhere = path.replacen(a, b, 1);
    let mut http = portal.http();
    let refused = portal.use_link(&mut http, &elsewhere);
    assert_eq!(refused.status, 410, "{}", refused.text());
    assert_eq!(portal.use_link(&mut http, &path).status, 303);
    let session = http.cookie("hakusho_session").unwrap();
    let mut stranger = portal.http();
    stranger.set_cookie(&format!("/{b}/"), "hakusho_session", &session);
    let home = stranger.get(&format!("/{b}/"));
    assert_eq!((home.status, home.location()), (303, "/132039/signin"));
    assert_eq!(stranger.get(&format!("/{b}/overview")).status, 303);
}

/// A POST route, a browser that may use it, and the form's fields besides its token.
type Post = (String, Http, Vec<(&'static str, String)>);

/// Every POST route of the sign-in, with what a browser would send there.
fn posts(portal: &Portal) -> Vec<Post> {
    let signed = portal.signed_in(CITY, PLANNING);
    portal.request_link(&mut portal.http(), CITY, DEPARTMENT);
    let (_, link) = portal.links(2).pop().unwrap();
    vec![
        (
            format!("/{CITY}/signin"),
            portal.http(),
            vec![("address", DEPARTMENT.to_string())],
        ),
        (link, portal.http(), vec![]),
        (format!("/{CITY}/signout"), signed, vec![]),
    ]
}

#[test]
fn every_form_without_its_token_or_with_another_is_refused_403() {
    let portal = Portal::start();
    let sessions_before = || rows(&portal, "web_sessions");
    for (path, mut http, fields) in posts(&portal) {
        let mut other = portal.http();
        let foreign = other.get(&format!("/{CITY}/signin")).csrf();
        let page = http.get(&format!("/{CITY}/signin"));
        let own = page.csrf();
        let with = |token: &str| {
            let mut all: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            all.push(("csrf", token));
            common::http::form_body(&all)
        };
        let kind = ("Content-Type", "application/x-www-form-urlencoded");
        let bodies = [
            (
                vec![kind],
                common::http::form_body(&[("address", DEPARTMENT)]),
            ),
            (vec![kind], with("")),
            (vec![kind], with(&foreign)),
            (vec![kind], with(&own[..63])),
            (vec![kind], with(&format!("{own}0"))),
            (vec![], String::new()),
            (vec![("Content-Type", "text/plain")], with(&own)),
        ];
        let count = sessions_before();
        for (headers, body) in bodies {
            let reply = http.request("POST", &path, &headers, body.as_bytes());
            assert_eq!(reply.status, 403, "{path} {body:?}: {}", reply.text());
            assert!(reply.text().contains("この操作はできません"), "{path}");
        }
        let mut stripped = http.clone();
        stripped.clear_cookies();
        let reply = stripped.request("POST", &path, &[kind], with(&own).as_bytes());
        assert!(
            [303, 403].contains(&reply.status),
            "{path} without cookies: {}",
            reply.status
        );
        assert_ne!(
            reply.location(),
            format!("/{CITY}/"),
            "{path} signed in without cookies"
        );
        assert_eq!(sessions_before(), count, "{path}: nothing opened or ended");
    }
    assert_eq!(
        rows(&portal, "sign_in_links"),
        2,
        "no link queued by a refused form"
    );
}

#[test]
fn signing_out_needs_the_sessions_own_token_not_the_sign_in_forms() {
    let portal = Portal::start();
    let mut http = portal.signed_in(CITY, PLANNING);
    let form_token = http.get(&format!("/{CITY}/signin")).csrf();
    let refused = http.post_form(&format!("/{CITY}/signout"), &[("csrf", &form_token)]);
    assert_eq!(refused.status, 403);
    assert_eq!(
        http.get(&format!("/{CITY}/console")).status,
        200,
        "still signed in"
    );
}

#[test]
fn too_many_requests_for_one_address_are_429_whether_it_is_known_or_not() {
    let portal = Portal::start();
    for address in [DEPARTMENT, "nobody@mitaka.example"] {
        let mut http = portal.http();
        http.extra.push((
            "X-Forwarded-For".into(),
            format!("10.0.0.{}", address.len()),
        ));
        for i in 0..PER_ADDRESS {
            let reply = portal.request_link(&mut http, CITY, address);
            assert_eq!(reply.status, 200, "{address} #{i}");
        }
        let refused = portal.request_link(&mut http, CITY, &address.to_uppercase());
        assert_eq!(refused.status, 429, "{address}");
        assert!(refused.text().contains("しばらくお待ちください"));
    }
    portal.clock.advance(Duration::minutes(WINDOW_MINUTES));
    let again = portal.request_link(&mut portal.http(), CITY, DEPARTMENT);
    assert_eq!(again.status, 200, "a new window");
}

#[test]
fn too_many_requests_from_one_client_are_429_whatever_the_addresses() {
    let portal = Portal::start();
    let mut http = portal.http();
    for i in 0..PER_CLIENT {
        let reply = portal.request_link(&mut http, CITY, &format!("person{i}@mitaka.example"));
        assert_eq!(reply.status, 200, "#{i}");
    }
    let refused = portal.request_link(&mut http, CITY, DEPARTMENT);
    assert_eq!(refused.status, 429);
    let mut elsewhere = portal.http();
    elsewhere
        .extra
        .push(("X-Forwarded-For".into(), "192.0.2.7".into()));
    assert_eq!(
        portal.request_link(&mut elsewhere, CITY, DEPARTMENT).status,
        200
    );
}

#[test]
fn replicas_count_alone_but_the_store_caps_the_links_mailed_to_an_address() {
    let mut portal = Portal::start();
    let replica = portal.replica();
    for addr in [portal.addr, replica] {
        let mut http = Http::new(addr);
        for _ in 0..PER_ADDRESS {
            assert_eq!(portal.request_link(&mut http, CITY, DEPARTMENT).status, 200);
        }
    }
    portal.links(PER_ADDRESS);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let links = rows(&portal, "sign_in_links");
    assert_eq!(
        links,
        i64::try_from(PER_ADDRESS).unwrap(),
        "the store's cap"
    );
}

#[test]
fn the_session_cookie_is_http_only_strict_to_its_city_and_secure_on_https() {
    for (base, secure) in [
        ("http://127.0.0.1:8080", false),
        ("https://portal.mitaka.example", true),
    ] {
        let portal = Portal::with(1, |_, text| {
            text.replace(
                "base_url = \"http://127.0.0.1:8080\"",
                &format!("base_url = \"{base}\""),
            )
        });
        let mut http = portal.http();
        let form = http.get(&format!("/{CITY}/signin"));
        portal.request_link(&mut http, CITY, DEPARTMENT);
        let (_, path) = portal.links(1).pop().unwrap();
        let used = portal.use_link(&mut http, &path);
        for set in [
            used.set_cookie("hakusho_session"),
            form.set_cookie("hakusho_form"),
        ] {
            let attributes: BTreeSet<&str> = set.unwrap().split("; ").skip(1).collect();
            let mut expected = BTreeSet::from(["Path=/132047/", "HttpOnly", "SameSite=Strict"]);
            if secure {
                expected.insert("Secure");
            }
            assert_eq!(attributes, expected, "{base}");
        }
    }
}

#[test]
fn signing_out_ends_the_session_for_whoever_holds_its_cookie() {
    let portal = Portal::start();
    let mut http = portal.signed_in(CITY, PLANNING);
    let copy = http.clone();
    let csrf = http.get(&format!("/{CITY}/console")).csrf();
    let out = http.post_form(&format!("/{CITY}/signout"), &[("csrf", &csrf)]);
    assert_eq!((out.status, out.location()), (303, "/132047/signin"));
    assert!(out
        .set_cookie("hakusho_session")
        .unwrap()
        .contains("Max-Age=0"));
    for mut holder in [http, copy] {
        let reply = holder.get(&format!("/{CITY}/console"));
        assert_eq!((reply.status, reply.location()), (303, "/132047/signin"));
    }
}

#[test]
fn the_sessions_command_lists_and_revokes_by_address_or_all() {
    let portal = Portal::start();
    let mut planning = portal.signed_in(CITY, PLANNING);
    let mut manager = portal.signed_in(CITY, MANAGER);
    let listed = common::stdout_of(&portal.hakusho(&["sessions"]));
    assert!(
        listed.contains("2 件") && listed.contains(PLANNING) && listed.contains("管理者"),
        "{listed}"
    );
    let revoked =
        common::stdout_of(&portal.hakusho(&["sessions", "--revoke", &PLANNING.to_uppercase()]));
    assert!(revoked.contains("1 件"), "{revoked}");
    let signed_out = planning.get(&format!("/{CITY}/console"));
    assert_eq!(
        (signed_out.status, signed_out.location()),
        (303, "/132047/signin")
    );
    assert_eq!(manager.get(&format!("/{CITY}/overview")).status, 200);
    let all = common::stdout_of(&portal.hakusho(&["sessions", "--revoke-all"]));
    assert!(all.contains("1 件"), "{all}");
    assert_eq!(manager.get(&format!("/{CITY}/overview")).status, 303);
}

#[test]
fn an_address_taken_out_of_the_configuration_loses_its_session_for_good() {
    let mut portal = Portal::start();
    let mut http = portal.signed_in(CITY, MANAGER);
    assert_eq!(http.get(&format!("/{CITY}/overview")).status, 200);
    let file = portal.cities[0].config_path();
    let text = std::fs::read_to_string(&file).unwrap();
    let without = text.replace(", \"副市長室 <fukushicho@mitaka.example>\"", "");
    assert_ne!(text, without);
    std::fs::write(&file, &without).unwrap();
    portal.restart();
    http.addr = portal.addr;
    assert_eq!(http.get(&format!("/{CITY}/overview")).status, 303);
    std::fs::write(&file, &text).unwrap();
    portal.restart();
    http.addr = portal.addr;
    assert_eq!(
        http.get(&format!("/{CITY}/overview")).status,
        303,
        "not revived"
    );
}

#[test]
fn each_role_lands_on_its_page_and_the_overview_is_not_a_departments() {
    use hakusho::web::auth::Role;
    let portal = Portal::start();
    for (address, role) in [
        (PLANNING, Role::Planning),
        (MANAGER, Role::Manager),
        (DEPARTMENT, Role::Department("企画部".into())),
    ] {
        let home = role.home(CITY);
        let mut http = portal.signed_in(CITY, address);
        assert_eq!(http.get(&format!("/{CITY}/")).location(), home);
        let page = http.get(&home);
        assert_eq!(page.status, 200, "{address}");
        let page = page.text();
        assert!(page.contains(address), "the header names who is signed in");
        let overview = http.get(&format!("/{CITY}/overview"));
        match role {
            Role::Department(_) => assert_eq!(overview.status, 403, "{address}"),
            // The planning division's console has the overview's table and more.
            Role::Planning => {
                assert_eq!(home, "/132047/console");
                assert!(page.contains("企画部") && page.contains("教育部"), "{page}");
                assert_eq!((overview.status, overview.location()), (303, home.as_str()));
            }
            // The managers land on their summary; the overview's table stays theirs.
            Role::Manager => {
                assert_eq!(home, "/132047/summary");
                let page = overview.text();
                assert_eq!(overview.status, 200, "{address}");
                assert!(page.contains("企画部") && page.contains("教育部"), "{page}");
            }
        }
    }
    let mut anonymous = portal.http();
    assert_eq!(
        anonymous.get(&format!("/{CITY}/overview")).location(),
        "/132047/signin"
    );
}

#[test]
fn the_overview_says_overdue_after_the_deadline_for_departments_that_sent_nothing() {
    let portal = Portal::start();
    let mut http = portal.signed_in(CITY, MANAGER);
    let page = http.get(&format!("/{CITY}/overview")).text();
    assert_eq!(
        page.matches("期限超過").count(),
        10,
        "the sample's deadline is long past: {page}"
    );
    assert!(page.contains("提出期限 2021年04月09日"), "{page}");
}

#[test]
fn every_page_carries_the_security_headers_and_errors_are_japanese_pages() {
    let portal = Portal::start();
    let mut http = portal.http();
    for path in [
        "/",
        "/132047/signin",
        "/nowhere",
        "/999999/signin",
        "/assets/hakusho.css",
        "/assets/x.js",
    ] {
        let reply = http.get(path);
        assert_eq!(
            reply
                .header("content-security-policy")
                .unwrap()
                .split(';')
                .next(),
            Some("default-src 'self'")
        );
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        if reply.status == 404 {
            assert!(reply.text().contains("ページが見つかりません"), "{path}");
        }
    }
    let raw = send_raw(
        portal.addr,
        b"GET /132047/signin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(raw.status, 200);
    assert!(!raw.text().contains("<script>"), "no inline script");
}

/// `hakusho serve` with a city of its own, its log read as it comes: the portal's
/// address, then the rest of the log when the daemon stops.
struct Daemon {
    /// `None` once stopped; a test that fails first kills it on drop.
    child: Option<std::process::Child>,
    addr: std::net::SocketAddr,
    log: std::thread::JoinHandle<String>,
}

impl Daemon {
    fn start(city: &common::TestCity) -> Daemon {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hakusho"))
            .args(["serve", "--config"])
            .arg(city.config_path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (found, address) = std::sync::mpsc::channel();
        let log = std::thread::spawn(move || {
            let mut log = String::new();
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(at) = line.find("ページを開きました: http://") {
                    let rest = &line[at + "ページを開きました: http://".len()..];
                    let _ = found.send(rest.split('/').next().unwrap().to_string());
                }
                log.push_str(&line);
                log.push('\n');
            }
            log
        });
        let addr = address
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("serve told where the portal listens")
            .parse()
            .unwrap();
        Daemon {
            child: Some(child),
            addr,
            log,
        }
    }

    /// SIGTERM: whether it stopped cleanly, and its log.
    fn stop(mut self) -> (bool, String) {
        let output = common::terminate(self.child.take().unwrap());
        let log = std::mem::replace(&mut self.log, std::thread::spawn(String::new));
        (output.status.success(), log.join().unwrap())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn serve_opens_the_portal_beside_its_jobs_rings_delivery_and_closes_it_on_sigterm() {
    let sink = common::SmtpSink::start();
    let city = common::TestCity::new(Some(sink.port));
    for file in std::fs::read_dir(city.inbox()).unwrap() {
        std::fs::remove_file(file.unwrap().path()).unwrap();
    }
    let daemon = Daemon::start(&city);
    let mut http = Http::new(daemon.addr);
    let form = http.get(&format!("/{CITY}/signin"));
    let csrf = form.csrf();
    let asked = http.post_form(
        &format!("/{CITY}/signin"),
        &[("csrf", &csrf), ("address", DEPARTMENT)],
    );
    assert_eq!(asked.status, 200);
    let mail = sink.wait_for(1);
    assert_eq!(
        mail.len(),
        1,
        "the bell sent the link before the next half-minute pass"
    );
    let message = mail_parser::MessageParser::default()
        .parse(&mail[0].1)
        .unwrap();
    let body = message.body_text(0).unwrap().to_string();
    let at = body.find("/132047/signin/").expect("a link");
    let path: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(
        body[..at].ends_with("http://127.0.0.1:8080"),
        "the configured base URL"
    );
    let page = http.get(&path);
    let used = http.post_form(&path, &[("csrf", &page.csrf())]);
    assert_eq!((used.status, used.location()), (303, "/132047/"));
    let addr = daemon.addr;
    let (clean, log) = daemon.stop();
    assert!(clean, "{log}");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the portal closed with the daemon"
    );
}

#[test]
fn requests_axum_itself_refuses_get_our_japanese_pages_too() {
    let portal = Portal::start();
    let mut http = portal.http();
    let big = format!("csrf=x&address={}", "a".repeat(3 * 1024 * 1024));
    let kind = ("Content-Type", "application/x-www-form-urlencoded");
    let cases = [
        ("GET", "/132047/signin/%FF%FE", vec![], Vec::new()),
        ("POST", "/132047/signin/%FF", vec![kind], b"csrf=x".to_vec()),
        ("DELETE", "/132047/signin", vec![], Vec::new()),
        ("PUT", "/132047/overview", vec![], Vec::new()),
        ("POST", "/132047/signin", vec![kind], big.into_bytes()),
    ];
    for (method, path, headers, body) in cases {
        let reply = http.request(method, path, &headers, &body);
        assert!(reply.status >= 400, "{method} {path}: {}", reply.status);
        let page = reply.text();
        assert!(
            page.contains("<html lang=\"ja\">"),
            "{method} {path}: {page}"
        );
        assert!(
            !page.contains("Invalid") && !page.contains("rejection"),
            "{page}"
        );
        assert!(reply.header("content-security-policy").is_some());
    }
    drop(portal.cities[0].store()); // made and migrated if no request opened it
    assert_eq!(rows(&portal, "sign_in_links"), 0);
}

#[test]
fn a_request_stuffed_with_session_cookies_is_simply_signed_out() {
    let portal = Portal::start();
    let mut http = portal.signed_in(CITY, PLANNING);
    let real = http.cookie("hakusho_session").unwrap();
    let mut stuffed: Vec<String> = (0..200)
        .map(|i| format!("hakusho_session={i:064x}"))
        .collect();
    stuffed.push(format!("hakusho_session={real}"));
    let cookie = stuffed.join("; ");
    http.clear_cookies();
    let reply = http.request(
        "GET",
        &format!("/{CITY}/console"),
        &[("Cookie", &cookie)],
        b"",
    );
    assert_eq!((reply.status, reply.location()), (303, "/132047/signin"));
    let first = format!("hakusho_session={real}; {cookie}");
    let reply = http.request(
        "GET",
        &format!("/{CITY}/console"),
        &[("Cookie", &first)],
        b"",
    );
    assert_eq!(reply.status, 200, "the real one first is used");
}

#[test]
fn the_testing_sign_in_opens_a_session_the_portal_accepts_as_a_link_would() {
    let portal = Portal::start();
    let cookie = hakusho::web::testing::sign_in(portal.app(), " Fukushicho@mitaka.example");
    let csrf = hakusho::web::testing::csrf_of(portal.app(), &cookie);
    let mut http = portal.http();
    http.set_cookie("/132047/", "hakusho_session", &cookie);
    let page = http.get(&format!("/{CITY}/overview"));
    assert_eq!(page.status, 200);
    assert_eq!(
        page.csrf(),
        csrf,
        "the sign-out form carries the session's token"
    );
    let unknown = hakusho::web::testing::sign_in(portal.app(), "nobody@mitaka.example");
    http.set_cookie("/132047/", "hakusho_session", &unknown);
    assert_eq!(
        http.get(&format!("/{CITY}/overview")).status,
        303,
        "no role, no page"
    );
}

#[test]
fn serve_stops_before_any_job_when_the_portals_address_is_taken() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let city = common::TestCity::new(None);
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    let text = text.replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{port}\""),
    );
    std::fs::write(city.config_path(), text).unwrap();
    let output = city.hakusho(&["serve"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")) && stderr.contains("web.listen"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("taken in from the inbox"),
        "no job began: {stderr}"
    );
    assert_eq!(
        std::fs::read_dir(city.inbox()).unwrap().count(),
        10,
        "the inbox untouched"
    );
}

#[test]
fn a_session_ends_after_the_configured_hours() {
    let portal = Portal::with(1, |_, text| {
        text.replace("# session_hours = 12", "session_hours = 2")
    });
    let mut http = portal.signed_in(CITY, PLANNING);
    portal
        .clock
        .advance(Duration::hours(2) - Duration::seconds(1));
    assert_eq!(http.get(&format!("/{CITY}/console")).status, 200);
    portal.clock.advance(Duration::seconds(1));
    let reply = http.get(&format!("/{CITY}/console"));
    assert_eq!((reply.status, reply.location()), (303, "/132047/signin"));
}
