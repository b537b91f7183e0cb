//! A small HTTP/1.1 client over `std::net::TcpStream` for the portal's tests: GET, a
//! POST of a form or of multipart data, or any bytes at all; a cookie jar that keeps
//! each cookie's path as a browser does; the answer's status, headers and body. One
//! connection per request (`Connection: close`), so nothing is left half read.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (chunked encoding undone).
    pub body: Vec<u8>,
}

impl Reply {
    /// The first header of that name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers_named(name).into_iter().next()
    }

    /// Every header of that name.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    /// The `Set-Cookie` header that sets `name`.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers_named("set-cookie")
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the hidden `csrf` field of the page's first form.
    pub fn csrf(&self) -> String {
        hidden_field(&self.text(), "csrf").expect("a form with a csrf field")
    }
}

/// The value of the first `<input … name="NAME" value="…">` of a page.
pub fn hidden_field(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = start + page[start..].find('"')?;
    Some(page[start..end].to_string())
}

/// A browser-like client of one server: its cookies, by path and name.
#[derive(Debug, Clone)]
pub struct Http {
    /// The server.
    pub addr: SocketAddr,
    /// (path, name) → value.
    jar: BTreeMap<(String, String), String>,
    /// Headers added to every request (`X-Forwarded-For` in a test).
    pub extra: Vec<(String, String)>,
}

impl Http {
    /// A client with no cookies.
    pub fn new(addr: SocketAddr) -> Http {
        Http {
            addr,
            jar: BTreeMap::new(),
            extra: Vec::new(),
        }
    }

    /// GET.
    pub fn get(&mut self, path: &str) -> Reply {
        self.request("GET", path, &[], b"")
    }

    /// POST of a form (`application/x-www-form-urlencoded`).
    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_body(fields);
        let kind = ("Content-Type", "application/x-www-form-urlencoded");
        self.request("POST", path, &[kind], body.as_bytes())
    }

    /// POST of `multipart/form-data`: text fields, then files (field, file name, bytes).
    pub fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let boundary = "hakusho-test-boundary-7d1f0c";
        let body = multipart_body(boundary, fields, files);
        let kind = format!("multipart/form-data; boundary={boundary}");
        self.request("POST", path, &[("Content-Type", &kind)], &body)
    }

    /// Any request: the jar's cookies for the path are sent, its `Set-Cookie`s kept.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(cookies) = self.cookie_header(path) {
            head.push_str(&format!("Cookie: {cookies}\r\n"));
        }
        let extra = self.extra.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        for (name, value) in headers.iter().copied().chain(extra) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        let reply = send_raw(self.addr, &bytes);
        self.keep_cookies(&reply);
        reply
    }

    /// Sets a cookie as the server would have (path `/` when none is given).
    pub fn set_cookie(&mut self, path: &str, name: &str, value: &str) {
        self.jar
            .insert((path.to_string(), name.to_string()), value.to_string());
    }

    /// The value of a cookie the jar holds, whatever its path.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar
            .iter()
            .find(|((_, n), _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// Forgets every cookie.
    pub fn clear_cookies(&mut self) {
        self.jar.clear();
    }

    /// `name=value; …` of the cookies whose path the request path is under.
    fn cookie_header(&self, path: &str) -> Option<String> {
        let sent: Vec<String> = self
            .jar
            .iter()
            .filter(|((p, _), _)| path.starts_with(p.as_str()))
            .map(|((_, n), v)| format!("{n}={v}"))
            .collect();
        (!sent.is_empty()).then(|| sent.join("; "))
    }

    /// Keeps the reply's cookies (`Max-Age=0` deletes one).
    fn keep_cookies(&mut self, reply: &Reply) {
        for line in reply.headers_named("set-cookie") {
            let mut parts = line.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let attributes: Vec<&str> = parts.collect();
            let path = attributes
                .iter()
                .find_map(|a| a.strip_prefix("Path="))
                .unwrap_or("/");
            let key = (path.to_string(), name.to_string());
            if attributes.contains(&"Max-Age=0") {
                self.jar.remove(&key);
            } else {
                self.jar.insert(key, value.to_string());
            }
        }
    }
}

/// `a=1&b=%E4…`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(name, NON_ALPHANUMERIC),
                utf8_percent_encode(value, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A multipart body with `boundary`.
pub fn multipart_body(
    boundary: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// Sends `bytes` as they are (a whole request, however malformed) and reads the
/// answer until the server closes the connection.
pub fn send_raw(addr: SocketAddr, bytes: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connecting to the portal");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    // The server may answer (413) and close before reading all of a large body.
    let _ = stream.write_all(bytes);
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    parse_reply(&received)
}

/// Parses a whole HTTP/1.1 answer.
pub fn parse_reply(received: &[u8]) -> Reply {
    let split = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(received)));
    let head = String::from_utf8_lossy(&received[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let raw = &received[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked { unchunk(raw) } else { raw.to_vec() };
    Reply {
        status,
        headers,
        body,
    }
}

/// Undoes `Transfer-Encoding: chunked`.
fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return body;
        };
        let size_text = String::from_utf8_lossy(&raw[..end]).to_string();
        let size =
            usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 || raw.len() < end + 2 + size {
            return body;
        }
        body.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[(end + 4 + size).min(raw.len())..];
    }
}
