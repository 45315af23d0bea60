//! Transport robustness over real TCP on 127.0.0.1, against the in-memory stand-in of the
//! engine (these tests are about framing, limits and error replies, not matching): garbage
//! before a frame, split and coalesced frames, an oversized frame, many connections, a
//! connection limit, malformed messages among good ones, App. C rejections, sender rights,
//! and the ITI-10 notifier delivering to a consumer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use common::memory::MemoryMpi;
use common::{Client, TestServer, conformance, conformance_config, field, fields};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::codec::{Decoder, Encoder};
use vigie_hl7::mllp::{MllpCodec, frame};
use vigie_server::config::{Config, ConsumerConfig};
use vigie_server::mllp::notifier;

fn a01(control_id: &str, ipp: &str) -> String {
    format!(
        "MSH|^~\\&|HOSP_A|FAC|VIGIE|VIGIE|20240101120000||ADT^A01^ADT_A01|{control_id}|P|2.5\r\
         EVN|A01|20240101120000\r\
         PID|||{ipp}^^^CHU-A&1.2.250.1.71.4.2.7.1&ISO^PI||DURAND^PAUL^^^^^L||19800101|M\r\
         PV1||O\r"
    )
}

async fn server(config: Config) -> (TestServer, Arc<MemoryMpi>) {
    let backend = Arc::new(MemoryMpi::default());
    (
        TestServer::with_backend(config, backend.clone()).await,
        backend,
    )
}

#[tokio::test]
async fn garbage_before_a_frame_is_skipped() {
    let (server, _) = server(conformance_config()).await;
    let mut client = server.client().await;
    let mut bytes = b"GET / HTTP/1.1\r\n\r\n\x1c\r".to_vec();
    bytes.extend(frame(a01("G1", "1").as_bytes()).unwrap());
    client.write_raw(&bytes).await;
    let reply = client.recv().await.unwrap();
    assert_eq!(field(&reply, "MSA", 1), "AA");
    assert_eq!(field(&reply, "MSA", 2), "G1");
}

