//! A real SMTP server on a loopback port (the `mailin` protocol engine behind
//! a tokio listener), which a test can stop and start again on the same port
//! to play a mail server that is down.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{Action, Handler, Response, SessionBuilder, response};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One message as it arrived on the wire.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub sender: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl ReceivedMail {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

type Inbox = Arc<Mutex<Vec<ReceivedMail>>>;

#[derive(Clone)]
struct Collector {
    inbox: Inbox,
    rejecting: Arc<AtomicBool>,
    current: Option<ReceivedMail>,
}

impl Handler for Collector {
    fn rcpt(&mut self, _to: &str) -> Response {
        if self.rejecting.load(Ordering::SeqCst) {
            response::NO_MAILBOX
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedMail {
            sender: from.to_owned(),
            to: to.to_vec(),
            data: Vec::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(mail) = self.current.take() {
            self.inbox.lock().expect("inbox").push(mail);
        }
        response::OK
    }
}

/// The SMTP server a test talks to.
pub struct SmtpSink {
    pub addr: SocketAddr,
    inbox: Inbox,
    rejecting: Arc<AtomicBool>,
    task: Option<JoinHandle<()>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let addr = listener.local_addr().expect("address");
        let inbox = Inbox::default();
        let rejecting = Arc::new(AtomicBool::new(false));
        let task = Some(tokio::spawn(accept_loop(
            listener,
            inbox.clone(),
            rejecting.clone(),
        )));
        Self {
            addr,
            inbox,
            rejecting,
            task,
        }
    }

    /// Makes the server refuse every recipient for good (550), as for an
    /// address that does not exist.
    pub fn reject_recipients(&self, reject: bool) {
        self.rejecting.store(reject, Ordering::SeqCst);
    }

    /// `smtp://127.0.0.1:<port>`, as `HUZHU_SMTP_URL` takes it.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Closes the port: connections are refused until `resume`.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn resume(&mut self) {
        self.stop();
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        self.task = Some(tokio::spawn(accept_loop(
            listener,
            self.inbox.clone(),
            self.rejecting.clone(),
        )));
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.inbox.lock().expect("inbox").clone()
    }

    /// Waits until at least `count` messages arrived (or `timeout` passed).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mails = self.received();
            if mails.len() >= count || tokio::time::Instant::now() >= deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept_loop(listener: TcpListener, inbox: Inbox, rejecting: Arc<AtomicBool>) {
    let builder = SessionBuilder::new("huzhu-test-smtp");
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        // Replies are small writes; without this, delayed ACKs pace every
        // message to tens of milliseconds.
        let _ = stream.set_nodelay(true);
        let handler = Collector {
            inbox: inbox.clone(),
            rejecting: rejecting.clone(),
            current: None,
        };
        let session = builder.build(peer.ip(), handler);
        sessions.spawn(serve(stream, peer.ip(), session));
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    _ip: IpAddr,
    mut session: mailin::Session<Collector>,
) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    if write_reply(&mut write, &session.greeting()).await.is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let reply = session.process(&line);
        match reply.action {
            Action::NoReply => {}
            Action::Reply => {
                if write_reply(&mut write, &reply).await.is_err() {
                    return;
                }
            }
            Action::Close | Action::UpgradeTls => {
                let _ = write_reply(&mut write, &reply).await;
                return;
            }
        }
    }
}

async fn write_reply(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    reply: &Response,
) -> std::io::Result<()> {
    let bytes = reply.buffer()?;
    write.write_all(&bytes).await?;
    write.flush().await
}
