//! End to end over real TCP and the real engine: two hospitals feed the same patient with
//! different IPPs; PIX returns both; a duplicate in one hospital is merged (A40) and its id
//! disappears from PIX answers; PDQ finds the patient with a misspelt name; an A47 replaces
//! the INS (PAM France §4.4.2, new NIR after a sex change); ITI-10 sends the consumer an A31
//! for the merge.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bytes::BytesMut;
use common::{Client, TestServer, conformance_config, field, fields};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::codec::{Decoder, Encoder};
use vigie_hl7::mllp::MllpCodec;
use vigie_server::config::ConsumerConfig;
use vigie_server::mllp::notifier;

const INS_1: &str = "178059933010817";
const INS_2: &str = "278059933010864";

fn admit(sender: &str, control: &str, id: &str, domain: &str, family: &str) -> String {
    format!(
        "MSH|^~\\&|{sender}|FAC|VIGIE|VIGIE|20240101120000||ADT^A28^ADT_A05|{control}|P|2.5^FRA^2.11\r\
         EVN||20240101120000\r\
         PID|||{id}^^^{domain}^PI~{INS_1}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||\
         {family}^PIERRE^PIERRE JEAN^^M.^^L||19780514|M|||^^^^^FRA^BDL^^99330|||||||||||||||||||||VALI\r\
         PV1||N\r"
    )
}

fn pix(sender: &str, control: &str, qpd3: &str) -> String {
    format!(
        "MSH|^~\\&|{sender}|FAC|VIGIE|VIGIE|2024||QBP^Q23^QBP_Q21|{control}|P|2.5\r\
         QPD|IHE PIX Query|T{control}|{qpd3}\rRCP|I\r"
    )
}

async fn ok(client: &mut Client, message: &str) -> String {
    let reply = client.send(message.as_bytes()).await;
    assert_eq!(field(&reply, "MSA", 1), "AA", "{reply}");
    reply
}

async fn next_frame(
    stream: &mut tokio::net::TcpStream,
    codec: &mut MllpCodec,
    buffer: &mut BytesMut,
) -> String {
    loop {
        if let Some(frame) = codec.decode(buffer).unwrap() {
            return String::from_utf8(frame.to_vec()).unwrap();
        }
        assert!(stream.read_buf(buffer).await.unwrap() > 0);
    }
}

