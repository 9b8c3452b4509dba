//! A scripted OpenAI-compatible server on a loopback port, for tests of the client and of
//! the runtime's LLM worker: it answers one connection per scripted reply, in order, and
//! hands over every request it read. Behind the `stub` feature, for dev-dependencies only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use serde_json::json;

/// What the server does with one connection.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Sends this HTTP response.
    Http(String),
    /// Reads the request and sends nothing for 10 s, longer than any test's timeout.
    Hang,
}

/// A response with `status`, extra `headers` and a JSON `body`; the connection closes
/// after it, so each request of a client comes on a connection of its own.
pub fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut head = format!(
        "HTTP/1.1 {status} Status\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    Reply::Http(format!("{head}\r\n{body}"))
}

/// A chat completion whose message content is `content`, from `served-model`, with 57
/// prompt and 19 completion tokens.
pub fn completion(content: &str) -> Reply {
    let body = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "served-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 57, "completion_tokens": 19, "total_tokens": 76},
    });
    reply(200, &[], &body.to_string())
}

/// Serves `replies` and returns the base URL (`http://127.0.0.1:PORT/v1`) and the requests
/// read (head and body as text). Each connection is answered on a thread of its own, so
/// a hanging one holds up no other; once the replies run out, connections are refused.
pub fn serve(replies: Vec<Reply>) -> (String, Receiver<String>) {
    let (base_url, listener) = match TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| Ok((listener.local_addr()?, listener)))
    {
        Ok((address, listener)) => (format!("http://{address}/v1"), listener),
        // No loopback port: every request fails to connect, which the test will show.
        Err(_) => return ("http://127.0.0.1:9/v1".into(), mpsc::channel().1),
    };
    let (requests, received) = mpsc::channel();
    thread::spawn(move || {
        for reply in replies {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let requests = requests.clone();
            thread::spawn(move || {
                let _ = requests.send(read_request(&stream));
                match reply {
                    Reply::Http(text) => {
                        let _ = stream.write_all(text.as_bytes());
                    }
                    Reply::Hang => thread::sleep(Duration::from_secs(10)),
                }
            });
        }
    });
    (base_url, received)
}

fn read_request(stream: &TcpStream) -> String {
    let mut reader = BufReader::new(stream);
    let mut text = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return text;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        text.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    text.push_str(&String::from_utf8_lossy(&body));
    text
}
