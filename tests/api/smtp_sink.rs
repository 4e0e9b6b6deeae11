//! The harness's SMTP server is a real one: lettre talks to it over TCP.

use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::helpers::SmtpSink;

fn message(subject: &str) -> Message {
    Message::builder()
        .from("huzhu <noreply@localhost>".parse().expect("from"))
        .to("志愿者 <volunteer@example.org>".parse().expect("to"))
        .subject(subject)
        .body("你好".to_owned())
        .expect("message")
}

#[tokio::test]
async fn the_smtp_sink_receives_mail_and_can_be_down_and_back_on_the_same_port() {
    let mut sink = SmtpSink::start().await;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&sink.url())
        .expect("URL")
        .timeout(Some(Duration::from_secs(5)))
        .build();
    transport.send(message("第一封")).await.expect("delivered");
    let mails = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(mails[0].sender, "noreply@localhost");
    assert_eq!(mails[0].to, vec!["volunteer@example.org".to_owned()]);
    assert!(
        mails[0].text().contains("Subject: =?utf-8?"),
        "{}",
        mails[0].text()
    );

    sink.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        transport.send(message("丢失")).await.is_err(),
        "the port is closed"
    );

    sink.resume().await;
    transport
        .send(message("第二封"))
        .await
        .expect("delivered after restart");
    assert_eq!(sink.wait_for(2, Duration::from_secs(5)).await.len(), 2);
}
