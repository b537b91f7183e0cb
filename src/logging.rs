//! The log lines on standard error: one event, one line, whatever the event carries.
//!
//! The log sites pass untrusted text (file names, addresses, server replies) through
//! [`crate::domain::printable`]; this writer is the net under them. tracing-subscriber
//! formats each event into one buffer and writes it with one `write_all`, so every
//! control character before the buffer's final newline is one an event carried (an
//! error chain quoting a file name, say) and is escaped here.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;

use crate::config::NotReady;
use crate::domain::{json_printable, printable};

/// Makes the standard-error writer of one event.
#[derive(Debug, Clone, Copy)]
pub struct OneLineStderr {
    /// JSON lines get JSON's `\uXXXX` escapes, so every line still parses.
    pub json: bool,
}

impl<'a> MakeWriter<'a> for OneLineStderr {
    type Writer = OneLineWriter;

    fn make_writer(&'a self) -> OneLineWriter {
        OneLineWriter { json: self.json }
    }
}

/// Writes one formatted event to standard error with its inner control characters escaped.
pub struct OneLineWriter {
    json: bool,
}

impl Write for OneLineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let line = one_line(&text, self.json);
        io::stderr().lock().write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// The event `text` as one line: everything before its final newline escaped.
pub fn one_line(text: &str, json: bool) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let escaped = if json {
        json_printable(body)
    } else {
        printable(body)
    };
    format!("{escaped}\n")
}

/// An error and its causes as `hakusho: …` prints them: `{:#}` with every cause made
/// [`printable`], except a [`NotReady`] list, whose lines are already escaped one by one.
pub fn error_text(error: &anyhow::Error) -> String {
    let causes: Vec<String> = error
        .chain()
        .map(|cause| match cause.downcast_ref::<NotReady>() {
            Some(list) => list.to_string(),
            None => printable(&cause.to_string()).into_owned(),
        })
        .collect();
    causes.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_with_a_newline_inside_stays_one_line() {
        let line = one_line("INFO file received file=a\nFORGED b\u{1b}[2J\n", false);
        assert_eq!(line, "INFO file received file=a\\nFORGED b\\u{1b}[2J\n");
    }

    #[test]
    fn a_json_event_stays_valid_json() {
        let event = serde_json::json!({ "file": "a\u{2028}b\u{85}c\nd" }).to_string();
        let line = one_line(&format!("{event}\n"), true);
        assert_eq!(line.matches('\n').count(), 1);
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["file"], "a\u{2028}b\u{85}c\nd");
    }
}