#[tokio::test]
async fn two_hospitals_merge_search_and_ins_change() {
    let consumer = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = conformance_config();
    config.consumers = vec![ConsumerConfig {
        name: "CONSUMER".to_owned(),
        address: consumer.local_addr().unwrap().to_string(),
        domains: vec!["CH-B".to_owned()],
        tls: false,
        ca: None,
        server_name: None,
    }];
    config.mllp.notify_poll_ms = 20;
    let server = TestServer::start(config).await;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let notifier = tokio::spawn(notifier::run(server.state.clone(), async move {
        let _ = stop_rx.await;
    }));
    // The consumer acknowledges everything and passes on what it received.
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel::<String>();
    let consumer_task = tokio::spawn(async move {
        loop {
            let (mut stream, _) = consumer.accept().await.unwrap();
            let mut codec = MllpCodec::default();
            let mut buffer = BytesMut::new();
            let message = next_frame(&mut stream, &mut codec, &mut buffer).await;
            let ack = format!(
                "MSH|^~\\&|CONSUMER||VIGIE|VIGIE|2024||ACK^A31^ACK|C|P|2.5\rMSA|AA|{}\r",
                field(&message, "MSH", 10)
            );
            let mut out = BytesMut::new();
            codec.encode(ack.as_bytes(), &mut out).unwrap();
            stream.write_all(&out).await.unwrap();
            if seen_tx.send(message).is_err() {
                return;
            }
        }
    });

    let mut a = server.client().await;
    let mut b = server.client().await;
    ok(&mut a, &admit("HOSP_A", "A1", "A1001", "CHU-A", "MARTIN")).await;
    ok(&mut b, &admit("HOSP_B", "B1", "B2002", "CH-B", "MARTIN")).await;

    // PIX from hospital A returns B's id (and the qualified INS).
    let xref = a
        .send(pix("HOSP_A", "Q1", "A1001^^^CHU-A").as_bytes())
        .await;
    assert_eq!(field(&xref, "QAK", 2), "OK", "{xref}");
    let ids = field(&xref, "PID", 3);
    assert!(
        ids.contains("B2002^^^CH-B&1.2.250.1.71.4.2.7.2&ISO^PI"),
        "{ids}"
    );
    assert!(ids.contains(INS_1), "{ids}");
    assert!(!ids.contains("A1001"), "{ids}");

    // A duplicate in hospital B, then its merge into B2002.
    ok(&mut b, &admit("HOSP_B", "B2", "B2003", "CH-B", "MARTIN")).await;
    let xref = a
        .send(pix("HOSP_A", "Q2", "A1001^^^CHU-A").as_bytes())
        .await;
    assert!(field(&xref, "PID", 3).contains("B2003"), "{xref}");
    let merge = "MSH|^~\\&|HOSP_B|FAC|VIGIE|VIGIE|2024||ADT^A40^ADT_A39|B3|P|2.5^FRA^2.11\r\
                 EVN||2024\r\
                 PID|||B2002^^^CH-B^PI||MARTIN^PIERRE^^^^^L\r\
                 MRG|B2003^^^CH-B^PI\r";
    ok(&mut b, merge).await;
    let xref = a
        .send(pix("HOSP_A", "Q3", "A1001^^^CHU-A").as_bytes())
        .await;
    let ids = field(&xref, "PID", 3);
    assert!(ids.contains("B2002"), "{ids}");
    assert!(!ids.contains("B2003"), "{ids}");
    let gone = a.send(pix("HOSP_A", "Q4", "B2003^^^CH-B").as_bytes()).await;
    assert_eq!(field(&gone, "MSA", 1), "AE");
    assert_eq!(field(&gone, "ERR", 2), "QPD^1^3^1^1");

    // PDQ with a misspelt family name.
    let pdq = "MSH|^~\\&|HOSP_A|FAC|VIGIE|VIGIE|2024||QBP^Q22^QBP_Q21|P1|P|2.5\r\
               QPD|IHE PDQ Query|PDQ1|@PID.5.1.1^MARTTIN~@PID.7.1^19780514\rRCP|I|10^RD\r";
    let found = a.send(pdq.as_bytes()).await;
    assert_eq!(field(&found, "QAK", 2), "OK", "{found}");
    let all_ids = fields(&found, "PID", 3).join("~");
    assert!(
        all_ids.contains("A1001") && all_ids.contains("B2002"),
        "{all_ids}"
    );
    assert!(!segments_empty(&found, "QRI"));

    // A47: the INS-NIR changes (PAM France §4.4.2).
    let a47 = format!(
        "MSH|^~\\&|HOSP_A|FAC|VIGIE|VIGIE|2024||ADT^A47^ADT_A30|A2|P|2.5^FRA^2.11\r\
         EVN||2024\r\
         PID|||A1001^^^CHU-A^PI~{INS_2}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||\
         MARTIN^PIERRE^PIERRE JEAN^^M.^^L||19780514|F|||^^^^^FRA^BDL^^99330|||||||||||||||||||||VALI\r\
         MRG|{INS_1}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS\r"
    );
    ok(&mut a, &a47).await;
    // The new INS now leads to A1001; the old one no longer does (only B2002, whose own
    // hospital has not sent the change, still holds it).
    let old_ins_query = pix(
        "HOSP_B",
        "Q5",
        &format!("{INS_1}^^^&1.2.250.1.213.1.4.8&ISO^INS"),
    );
    let by_old_ins = b.send(old_ins_query.as_bytes()).await;
    assert!(
        !field(&by_old_ins, "PID", 3).contains("A1001"),
        "{by_old_ins}"
    );
    let ins_query = pix(
        "HOSP_B",
        "Q6",
        &format!("{INS_2}^^^&1.2.250.1.213.1.4.8&ISO^INS"),
    );
    let by_new_ins = b.send(ins_query.as_bytes()).await;
    assert!(
        field(&by_new_ins, "PID", 3).contains("A1001"),
        "{by_new_ins}"
    );

    // ITI-10: the consumer of CH-B hears about the merge (B2002 without B2003), and only
    // about CH-B ids.
    let merged = tokio::time::timeout(Duration::from_secs(60), async {
        let mut saw_duplicate = false;
        while let Some(n) = seen.recv().await {
            assert_eq!(field(&n, "MSH", 9), "ADT^A31^ADT_A05");
            assert_eq!(field(&n, "PID", 5), " ");
            assert_eq!(field(&n, "PV1", 2), "N");
            let ids = field(&n, "PID", 3);
            assert!(!ids.contains("CHU-A"), "{n}");
            if ids.contains("B2003") {
                saw_duplicate = true;
            } else if saw_duplicate && ids.contains("B2002") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(merged, Ok(true));
    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(10), notifier)
        .await
        .unwrap()
        .unwrap();
    consumer_task.abort();
}

fn segments_empty(reply: &str, id: &str) -> bool {
    common::segments(reply, id).is_empty()
}