#[tokio::test]
async fn a_frame_split_over_many_writes_is_reassembled() {
    let (server, _) = server(conformance_config()).await;
    let mut client = server.client().await;
    let bytes = frame(a01("S1", "2").as_bytes()).unwrap();
    for chunk in bytes.chunks(7) {
        client.write_raw(chunk).await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let reply = client.recv().await.unwrap();
    assert_eq!(field(&reply, "MSA", 1), "AA");
    assert_eq!(field(&reply, "MSA", 2), "S1");
}

#[tokio::test]
async fn coalesced_frames_get_one_reply_each_in_order() {
    let (server, _) = server(conformance_config()).await;
    let mut client = server.client().await;
    let mut bytes = Vec::new();
    for i in 0..3 {
        bytes.extend(frame(a01(&format!("C{i}"), &format!("3{i}")).as_bytes()).unwrap());
    }
    client.write_raw(&bytes).await;
    for i in 0..3 {
        let reply = client.recv().await.unwrap();
        assert_eq!(field(&reply, "MSA", 2), format!("C{i}"));
        assert_eq!(field(&reply, "MSA", 1), "AA");
    }
}

#[tokio::test]
async fn an_oversized_frame_is_refused_and_the_connection_goes_on() {
    let mut config = conformance_config();
    config.server.mllp_max_frame_bytes = 2048;
    let (server, _) = server(config).await;
    let mut client = server.client().await;
    let big = format!("{}NTE|1||{}\r", a01("BIG", "4"), "x".repeat(10_000));
    client.send_only(big.as_bytes()).await;
    let reply = client.recv().await.unwrap();
    assert_eq!(field(&reply, "MSA", 1), "AE");
    assert_eq!(field(&reply, "MSA", 2), "");
    assert!(field(&reply, "ERR", 3).starts_with("207^"));
    let reply = client.send(a01("AFTER", "5").as_bytes()).await;
    assert_eq!(field(&reply, "MSA", 1), "AA");
    assert_eq!(field(&reply, "MSA", 2), "AFTER");
}

#[tokio::test]
async fn too_many_segments_are_refused() {
    let mut config = conformance_config();
    config.mllp.max_segments = 10;
    let (server, _) = server(config).await;
    let mut client = server.client().await;
    let long = format!("{}{}", a01("SEG", "6"), "NTE|1||x\r".repeat(20));
    let reply = client.send(long.as_bytes()).await;
    assert_eq!(field(&reply, "MSA", 1), "AE");
    assert_eq!(field(&reply, "MSA", 2), "SEG");
    assert!(field(&reply, "ERR", 3).starts_with("100^"));
}

#[tokio::test]
async fn many_connections_are_served_concurrently() {
    let (server, backend) = server(conformance_config()).await;
    let mut tasks = Vec::new();
    for c in 0..40 {
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr).await;
            for m in 0..5 {
                let id = format!("M{c}-{m}");
                let reply = client.send(a01(&id, &format!("P{c}-{m}")).as_bytes()).await;
                assert_eq!(field(&reply, "MSA", 1), "AA", "{reply}");
                assert_eq!(field(&reply, "MSA", 2), id);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let query = "MSH|^~\\&|HOSP_A|FAC|VIGIE|VIGIE|20240101||QBP^Q23^QBP_Q21|Q1|P|2.5\r\
                 QPD|IHE PIX Query|T1|P39-4^^^CHU-A\rRCP|I\r";
    let reply = server.client().await.send(query.as_bytes()).await;
    assert_eq!(field(&reply, "MSA", 1), "AA");
    assert!(backend.accesses().iter().any(|a| a.action == "pix-query"));
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed() {
    let mut config = conformance_config();
    config.server.mllp_max_connections = 2;
    let (server, _) = server(config).await;
    let mut first = server.client().await;
    let mut second = server.client().await;
    assert_eq!(
        field(&first.send(a01("L1", "7").as_bytes()).await, "MSA", 1),
        "AA"
    );
    assert_eq!(
        field(&second.send(a01("L2", "8").as_bytes()).await, "MSA", 1),
        "AA"
    );
    let mut third = server.client().await;
    third.send_only(a01("L3", "9").as_bytes()).await;
    assert_eq!(third.recv().await, None);
    drop(first);
    // A slot frees once the first connection is gone.
    let mut reply = None;
    for _ in 0..100 {
        let mut fourth = server.client().await;
        fourth.send_only(a01("L4", "10").as_bytes()).await;
        if let Some(r) = fourth.recv().await {
            reply = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(field(&reply.unwrap(), "MSA", 1), "AA");
}

#[tokio::test]
async fn malformed_messages_among_good_ones_get_naks_and_nothing_breaks() {
    let (server, _) = server(conformance_config()).await;
    let mut client = server.client().await;
    let good = client.send(a01("OK1", "11").as_bytes()).await;
    assert_eq!(field(&good, "MSA", 1), "AA");
    // Not HL7 at all: no MSH.
    let reply = client.send(b"hello world\r").await;
    assert_eq!(field(&reply, "MSA", 1), "AE");
    assert!(field(&reply, "ERR", 3).starts_with("100^"), "{reply}");
    // A header with bad encoding characters.
    let reply = client.send(b"MSH|\r").await;
    assert!(
        matches!(field(&reply, "MSA", 1).as_str(), "AE" | "AR"),
        "{reply}"
    );
    // Binary noise inside a frame.
    let reply = client.send(&[0xff, 0xfe, 0x00, 0x01, b'\r']).await;
    assert!(
        matches!(field(&reply, "MSA", 1).as_str(), "AE" | "AR"),
        "{reply}"
    );
    // A missing PID.
    let reply = client
        .send(&conformance("iti8_adt_a01_missing_pid_NEGATIVE.hl7"))
        .await;
    assert_eq!(field(&reply, "MSA", 1), "AE");
    assert_eq!(field(&reply, "MSA", 2), "123456");
    assert!(field(&reply, "ERR", 3).starts_with("100^"));
    let good = client.send(a01("OK2", "12").as_bytes()).await;
    assert_eq!(field(&good, "MSA", 2), "OK2");
    let other = server
        .client()
        .await
        .send(a01("OK3", "13").as_bytes())
        .await;
    assert_eq!(field(&other, "MSA", 1), "AA");
}

#[tokio::test]
async fn unsupported_type_trigger_and_version_are_rejected_per_app_c() {
    let (server, _) = server(conformance_config()).await;
    let mut client = server.client().await;
    let reply = client
        .send(b"MSH|^~\\&|HOSP_A|F|V|V|2024||ORU^R01^ORU_R01|U1|P|2.5\rOBX|1\r")
        .await;
    assert_eq!(field(&reply, "MSA", 1), "AR");
    assert_eq!(field(&reply, "ERR", 2), "MSH^1^9^1^1");
    assert_eq!(
        field(&reply, "ERR", 3),
        "200^Unsupported message type^HL70357"
    );
    assert_eq!(field(&reply, "MSH", 9), "ACK^R01^ACK");
    let reply = client
        .send(b"MSH|^~\\&|HOSP_A|F|V|V|2024||ADT^A02^ADT_A02|U2|P|2.5\rPID|||1^^^CHU-A||X\r")
        .await;
    assert_eq!(field(&reply, "MSA", 1), "AR");
    assert_eq!(field(&reply, "ERR", 2), "MSH^1^9^1^2");
    assert!(field(&reply, "ERR", 3).starts_with("201^"));
    let reply = client
        .send(b"MSH|^~\\&|HOSP_A|F|V|V|2024||QBP^Q23^QBP_Q21|U3|P|2.3.1\rQPD|IHE PIX Query|T|1^^^CHU-A\rRCP|I\r")
        .await;
    assert_eq!(field(&reply, "MSA", 1), "AR");
    assert_eq!(field(&reply, "ERR", 2), "MSH^1^12");
    assert!(field(&reply, "ERR", 3).starts_with("203^"));
    let reply = client
        .send(b"MSH|^~\\&|HOSP_A|F|V|V|2024||ADT^A01^ADT_A01|U4|X|2.5\rPID|||1^^^CHU-A||X\r")
        .await;
    assert_eq!(field(&reply, "MSA", 1), "AR");
    assert!(field(&reply, "ERR", 3).starts_with("202^"));
}

#[tokio::test]
async fn senders_feed_only_their_domains_and_denials_are_audited() {
    let (server, backend) = server(conformance_config()).await;
    let mut client = server.client().await;
    // HOSP_B may not feed CHU-A.
    let message = a01("D1", "14").replace("HOSP_A", "HOSP_B");
    let reply = client.send(message.as_bytes()).await;
    assert_eq!(field(&reply, "MSA", 1), "AR");
    assert_eq!(field(&reply, "ERR", 2), "PID^1^3^1^4");
    assert!(field(&reply, "ERR", 3).starts_with("204^"));
    // An unknown application may do nothing.
    let message = a01("D2", "15").replace("HOSP_A", "INTRUDER");
    let reply = client.send(message.as_bytes()).await;
    assert_eq!(field(&reply, "MSA", 1), "AR");
    assert_eq!(field(&reply, "ERR", 2), "MSH^1^3");
    let denied = backend
        .accesses()
        .iter()
        .filter(|a| a.action == "denied")
        .count();
    assert_eq!(denied, 2);
    // An unknown domain is an error, not a denial.
    let message = a01("D3", "16").replace("CHU-A&1.2.250.1.71.4.2.7.1&ISO", "NOWHERE&9.9.9&ISO");
    let reply = client.send(message.as_bytes()).await;
    assert_eq!(field(&reply, "MSA", 1), "AE");
    assert_eq!(field(&reply, "ERR", 2), "PID^1^3^1^4");
}

#[tokio::test]
async fn pdq_continuation_pages_and_cancel() {
    let (server, _) = server(conformance_config()).await;
    let mut client = server.client().await;
    for i in 0..5 {
        let message = a01(&format!("F{i}"), &format!("K{i}"))
            .replace("19800101", &format!("1980010{}", i + 1));
        assert_eq!(
            field(&client.send(message.as_bytes()).await, "MSA", 1),
            "AA"
        );
    }
    let query = |control: &str, dsc: &str| {
        format!(
            "MSH|^~\\&|HOSP_A|FAC|VIGIE|VIGIE|2024||QBP^Q22^QBP_Q21|{control}|P|2.5\r\
             QPD|IHE PDQ Query|TAG1|@PID.5.1.1^DURAND\rRCP|I|2^RD\r{dsc}"
        )
    };
    let first = client.send(query("P1", "").as_bytes()).await;
    assert_eq!(field(&first, "QAK", 2), "OK");
    assert_eq!(fields(&first, "PID", 3).len(), 2);
    assert_eq!(field(&first, "QAK", 4), "5");
    assert_eq!(field(&first, "QAK", 6), "3");
    let pointer = field(&first, "DSC", 1);
    assert!(!pointer.is_empty());
    let second = client
        .send(query("P2", &format!("DSC|{pointer}|I\r")).as_bytes())
        .await;
    assert_eq!(field(&second, "MSA", 2), "P2");
    assert_eq!(fields(&second, "PID", 3).len(), 2);
    assert_eq!(field(&second, "QAK", 6), "1");
    let cancel =
        "MSH|^~\\&|HOSP_A|FAC|VIGIE|VIGIE|2024||QCN^J01^QCN_J01|X1|P|2.5\rQID|TAG1|IHE PDQ Query\r";
    let ack = client.send(cancel.as_bytes()).await;
    assert_eq!(field(&ack, "MSH", 9), "ACK^J01^ACK");
    assert_eq!(field(&ack, "MSA", 1), "AA");
    let after = client
        .send(query("P3", &format!("DSC|{pointer}|I\r")).as_bytes())
        .await;
    assert_eq!(field(&after, "MSA", 1), "AE");
    assert_eq!(field(&after, "ERR", 2), "DSC^1^1");
}

#[tokio::test]
async fn the_notifier_sends_a31_to_a_consumer_and_acknowledges_the_outbox() {
    let consumer = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = conformance_config();
    config.consumers = vec![ConsumerConfig {
        name: "XREF_CONSUMER".to_owned(),
        address: consumer.local_addr().unwrap().to_string(),
        domains: vec!["CHU-A".to_owned()],
        tls: false,
        ca: None,
        server_name: None,
    }];
    config.mllp.notify_poll_ms = 20;
    let (server, backend) = server(config).await;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let notifier = tokio::spawn(notifier::run(server.state.clone(), async move {
        let _ = stop_rx.await;
    }));
    let reply = server
        .client()
        .await
        .send(a01("N1", "N-42").as_bytes())
        .await;
    assert_eq!(field(&reply, "MSA", 1), "AA");
    let (mut stream, _) = consumer.accept().await.unwrap();
    let mut codec = MllpCodec::default();
    let mut buffer = BytesMut::new();
    let notification = loop {
        if let Some(frame) = codec.decode(&mut buffer).unwrap() {
            break String::from_utf8(frame.to_vec()).unwrap();
        }
        assert!(stream.read_buf(&mut buffer).await.unwrap() > 0);
    };
    assert_eq!(field(&notification, "MSH", 9), "ADT^A31^ADT_A05");
    assert_eq!(field(&notification, "MSH", 5), "XREF_CONSUMER");
    assert_eq!(
        field(&notification, "PID", 3),
        "N-42^^^CHU-A&1.2.250.1.71.4.2.7.1&ISO^PI"
    );
    assert_eq!(field(&notification, "PID", 5), " ");
    assert_eq!(field(&notification, "PV1", 2), "N");
    let control = field(&notification, "MSH", 10);
    let ack = format!(
        "MSH|^~\\&|XREF_CONSUMER||VIGIE|VIGIE|2024||ACK^A31^ACK|A1|P|2.5\rMSA|AA|{control}\r"
    );
    let mut out = BytesMut::new();
    codec.encode(ack.as_bytes(), &mut out).unwrap();
    stream.write_all(&out).await.unwrap();
    let mut drained = false;
    for _ in 0..500 {
        if vigie_server::mllp::MpiBackend::notifications(backend.as_ref(), 0, 10)
            .unwrap()
            .is_empty()
        {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        drained,
        "the outbox is acknowledged after the consumer's AA"
    );
    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(10), notifier)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_load_generator_reports_json() {
    let (server, _) = server(conformance_config()).await;
    for (mode, prefill) in [("feed", "0"), ("pix", "20"), ("pdq", "20")] {
        let addr = server.addr.to_string();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_vigie-mllp-load"))
                .args(["--addr", &addr, "--mode", mode])
                .args(["--connections", "4", "--count", "40", "--seconds", "60"])
                .args(["--prefill", prefill])
                .output()
        })
        .await
        .unwrap()
        .unwrap();
        assert!(output.status.success(), "{output:?}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["messages"], 40, "{report}");
        assert_eq!(report["not_aa"], 0, "{mode}: {report}");
        assert!(report["p99_ms"].as_f64().unwrap() >= report["p50_ms"].as_f64().unwrap());
    }
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_vigie-mllp-load"))
        .args(["--addr", "10.0.0.1:2575"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
}
