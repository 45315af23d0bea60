//! Entry points of the fuzz targets (`fuzz/`: `hl7_message`, `mllp_decoder`, `qpd_params`),
//! also replayed over the seed corpus by ordinary tests. Each takes arbitrary bytes and asserts
//! what must hold for any input: no panic, replies that parse back, frames that respect the
//! codec's limits.

use bytes::BytesMut;
use tokio_util::codec::Decoder;
use vigie_core::record::ParseOptions;

use crate::er7::Message;
use crate::header::MessageHeader;
use crate::message::{FeedMessage, InboundOptions, Request, parse_inbound};
use crate::mllp::{END_BLOCK, MllpCodec, START_BLOCK};
use crate::reply::{
    Ack, OutboundHeader, PdqOutcome, PixOutcome, build_ack, build_rsp_k22, build_rsp_k23,
};
use crate::timestamp::Timestamp;

fn now() -> Timestamp {
    Timestamp::from_parts(2026, 1, 1, 0, 0, 0).unwrap_or(Timestamp::of_year(2026))
}

fn check_reply(bytes: &[u8], control_id: &str) {
    let reply = Message::parse_bytes(bytes);
    assert!(reply.is_ok(), "a built reply parses: {reply:?}");
    if let Ok(reply) = reply {
        let msa = reply.segment("MSA");
        assert!(msa.is_some(), "a reply has an MSA");
        if let Some(msa) = msa {
            assert!(matches!(msa.field(1).text().as_ref(), "AA" | "AE" | "AR"));
            // A character the reply's single-byte charset cannot hold (a Windows-1252 `’` read
            // from a message declared 8859/1) is written as `?`; everything else is echoed.
            let echoed = msa.field(2).text();
            let echoed: Vec<char> = echoed.trim().chars().collect();
            let sent: Vec<char> = control_id.trim().chars().collect();
            assert_eq!(echoed.len(), sent.len(), "MSA-2 echoes MSH-10");
            for (got, want) in echoed.iter().zip(&sent) {
                assert!(
                    got == want || (*got == '?' && u32::from(*want) > 0xFF),
                    "MSA-2 echoes MSH-10"
                );
            }
        }
    }
}

/// Parses any bytes as an inbound message, maps feeds to records and answers, checking that
/// every reply parses back and echoes MSH-10.
pub fn hl7_message(data: &[u8]) {
    let options = InboundOptions {
        check_versions: data.first() != Some(&b'L'),
    };
    match parse_inbound(data, options) {
        Err(error) => {
            let header = error.header.clone().map(|h| *h).unwrap_or_default();
            let control_id = header.control_id.clone();
            let out = OutboundHeader::answering(&header, "R1", now());
            let bytes = build_ack(
                &out,
                &header.message_type.trigger,
                &Ack::for_error(&control_id, &error.error),
            );
            check_reply(&bytes, &control_id);
        }
        Ok(inbound) => {
            let header: MessageHeader = inbound.header;
            let out = OutboundHeader::answering(&header, "R1", now());
            let bytes = match &inbound.request {
                Request::Feed(feed) => {
                    let patients = match &feed.message {
                        FeedMessage::Register { patient, .. }
                        | FeedMessage::Update { patient, .. }
                        | FeedMessage::Merge { patient, .. }
                        | FeedMessage::ChangeIdentifier { patient, .. } => vec![patient],
                        FeedMessage::Link { first, second }
                        | FeedMessage::Unlink { first, second } => {
                            vec![first, second]
                        }
                    };
                    for patient in patients {
                        let _ = patient.identity_record("fuzz", None, ParseOptions::default());
                        let mut text = String::new();
                        patient.to_segment().write(&mut text);
                    }
                    build_ack(
                        &out,
                        &header.message_type.trigger,
                        &Ack::accept(&header.control_id),
                    )
                }
                Request::PixQuery(query) => {
                    build_rsp_k23(&out, &header.control_id, query, &PixOutcome::NotFound)
                }
                Request::PdqQuery(query) => {
                    build_rsp_k22(&out, &header.control_id, query, &PdqOutcome::NotFound)
                }
                Request::Cancel(_) => build_ack(&out, "J01", &Ack::accept(&header.control_id)),
            };
            check_reply(&bytes, &header.control_id);
        }
    }
}

/// Decodes any bytes with an MLLP codec whose settings and read sizes come from the input;
/// frames never hold framing bytes nor exceed the maximum.
pub fn mllp_decoder(data: &[u8]) {
    let (settings, rest) = data.split_first().unwrap_or((&0, &[]));
    let max = usize::from(settings & 0x3f) + 1;
    let mut codec = MllpCodec::new(max).lenient(settings & 0x40 != 0);
    let chunk = usize::from(settings >> 6) * 7 + 1;
    let mut buf = BytesMut::new();
    let mut frames = 0usize;
    for piece in rest.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => {
                    frames += 1;
                    assert!(frame.len() <= max, "frame within the limit");
                    assert!(!frame.iter().any(|&b| b == START_BLOCK || b == END_BLOCK));
                }
                Ok(None) => break,
                Err(_) => {}
            }
            assert!(frames <= rest.len(), "no frame out of nothing");
        }
    }
    let _ = codec.decode_eof(&mut buf);
    assert!(codec.discarded_bytes() <= rest.len() as u64);
}

/// Parses any text as the QPD-3 of a PDQ query and answers it.
pub fn qpd_params(data: &[u8]) {
    let text = String::from_utf8_lossy(data).replace(['\r', '\n'], " ");
    let message = format!(
        "MSH|^~\\&|A|B|C|D|20260101||QBP^Q22^QBP_Q21|Q1|P|2.5\rQPD|IHE PDQ Query|T1|{text}\rRCP|I|5^RD\r"
    );
    match parse_inbound(message.as_bytes(), InboundOptions::default()) {
        Ok(inbound) => {
            if let Request::PdqQuery(query) = &inbound.request {
                let out = OutboundHeader::answering(&inbound.header, "R1", now());
                let bytes = build_rsp_k22(&out, "Q1", query, &PdqOutcome::NotFound);
                check_reply(&bytes, "Q1");
            }
        }
        Err(error) => {
            assert!(error.header.is_some(), "the header is always readable here");
        }
    }
}
