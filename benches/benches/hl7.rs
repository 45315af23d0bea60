//! Criterion benchmarks of vigie-hl7: parse a PAM France A01/A31-style feed message (bytes →
//! typed feed → validated `IdentityRecord`), build an original-mode ACK, and decode MLLP frames
//! (a batch of 64 coalesced frames, and one frame arriving in 16 reads).
//!
//! Inputs are synthetic (no patient data) and fixed; each benchmark checks its output once
//! before timing so a broken path cannot be measured as fast.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::{Decoder, Encoder};
use vigie_core::record::ParseOptions;
use vigie_hl7::message::{FeedMessage, InboundOptions, Request, parse_inbound};
use vigie_hl7::mllp::MllpCodec;
use vigie_hl7::reply::{Ack, OutboundHeader, build_ack};
use vigie_hl7::timestamp::Timestamp;

const A01: &[u8] = b"MSH|^~\\&|APP|FAC|VIGIE|FAC|20240101120000||ADT^A01^ADT_A01|42|P|2.5^FRA^2.11||||||8859/15\rEVN||20240101120000\rPID|1||123456^^^HOP&1.2.250.1.71.4.2.2&ISO^PI~295109912611193^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||^Marie^^^^^D~MARTIN^JEANNE^JEANNE MARIE C\xc9CILE^^Mme^^L||19951031|F|||12 rue de la Paix^^Paris^^75002^FRA^H~^^^^^FRA^BDL^^99126||^PRN^PH^^^^^^^^^0612345678~^NET^Internet^jeanne.martin@example.fr|||||||||||||||||N||VALI\rPV1|1|O\rZFD|||N|N|INSI|20240101|CN\r";

fn parse_a01(bytes: &[u8]) -> usize {
    let inbound = parse_inbound(bytes, InboundOptions::default()).ok();
    let Some(Request::Feed(feed)) = inbound.map(|i| i.request) else {
        return 0;
    };
    let FeedMessage::Register { patient, .. } = feed.message else {
        return 0;
    };
    patient
        .identity_record("r1", None, ParseOptions::default())
        .map(|m| usize::from(m.record.ins.is_some()) + m.findings.len())
        .unwrap_or(0)
}

fn parse(c: &mut Criterion) {
    assert_eq!(
        parse_a01(A01),
        1,
        "the A01 maps to a qualified record with its INS"
    );
    let mut group = c.benchmark_group("hl7");
    group.throughput(Throughput::Bytes(A01.len() as u64));
    group.bench_function("parse_a01_to_record", |b| {
        b.iter(|| parse_a01(black_box(A01)))
    });
    group.bench_function("parse_a01_er7_only", |b| {
        b.iter(|| vigie_hl7::er7::Message::parse_bytes(black_box(A01)).map(|m| m.len()))
    });
    group.finish();
}

fn ack(c: &mut Criterion) {
    let inbound = parse_inbound(A01, InboundOptions::default()).ok();
    let header = inbound.map(|i| i.header).unwrap_or_default();
    let now = Timestamp::from_parts(2026, 1, 1, 12, 0, 0).unwrap_or(Timestamp::of_year(2026));
    let build = || {
        let out = OutboundHeader::answering(&header, "ACK42", now);
        build_ack(&out, "A01", &Ack::accept(&header.control_id))
    };
    assert!(build().ends_with(b"MSA|AA|42\r"));
    c.bench_function("hl7/build_ack", |b| b.iter(|| black_box(build())));
}

fn mllp(c: &mut Criterion) {
    let mut codec = MllpCodec::default();
    let mut wire = BytesMut::new();
    for _ in 0..64 {
        let _ = codec.encode(A01, &mut wire);
    }
    let wire = wire.freeze();
    let decode_all = |data: &[u8], chunk: usize| {
        let mut codec = MllpCodec::default();
        let mut buf = BytesMut::with_capacity(data.len());
        let mut frames = 0usize;
        for piece in data.chunks(chunk) {
            buf.extend_from_slice(piece);
            while let Ok(Some(_)) = codec.decode(&mut buf) {
                frames += 1;
            }
        }
        frames
    };
    assert_eq!(decode_all(&wire, wire.len()), 64);
    let one = &wire[..A01.len() + 3];
    let piece = one.len().div_ceil(16);
    assert_eq!(decode_all(one, piece), 1);
    let mut group = c.benchmark_group("mllp");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.bench_function("decode_64_coalesced_frames", |b| {
        b.iter(|| decode_all(black_box(&wire), wire.len()))
    });
    group.throughput(Throughput::Bytes(one.len() as u64));
    group.bench_function("decode_one_frame_in_16_reads", |b| {
        b.iter(|| decode_all(black_box(one), piece))
    });
    group.finish();
}

criterion_group!(benches, parse, ack, mllp);
criterion_main!(benches);
