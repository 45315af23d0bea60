//! Conformance tests over the real messages of `shared/conformance` (`*.hl7`, the MLLP `.bin`
//! frame): every message parses, maps field by field to the expected domain values, and the
//! replies Vigie builds match the expected files (byte for byte where the README allows it,
//! shape where it says to compare shape). Snapshots of every built reply are kept with insta.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};
use vigie_core::date::PartialDate;
use vigie_core::ins::InsOid;
use vigie_core::record::{FindingKind, ParseOptions};
use vigie_core::sex::Sex;
use vigie_core::status::IdentityStatus;
use vigie_hl7::charset::Charset;
use vigie_hl7::er7::Message;
use vigie_hl7::error::{ErrorCode, ErrorKind};
use vigie_hl7::header::MessageHeader;
use vigie_hl7::message::{
    AdtEvent, Feed, FeedMessage, Inbound, InboundError, InboundOptions, Request, parse_inbound,
};
use vigie_hl7::mllp::MllpCodec;
use vigie_hl7::pid::{Patient, PidFinding};
use vigie_hl7::query::{PdqQuery, PixQuery};
use vigie_hl7::reply::{
    Ack, Continuation, ErrorDetail, OutboundHeader, PdqMatch, PdqOutcome, PixOutcome,
    build_a31_notification, build_ack, build_rsp_k22, build_rsp_k23,
};
use vigie_hl7::timestamp::Timestamp;
use vigie_hl7::types::{AssigningAuthority, IdValue, IdentifierKind, PatientIdentifier};

/// `<repo>/../shared/conformance`; in a git worktree nested deeper, the nearest ancestor that
/// has `shared/conformance`. The files are present on every machine: a missing directory
/// fails the tests.
fn conformance_dir() -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let repo = repo.canonicalize().unwrap_or(repo);
    repo.ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/conformance"))
        .find(|dir| dir.is_dir())
        .expect("shared/conformance beside the repository")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(conformance_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn inbound(name: &str) -> Inbound {
    parse_inbound(&read(name), InboundOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn inbound_error(name: &str) -> InboundError {
    parse_inbound(&read(name), InboundOptions::default()).expect_err(name)
}

fn feed(name: &str) -> Feed {
    match inbound(name).request {
        Request::Feed(feed) => *feed,
        other => panic!("{name}: not a feed: {other:?}"),
    }
}

fn message(name: &str) -> Message {
    Message::parse_bytes(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ids(patient: &Patient) -> Vec<(Option<&str>, Option<&str>, Option<&str>)> {
    patient
        .identifiers
        .iter()
        .map(|id| {
            (
                id.id(),
                id.authority.namespace.as_deref(),
                id.authority.universal_id.as_deref(),
            )
        })
        .collect()
}

/// The header of an expected file, as Vigie would send it (no swap).
fn same_header(expected: &Message) -> OutboundHeader {
    let h = MessageHeader::read(expected).unwrap();
    OutboundHeader {
        sending_application: h.sending_application,
        sending_facility: h.sending_facility,
        receiving_application: h.receiving_application,
        receiving_facility: h.receiving_facility,
        timestamp: h.timestamp.unwrap(),
        control_id: h.control_id,
        processing_id: h.processing_id,
        processing_mode: h.processing_mode,
        version: h.version,
        country: h.country,
        charset: h.charset,
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn snapshot_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\r', "\n")
}

fn segment_ids(message: &Message) -> Vec<String> {
    message.segments().map(|s| s.id().to_owned()).collect()
}

fn field(message: &Message, segment: &str, n: usize) -> String {
    message.segment(segment).unwrap().field(n).raw().to_owned()
}

fn now() -> Timestamp {
    Timestamp::parse("20260101120000").unwrap()
}

#[test]
fn every_conformance_message_parses() {
    let mut count = 0;
    for entry in std::fs::read_dir(conformance_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "hl7") {
            let bytes = std::fs::read(&path).unwrap();
            let message = Message::parse_bytes(&bytes).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(message.segment_at(0).unwrap().id(), "MSH");
            assert!(MessageHeader::read(&message).is_ok(), "{path:?}");
            count += 1;
        }
    }
    assert!(count >= 20, "{count} messages");
}

// ---------------------------------------------------------------- ITI-8

#[test]
fn iti8_a01_register_multi_domain() {
    let inbound = inbound("iti8_adt_a01_register_multi_domain.hl7");
    assert_eq!(inbound.header.version.version, "2.3.1");
    assert_eq!(
        inbound.header.sending_application.universal_id.as_deref(),
        Some("1.2.840.114350.1.13.99998.8734")
    );
    let Request::Feed(feed) = inbound.request else {
        panic!()
    };
    let FeedMessage::Register {
        event,
        patient,
        zfd,
    } = feed.message
    else {
        panic!()
    };
    assert_eq!(event, AdtEvent::A01);
    assert_eq!(zfd, None);
    assert_eq!(feed.recorded.unwrap().to_string(), "20091112115139");
    assert_eq!(
        ids(&patient),
        vec![
            (
                Some("PIX10515W3"),
                Some("HIMSS2005"),
                Some("1.3.6.1.4.1.21367.2005.1.1")
            ),
            (Some("PIX10515W4"), None, Some("1.2.3.4.5.1000")),
            (Some("PIX10515W5"), Some("domain2"), None),
        ]
    );
    assert_eq!(patient.names.len(), 3);
    assert_eq!(patient.birth_name(), Some("DEAN"), "B is the name at birth");
    assert_eq!(
        patient.used_name(),
        Some("WASHINGTON"),
        "L is the legal (used) name"
    );
    assert_eq!(patient.first_names().as_deref(), Some("MARY ROSE"));
    assert_eq!(patient.birth_date, Some(PartialDate::Full(1977, 12, 8)));
    assert_eq!(patient.sex, Some(Sex::Female));
    assert_eq!(patient.addresses.len(), 2);
    assert_eq!(patient.birth_place, None);
    assert_eq!(patient.telecoms.len(), 5);
    assert_eq!(
        patient.account_number.as_ref().and_then(|a| a.id()),
        Some("100-09-123456")
    );

    let himss = AssigningAuthority::new("HIMSS2005", "", "");
    let mapped = patient
        .identity_record("a01", Some(&himss), ParseOptions::default())
        .unwrap();
    let r = &mapped.record;
    assert_eq!(r.local_id.as_ref().unwrap().as_str(), "PIX10515W3");
    assert_eq!(
        r.source.as_ref().unwrap().as_str(),
        "1.3.6.1.4.1.21367.2005.1.1"
    );
    assert_eq!(r.birth_name.as_deref(), Some("DEAN"));
    assert_eq!(r.used_name.as_deref(), Some("WASHINGTON"));
    assert_eq!(r.first_names.as_deref(), Some("MARY ROSE"));
    assert_eq!(r.sex, Sex::Female);
    assert_eq!(r.birth_date, Some(PartialDate::Full(1977, 12, 8)));
    assert_eq!(r.address.as_deref(), Some("100 JORIE BLVD 5"));
    assert_eq!(r.city.as_deref(), Some("CHICAGO"));
    assert_eq!(r.postcode.as_deref(), Some("60523"));
    assert_eq!(r.country.as_deref(), Some("US"));
    assert_eq!(r.phone.as_deref(), Some("0120001"));
    assert_eq!(r.email.as_deref(), Some("marywash@gmx.de"));
    assert_eq!(r.ins, None);
    assert_eq!(r.state.status(), IdentityStatus::Provisional);
    assert_eq!(mapped.notes, vec![]);
    let domain2 = AssigningAuthority::new("domain2", "", "");
    let mapped = patient
        .identity_record("a01", Some(&domain2), ParseOptions::default())
        .unwrap();
    assert_eq!(mapped.record.local_id.unwrap().as_str(), "PIX10515W5");
}

#[test]
fn iti8_a08_update_deletes_the_null_identifier() {
    let feed = feed("iti8_adt_a08_update_with_null_id.hl7");
    let FeedMessage::Update { event, patient, .. } = feed.message else {
        panic!()
    };
    assert_eq!(event, AdtEvent::A08);
    assert_eq!(patient.identifiers.len(), 4);
    let deletion = &patient.identifiers[3];
    assert_eq!(deletion.value, IdValue::Delete);
    assert_eq!(
        deletion.authority.universal_id.as_deref(),
        Some("1.12.23.34.45")
    );
    assert_eq!(deletion.authority.universal_id_type.as_deref(), Some("ISO"));
    assert_eq!(patient.used_name(), Some("WASHINGTON-UPDATE"));
    assert_eq!(patient.sex, Some(Sex::Unknown));
    assert_eq!(
        patient.addresses[0].street.as_deref(),
        Some("1 UPDATE ADDRESS")
    );
    let mapped = patient
        .identity_record("a08", None, ParseOptions::default())
        .unwrap();
    assert_eq!(
        mapped.record.local_id.unwrap().as_str(),
        "PIX10515W3",
        "a deletion is never the local id"
    );
}

#[test]
fn iti8_a40_merge() {
    let inbound = inbound("iti8_adt_a40_merge.hl7");
    assert_eq!(
        inbound.header.message_type.structure.as_deref(),
        Some("ADT_A39")
    );
    let Request::Feed(feed) = inbound.request else {
        panic!()
    };
    let FeedMessage::Merge { patient, prior } = feed.message else {
        panic!()
    };
    assert_eq!(
        ids(&patient),
        vec![(
            Some("PDQ113XX35"),
            Some("HIMSS2005"),
            Some("1.3.6.1.4.1.21367.2005.1.1")
        )]
    );
    assert_eq!(prior.len(), 1);
    assert_eq!(prior[0].id(), Some("PDQ113XX03"));
    assert!(
        prior[0]
            .authority
            .same_as(&patient.identifiers[0].authority)
    );
    assert_eq!(patient.birth_name(), Some("MOHR"));
}

#[test]
fn iti8_a40_prior_without_authority_is_kept_for_the_server_to_fill() {
    let inbound = inbound("iti8_adt_a40_merge_mrg_two_ids.hl7");
    assert_eq!(inbound.header.processing_mode.as_deref(), Some("T"));
    let Request::Feed(feed) = inbound.request else {
        panic!()
    };
    let FeedMessage::Merge { patient, prior } = feed.message else {
        panic!()
    };
    assert_eq!(patient.identifiers.len(), 3);
    assert_eq!(prior.len(), 2);
    assert_eq!(prior[0].id(), Some("305010"));
    assert!(prior[0].authority.is_empty());
    assert_eq!(prior[1].authority.namespace.as_deref(), Some("BBB"));
    let source = AssigningAuthority::new("MPI-NS-P", "2.16.840.1.113883.3.37.4.1.1.2.1.1", "ISO");
    let filled = prior[0].clone().with_default_authority(&source);
    assert!(filled.authority.same_as(&patient.identifiers[0].authority));
    assert_eq!(patient.addresses[0].address_type.as_deref(), Some("H"));
}

#[test]
fn iti8_a01_without_pid_is_an_error_100_and_answered_ae() {
    let error = inbound_error("iti8_adt_a01_missing_pid_NEGATIVE.hl7");
    assert_eq!(error.error.code, ErrorCode::SegmentSequence);
    assert_eq!(
        error.error.kind,
        ErrorKind::MissingSegment { segment: "PID" }
    );
    let header = error.header.unwrap();
    assert_eq!(header.control_id, "123456");
    let ack = Ack::for_error(&header.control_id, &error.error);
    let out = OutboundHeader::answering(&header, "ACK1", now());
    let bytes = build_ack(&out, &header.message_type.trigger, &ack);
    let reply = Message::parse_bytes(&bytes).unwrap();
    assert_eq!(field(&reply, "MSA", 1), "AE");
    assert_eq!(field(&reply, "MSA", 2), "123456");
    assert_eq!(field(&reply, "ERR", 2), "PID^1");
    assert_eq!(
        field(&reply, "ERR", 3),
        "100^Segment sequence error^HL70357"
    );
    assert_eq!(field(&reply, "ERR", 4), "E");
    assert_eq!(field(&reply, "MSH", 3), "BLA", "applications swapped");
    assert_eq!(field(&reply, "MSH", 5), "SAP-ISH");
    insta::assert_snapshot!("ack_ae_missing_pid", snapshot_text(&bytes));
}

// ---------------------------------------------------------------- ACK (ANS, App. C)

#[test]
fn ack_aa_is_byte_identical_to_the_ans_example() {
    let expected = read("ack_fr_aa.hl7");
    let m = message("ack_fr_aa.hl7");
    assert_eq!(m.charset(), Charset::Latin9);
    let header = same_header(&m);
    let bytes = build_ack(&header, "R01", &Ack::accept("12345"));
    assert_eq!(text(&bytes), text(&expected));
    insta::assert_snapshot!("ack_aa", snapshot_text(&bytes));
}

#[test]
fn unsupported_version_is_ar_203_and_the_ans_ae_form_is_tolerated() {
    let request = b"MSH|^~\\&|StructureApp|StructureFacility|TLRapp|TLRfacility|20260106134419||ADT^A31^ADT_A05|12345|P|2.9.9|||||FRA|8859/15\rPID|||1^^^X||DARK\r";
    let error = parse_inbound(request, InboundOptions::default()).unwrap_err();
    assert_eq!(error.error.code, ErrorCode::UnsupportedVersionId);
    let header = error.header.unwrap();
    let out = OutboundHeader::answering(
        &header,
        "12347",
        Timestamp::parse("20260106134419").unwrap(),
    );
    let bytes = build_ack(
        &out,
        &header.message_type.trigger,
        &Ack::for_error("12345", &error.error),
    );
    let ours = Message::parse_bytes(&bytes).unwrap();
    let ans = message("ack_fr_ae_unsupported_version.hl7");
    // App. C: AR for an MSH-level rejection (the ANS example says AE: documented choice).
    assert_eq!(field(&ours, "MSA", 1), "AR");
    assert_eq!(field(&ans, "MSA", 1), "AE");
    for n in [2, 4] {
        assert_eq!(field(&ours, "ERR", n), field(&ans, "ERR", n));
    }
    let (ours_err, ans_err) = (ours.segment("ERR").unwrap(), ans.segment("ERR").unwrap());
    assert_eq!(
        ours_err.field(3).component(1).text(),
        ans_err.field(3).component(1).text()
    );
    assert_eq!(ours_err.field(3).component(3).text(), "HL70357");
    assert_eq!(
        ans_err.field(3).component(2).text().trim(),
        "Unsupported version"
    );
    assert_eq!(field(&ours, "MSH", 3), "TLRapp");
    assert_eq!(field(&ours, "MSH", 17), "FRA");
    assert_eq!(field(&ours, "MSH", 18), "8859/15");
    insta::assert_snapshot!("ack_ar_unsupported_version", snapshot_text(&bytes));
}

#[test]
fn unsupported_trigger_is_ar_201() {
    let request = b"MSH|^~\\&|A|B|C|D|20260101||ADT^A02^ADT_A02|77|P|2.5\rPID|||1^^^X||N\r";
    let error = parse_inbound(request, InboundOptions::default()).unwrap_err();
    let header = error.header.unwrap();
    let bytes = build_ack(
        &OutboundHeader::answering(&header, "R", now()),
        "A02",
        &Ack::for_error("77", &error.error),
    );
    let reply = Message::parse_bytes(&bytes).unwrap();
    assert_eq!(field(&reply, "MSA", 1), "AR");
    assert_eq!(field(&reply, "ERR", 2), "MSH^1^9^1^2");
    assert_eq!(
        field(&reply, "ERR", 3),
        "201^Unsupported event code^HL70357"
    );
    assert_eq!(field(&reply, "MSH", 9), "ACK^A02^ACK");
}

// ---------------------------------------------------------------- ITI-9

fn pix_query(name: &str) -> PixQuery {
    PixQuery::read(&message(name)).unwrap()
}

#[test]
fn iti9_q23_request() {
    let inbound = inbound("iti9_qbp_q23_request.hl7");
    let Request::PixQuery(query) = inbound.request else {
        panic!()
    };
    assert_eq!(query.query_tag, "QRY10501110");
    assert_eq!(query.query_name, "QRY_1001");
    assert_eq!(query.patient.id(), Some("ABC10501"));
    assert_eq!(
        query.patient.authority.namespace.as_deref(),
        Some("HIMSS2005")
    );
    assert_eq!(
        query.patient.authority.universal_id.as_deref(),
        Some("1.3.6.1.4.1.21367.2005.1.1")
    );
    assert_eq!(query.patient.type_code.as_deref(), Some("PI"));
    assert!(query.domains.is_empty());
}

#[test]
fn iti9_wrong_version_is_203() {
    let request = text(&read("iti9_qbp_q23_request.hl7")).replace("|P|2.5|", "|P|2.3.1|");
    let error = parse_inbound(request.as_bytes(), InboundOptions::default()).unwrap_err();
    assert_eq!(error.error.code.code(), 203);
}

#[test]
fn iti9_case2_nf_is_byte_identical() {
    let expected = read("iti9_rsp_k23_nf.hl7");
    let m = message("iti9_rsp_k23_nf.hl7");
    let bytes = build_rsp_k23(
        &same_header(&m),
        "10501108",
        &pix_query("iti9_rsp_k23_nf.hl7"),
        &PixOutcome::NotFound,
    );
    assert_eq!(text(&bytes), text(&expected));
    insta::assert_snapshot!("rsp_k23_case2_nf", snapshot_text(&bytes));
}

#[test]
fn iti9_case3_unknown_patient_matches_the_expected_shape() {
    let m = message("iti9_rsp_k23_ae_unknown_patient_id.hl7");
    let query = pix_query("iti9_rsp_k23_ae_unknown_patient_id.hl7");
    let bytes = build_rsp_k23(
        &same_header(&m),
        "10501108",
        &query,
        &PixOutcome::UnknownPatient,
    );
    let ours = Message::parse_bytes(&bytes).unwrap();
    assert_eq!(segment_ids(&ours), segment_ids(&m));
    for (segment, n) in [
        ("MSH", 9),
        ("MSA", 1),
        ("MSA", 2),
        ("ERR", 2),
        ("ERR", 4),
        ("QAK", 1),
        ("QAK", 2),
        ("QPD", 1),
        ("QPD", 2),
        ("QPD", 3),
    ] {
        assert_eq!(
            field(&ours, segment, n),
            field(&m, segment, n),
            "{segment}-{n}"
        );
    }
    assert_eq!(
        ours.segment("ERR").unwrap().field(3).component(1).text(),
        "204"
    );
    insta::assert_snapshot!("rsp_k23_case3_unknown_patient", snapshot_text(&bytes));
}

#[test]
fn iti9_case1_ok_matches_the_expected_shape_without_the_queried_id() {
    let m = message("iti9_rsp_k23_ok_multi_domain.hl7");
    let query = pix_query("iti9_rsp_k23_ok_multi_domain.hl7");
    assert_eq!(query.domains.len(), 3);
    let expected_pid = m.segment("PID").unwrap();
    let all: Vec<PatientIdentifier> = expected_pid
        .field(3)
        .repetitions()
        .filter_map(|r| PatientIdentifier::from_repetition(&r))
        .collect();
    let bytes = build_rsp_k23(
        &same_header(&m),
        "10501108",
        &query,
        &PixOutcome::Found(all),
    );
    let ours = Message::parse_bytes(&bytes).unwrap();
    assert_eq!(segment_ids(&ours), segment_ids(&m));
    for (segment, n) in [
        ("MSH", 9),
        ("MSA", 1),
        ("MSA", 2),
        ("QAK", 1),
        ("QAK", 2),
        ("QPD", 3),
        ("QPD", 4),
        ("PID", 5),
    ] {
        assert_eq!(
            field(&ours, segment, n),
            field(&m, segment, n),
            "{segment}-{n}"
        );
    }
    // The queried id (79471, HZLN) is excluded (TF-2 §3.9.4.2.2.6; the IPF file repeats it).
    assert_eq!(
        field(&ours, "PID", 3),
        "78912^^^PKLN&2.16.840.1.113883.3.37.4.1.1.2.511.1&ISO^PI"
    );
    insta::assert_snapshot!("rsp_k23_case1_ok", snapshot_text(&bytes));
}

#[test]
fn iti9_cases_4_5_6() {
    let m = message("iti9_rsp_k23_ok_multi_domain.hl7");
    let query = pix_query("iti9_rsp_k23_ok_multi_domain.hl7");
    let header = same_header(&m);
    let case4 = build_rsp_k23(
        &header,
        "10501108",
        &query,
        &PixOutcome::UnknownSourceDomain,
    );
    let reply = Message::parse_bytes(&case4).unwrap();
    assert_eq!(segment_ids(&reply), ["MSH", "MSA", "ERR", "QAK", "QPD"]);
    assert_eq!(field(&reply, "ERR", 2), "QPD^1^3^1^4");
    assert_eq!(
        field(&reply, "ERR", 3),
        "204^Unknown key identifier^HL70357"
    );
    assert_eq!(field(&reply, "QAK", 2), "AE");
    insta::assert_snapshot!("rsp_k23_case4_unknown_source_domain", snapshot_text(&case4));

    let case5 = build_rsp_k23(
        &header,
        "10501108",
        &query,
        &PixOutcome::UnknownTargetDomains(vec![2, 3]),
    );
    let reply = Message::parse_bytes(&case5).unwrap();
    assert_eq!(
        segment_ids(&reply),
        ["MSH", "MSA", "ERR", "ERR", "QAK", "QPD"]
    );
    let locations: Vec<String> = reply
        .segments()
        .filter(|s| s.id() == "ERR")
        .map(|s| s.field(2).raw().to_owned())
        .collect();
    assert_eq!(locations, ["QPD^1^4^2", "QPD^1^4^3"]);
    assert_eq!(field(&reply, "MSA", 1), "AE");
    insta::assert_snapshot!(
        "rsp_k23_case5_unknown_target_domains",
        snapshot_text(&case5)
    );

    let pkln = AssigningAuthority::new("PKLN", "2.16.840.1.113883.3.37.4.1.1.2.511.1", "ISO");
    let khkn = AssigningAuthority::new("KHKN", "1.2.3.9", "ISO");
    let case6 = build_rsp_k23(
        &header,
        "10501108",
        &query,
        &PixOutcome::Found(vec![
            PatientIdentifier::new("P1", pkln.clone(), Some("PI")),
            PatientIdentifier::new("K1", khkn, Some("PI")),
            PatientIdentifier::new("P2", pkln, Some("PI")),
        ]),
    );
    let reply = Message::parse_bytes(&case6).unwrap();
    let values: Vec<String> = reply
        .segment("PID")
        .unwrap()
        .field(3)
        .repetitions()
        .map(|r| r.component(1).text().into_owned())
        .collect();
    assert_eq!(
        values,
        ["P1", "P2", "K1"],
        "ids of one domain in successive repetitions"
    );
    insta::assert_snapshot!(
        "rsp_k23_case6_several_ids_in_a_domain",
        snapshot_text(&case6)
    );

    let only_queried = build_rsp_k23(
        &header,
        "10501108",
        &query,
        &PixOutcome::Found(vec![query.patient.clone()]),
    );
    let reply = Message::parse_bytes(&only_queried).unwrap();
    assert_eq!(field(&reply, "QAK", 2), "NF");
    assert!(reply.segment("PID").is_none());
    let failed = build_rsp_k23(
        &header,
        "1",
        &query,
        &PixOutcome::Failed(ErrorDetail::new(ErrorCode::ApplicationInternalError, None)),
    );
    let reply = Message::parse_bytes(&failed).unwrap();
    assert_eq!(
        field(&reply, "ERR", 3),
        "207^Application internal error^HL70357"
    );
}

#[test]
fn iti9_nonnormative_ar_is_tolerated_as_a_message() {
    let m = message("iti9_ack_ar_unknown_target_domains_NONNORMATIVE.hl7");
    assert_eq!(field(&m, "MSA", 1), "AR");
    let err = m.segment("ERR").unwrap();
    let locations: Vec<&str> = err.field(2).repetitions().map(|r| r.raw()).collect();
    assert_eq!(locations, ["QPD^1^4^2", "QPD^1^4^3"]);
    let msa3 = m.segment("MSA").unwrap().field(3).text();
    assert!(msa3.ends_with("^^^NONEXISTING, ^^^&1.2.3.4&ISO"), "{msa3}");
    let error = inbound_error("iti9_ack_ar_unknown_target_domains_NONNORMATIVE.hl7");
    assert_eq!(error.error.code.code(), 200, "an ACK is not a request");
}

#[test]
fn mllp_frame_decodes_to_the_nf_message_and_back() {
    let frame = read("mllp_framed_iti9_rsp_k23_nf.bin");
    let expected = read("iti9_rsp_k23_nf.hl7");
    let mut codec = MllpCodec::default();
    for split in [1, 7, frame.len() / 2, frame.len() - 1] {
        let mut buf = BytesMut::new();
        let (a, b) = frame.split_at(split);
        buf.extend_from_slice(a);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        buf.extend_from_slice(b);
        assert_eq!(
            codec.decode(&mut buf).unwrap().unwrap().as_ref(),
            expected.as_slice()
        );
    }
    let mut out = BytesMut::new();
    codec.encode(expected.as_slice(), &mut out).unwrap();
    assert_eq!(out.as_ref(), frame.as_slice());
    assert_eq!(codec.discarded_bytes(), 0);
}

// ---------------------------------------------------------------- ITI-10

#[test]
fn iti10_a31_notification_is_byte_identical() {
    let expected = read("iti10_adt_a31_update_notification.hl7");
    let m = message("iti10_adt_a31_update_notification.hl7");
    let pid = m.segment("PID").unwrap();
    assert_eq!(pid.field(5).raw(), " ");
    let identifiers: Vec<PatientIdentifier> = pid
        .field(3)
        .repetitions()
        .filter_map(|r| PatientIdentifier::from_repetition(&r))
        .collect();
    let bytes = build_a31_notification(
        &same_header(&m),
        Timestamp::parse("20100113111756").unwrap(),
        &identifiers,
    );
    assert_eq!(text(&bytes), text(&expected));
    insta::assert_snapshot!("adt_a31_notification", snapshot_text(&bytes));
}

// ---------------------------------------------------------------- ITI-21

fn pdq(name: &str) -> (MessageHeader, PdqQuery) {
    let inbound = inbound(name);
    match inbound.request {
        Request::PdqQuery(query) => (inbound.header, *query),
        other => panic!("{other:?}"),
    }
}

#[test]
fn iti21_q22_name_dob_domain() {
    let (header, query) = pdq("iti21_qbp_q22_name_dob_domain.hl7");
    assert_eq!(
        header.message_type.structure, None,
        "2-component MSH-9 tolerated"
    );
    assert_eq!(header.timestamp, None, "empty MSH-7 tolerated");
    assert_eq!(query.query_tag, "QRY11350110");
    assert_eq!(query.criteria.family_name.as_deref(), Some("MOORE"));
    assert_eq!(
        query.criteria.birth_date,
        Some(PartialDate::Full(1938, 2, 24))
    );
    assert_eq!(query.domains.len(), 1);
    assert_eq!(query.domains[0].0, 1);
    assert_eq!(query.domains[0].1.namespace.as_deref(), Some("HIMSS2005"));
    assert_eq!(query.quantity_limit, Some(10));
    assert_eq!(query.continuation_pointer, None);
    // The supplier answers with MSH-5 of the query in MSH-3.
    let out = OutboundHeader::answering(&header, "R1", now());
    assert_eq!(
        out.sending_application.namespace.as_deref(),
        Some("MESA_PD_SUPPLIER")
    );
    let nf = build_rsp_k22(&out, &header.control_id, &query, &PdqOutcome::NotFound);
    let reply = Message::parse_bytes(&nf).unwrap();
    assert_eq!(segment_ids(&reply), ["MSH", "MSA", "QAK", "QPD"]);
    assert_eq!(field(&reply, "QAK", 2), "NF");
    assert_eq!(
        field(&reply, "QPD", 3),
        "@PID.5.1.1^MOORE~@PID.7.1^19380224"
    );
    assert_eq!(
        field(&reply, "QPD", 8),
        "^^^HIMSS2005&1.3.6.1.4.1.21367.2005.1.1&ISO^PI"
    );
}

#[test]
fn iti21_q22_gazelle_two_domains_and_unknown_domain_errors() {
    let (header, query) = pdq("iti21_qbp_q22_gazelle_two_domains.hl7");
    assert_eq!(header.charset, Charset::Utf8);
    assert_eq!(query.criteria.given_name.as_deref(), Some("fname"));
    assert_eq!(
        query.criteria.birth_date,
        Some(PartialDate::Full(2022, 2, 2))
    );
    assert_eq!(query.criteria.sex, Some(Sex::Male));
    let domains: Vec<_> = query
        .domains
        .iter()
        .map(|(rep, d)| (*rep, d.universal_id.clone().unwrap()))
        .collect();
    assert_eq!(
        domains,
        [
            (1, "1.3.6.1.4.1.21367.3000.1.6".to_owned()),
            (2, "1.3.6.1.4.1.21367.13.20.3000".to_owned())
        ]
    );
    let out = OutboundHeader::answering(&header, "R1", now());
    let bytes = build_rsp_k22(
        &out,
        &header.control_id,
        &query,
        &PdqOutcome::UnknownDomains(vec![1, 2]),
    );
    let reply = Message::parse_bytes(&bytes).unwrap();
    assert_eq!(
        segment_ids(&reply),
        ["MSH", "MSA", "ERR", "ERR", "QAK", "QPD"]
    );
    let locations: Vec<String> = reply
        .segments()
        .filter(|s| s.id() == "ERR")
        .map(|s| s.field(2).raw().to_owned())
        .collect();
    assert_eq!(locations, ["QPD^1^8^1", "QPD^1^8^2"]);
    assert_eq!(field(&reply, "MSA", 1), "AE");
    assert_eq!(field(&reply, "MSH", 18), "UNICODE UTF-8");
}

#[test]
fn iti21_q22_by_identifier() {
    let (_, query) = pdq("iti21_qbp_q22_by_identifier.hl7");
    let ids: Vec<_> = query
        .criteria
        .identifiers
        .iter()
        .map(|c| {
            (
                c.id.as_deref(),
                c.authority.namespace.as_deref(),
                c.authority.universal_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            (Some("PDQ113XX03"), Some("HZLN"), Some("1.2.3.4")),
            (Some("PDQ113XX04"), None, Some("1.2.3.4.5"))
        ]
    );
    let account = query.criteria.account_number.unwrap();
    assert_eq!(account.id.as_deref(), Some("ACC001"));
    assert_eq!(account.authority.universal_id.as_deref(), Some("1.2.3"));
    assert!(query.criteria.unsupported.is_empty());
}

#[test]
fn iti21_k22_with_dsc_matches_the_expected_shape() {
    let m = message("iti21_rsp_k22_ok_with_dsc.hl7");
    let query = PdqQuery::read(&m).unwrap();
    assert_eq!(query.parameters[0].field, 11);
    let matches: Vec<PdqMatch> = m
        .segments()
        .filter(|s| s.id() == "PID")
        .map(|s| PdqMatch {
            patient: Patient::read_lenient(&s).0,
            score: Some(0.9),
        })
        .collect();
    assert_eq!(matches.len(), 9);
    let outcome = PdqOutcome::Found {
        matches,
        continuation: Some(Continuation {
            pointer: "10".to_owned(),
            total: 12,
            remaining: 3,
        }),
    };
    let bytes = build_rsp_k22(&same_header(&m), "1305506295", &query, &outcome);
    let ours = Message::parse_bytes(&bytes).unwrap();
    let without_qri: Vec<String> = segment_ids(&ours)
        .into_iter()
        .filter(|s| s != "QRI")
        .collect();
    assert_eq!(without_qri, segment_ids(&m));
    for (segment, n) in [
        ("MSH", 9),
        ("MSA", 1),
        ("MSA", 2),
        ("QAK", 1),
        ("QAK", 2),
        ("QPD", 1),
        ("QPD", 2),
        ("QPD", 3),
        ("DSC", 1),
        ("DSC", 2),
    ] {
        assert_eq!(
            field(&ours, segment, n),
            field(&m, segment, n),
            "{segment}-{n}"
        );
    }
    assert_eq!(field(&ours, "QAK", 4), "12");
    assert_eq!(field(&ours, "QAK", 5), "9");
    assert_eq!(field(&ours, "QAK", 6), "3");
    let theirs: Vec<_> = m.segments().filter(|s| s.id() == "PID").collect();
    let mine: Vec<_> = ours.segments().filter(|s| s.id() == "PID").collect();
    for (index, (a, b)) in mine.iter().zip(&theirs).enumerate() {
        assert_eq!(a.field(1).raw(), (index + 1).to_string());
        for n in [3, 5, 7, 8, 11, 13, 18] {
            assert_eq!(
                a.field(n).raw(),
                b.field(n).raw(),
                "PID #{} field {n}",
                index + 1
            );
        }
    }
    assert_eq!(field(&ours, "QRI", 1), "0.9");
    insta::assert_snapshot!("rsp_k22_ok_with_dsc", snapshot_text(&bytes));

    // The QPD-8 filter drops identifiers outside the requested domains and the PIDs left empty.
    let mut filtered = query.clone();
    filtered.domains = vec![(1, AssigningAuthority::new("HZLN", "", ""))];
    let bytes = build_rsp_k22(&same_header(&m), "1", &filtered, &outcome);
    let reply = Message::parse_bytes(&bytes).unwrap();
    let pid3: Vec<String> = reply
        .segments()
        .filter(|s| s.id() == "PID")
        .map(|s| s.field(3).component(1).text().into_owned())
        .collect();
    assert_eq!(pid3, ["79007", "79653", "79471", "79233"]);
}

#[test]
fn iti21_follow_up_and_cancel() {
    let follow_up = "MSH|^~\\&|MESA_PD_CONSUMER|MESA_DEPARTMENT|MESA_PD_SUPPLIER|XYZ_HOSPITAL|||QBP^Q22|11350111|P|2.5\rQPD|IHE PDQ Query|QRY11350110|@PID.5.1.1^MOORE\rRCP|I|2^RD\rDSC|10|I\r";
    let parsed = parse_inbound(follow_up.as_bytes(), InboundOptions::default()).unwrap();
    let Request::PdqQuery(query) = parsed.request else {
        panic!()
    };
    assert_eq!(query.continuation_pointer.as_deref(), Some("10"));
    assert_eq!(query.quantity_limit, Some(2));

    let inbound = inbound("iti21_qcn_j01_cancel.hl7");
    let Request::Cancel(cancel) = &inbound.request else {
        panic!()
    };
    assert_eq!(cancel.query_tag, "1486133037");
    assert_eq!(cancel.query_name, "IHE PDQ Query");
    let out = OutboundHeader::answering(&inbound.header, "R1", now());
    let bytes = build_ack(&out, "J01", &Ack::accept(&inbound.header.control_id));
    let reply = Message::parse_bytes(&bytes).unwrap();
    assert_eq!(field(&reply, "MSH", 9), "ACK^J01^ACK");
    assert_eq!(field(&reply, "MSA", 1), "AA");
    assert_eq!(field(&reply, "MSA", 2), "11311110c2");
}

// ---------------------------------------------------------------- ITI-30 PAM France

#[test]
fn pam_fr_a31_nia_to_nir_keeps_the_nir() {
    let inbound = inbound("iti30_fr_a31_nia_to_nir.hl7");
    assert_eq!(inbound.header.version.country.as_deref(), Some("FRA"));
    assert_eq!(
        inbound.header.version.profile_version.as_deref(),
        Some("2.10")
    );
    let Request::Feed(feed) = inbound.request else {
        panic!()
    };
    assert_eq!(feed.recorded.unwrap().to_string(), "20210318151910");
    let FeedMessage::Update { event, patient, .. } = feed.message else {
        panic!()
    };
    assert_eq!(event, AdtEvent::A31);
    let kinds: Vec<IdentifierKind> = patient
        .identifiers
        .iter()
        .map(PatientIdentifier::kind)
        .collect();
    assert_eq!(
        kinds,
        [
            IdentifierKind::Other,
            IdentifierKind::Ins(InsOid::Nia),
            IdentifierKind::Ins(InsOid::Nir)
        ]
    );
    assert_eq!(
        patient.identifiers[0]
            .authority
            .universal_id_type
            .as_deref(),
        Some("M")
    );
    assert!(patient.reliability.is_validated());
    assert_eq!(patient.names[1].prefix.as_deref(), Some("Mme"));
    let mapped = patient
        .identity_record("a31", None, ParseOptions::default())
        .unwrap();
    let r = mapped.record;
    assert_eq!(r.ins.as_ref().unwrap().matricule(), "260058815400233");
    assert!(r.ins.as_ref().unwrap().is_nir());
    assert_eq!(r.state.status(), IdentityStatus::Qualified);
    assert_eq!(r.birth_name.as_deref(), Some("DARK"));
    assert_eq!(r.first_names.as_deref(), Some("JEANNE MARIE CECILE"));
    assert_eq!(r.used_first_name.as_deref(), Some("MARIE-CECILE"));
    assert_eq!(r.birth_date, Some(PartialDate::Full(1960, 5, 30)));
    assert_eq!(r.sex, Sex::Female);
    assert_eq!(r.birth_place.as_ref().unwrap().as_str(), "88154");
    assert_eq!(r.local_id.unwrap().as_str(), "1900068");
    assert_eq!(mapped.findings, vec![]);
    assert_eq!(mapped.notes, vec![PidFinding::SeveralIns]);
}

#[test]
fn pam_fr_a47_change_nir_with_an_invalid_key() {
    let feed = feed("iti30_fr_a47_change_ins_nir.hl7");
    let FeedMessage::ChangeIdentifier { patient, prior } = feed.message else {
        panic!()
    };
    assert_eq!(prior.len(), 1);
    assert_eq!(prior[0].id(), Some("260058815400233"));
    assert_eq!(prior[0].kind(), IdentifierKind::Ins(InsOid::Nir));
    let new_ins = patient.ins_identifiers();
    assert_eq!(new_ins.len(), 1);
    assert_eq!(new_ins[0].0.id(), Some("260058815400244"));
    // The new NIR has an invalid key: vigie-core refuses it, the identity stays validated.
    let mapped = patient
        .identity_record("a47", None, ParseOptions::default())
        .unwrap();
    assert_eq!(mapped.record.ins, None);
    assert_eq!(mapped.record.state.status(), IdentityStatus::Validated);
    assert!(
        mapped
            .findings
            .iter()
            .any(|f| matches!(f.kind, FindingKind::Ins(_)))
    );
}

#[test]
fn pam_fr_a47_delete_and_downgrade() {
    for (name, validated) in [
        ("iti30_fr_a47_delete_ins.hl7", true),
        ("iti30_fr_a47_downgrade_qual_to_prov.hl7", false),
    ] {
        let feed = feed(name);
        let FeedMessage::ChangeIdentifier { patient, prior } = feed.message else {
            panic!()
        };
        assert!(patient.deletes_ins(), "{name}");
        assert!(patient.ins_identifiers().is_empty());
        assert_eq!(prior[0].kind(), IdentifierKind::Ins(InsOid::Nir));
        assert_eq!(patient.reliability.is_validated(), validated);
        let mapped = patient
            .identity_record("a47", None, ParseOptions::default())
            .unwrap();
        assert_eq!(mapped.record.ins, None);
        let status = if validated {
            IdentityStatus::Validated
        } else {
            IdentityStatus::Provisional
        };
        assert_eq!(mapped.record.state.status(), status, "{name}");
    }
}

#[test]
fn pam_fr_latin9_message_keeps_accents_and_ligatures() {
    let mut bytes = b"MSH|^~\\&|APP|FAC|VIGIE|FAC|20240101||ADT^A28^ADT_A05|1|P|2.5^FRA^2.11|||||FRA|8859/15\rEVN||20240101\rPID|1||42^^^HOP&1.2.3&ISO^PI||".to_vec();
    bytes.extend_from_slice(&[
        0xBC, b'U', b'F', b'^', b'F', 0xE9, b'l', 0xE8, b'n', b'e', b'^', b'F', 0xE9, b'l', 0xE8,
        b'n', b'e', b' ', b'F', b'r', 0xE7, b'o', b'i', b's', b'e', b'^', b'^', b'^', b'^', b'L',
    ]);
    bytes.extend_from_slice(b"||19800315|F|||^^^^^FRA^BDL^^2A004|||||||||||||||||||||PROV~DOUT\rPV1||N\rZFD|||N|N|INSI|20240101|CN\r");
    let feed = match parse_inbound(&bytes, InboundOptions::default())
        .unwrap()
        .request
    {
        Request::Feed(feed) => feed,
        other => panic!("{other:?}"),
    };
    let FeedMessage::Register {
        event,
        patient,
        zfd,
    } = feed.message
    else {
        panic!()
    };
    assert_eq!(event, AdtEvent::A28);
    assert_eq!(patient.birth_name(), Some("ŒUF"));
    assert_eq!(patient.first_names().as_deref(), Some("Félène Frçoise"));
    let zfd = zfd.unwrap();
    assert_eq!(zfd.identity_method.as_deref(), Some("INSI"));
    assert_eq!(zfd.document_type.as_deref(), Some("CN"));
    assert_eq!(zfd.corrected_birth_date, Some(false));
    let mapped = patient
        .identity_record("a28", None, ParseOptions::default())
        .unwrap();
    assert!(mapped.record.state.doubtful());
    assert_eq!(mapped.record.birth_place.unwrap().as_str(), "2A004");
    // And back out in 8859/15.
    let out = OutboundHeader::answering(
        &MessageHeader::read(&Message::parse_bytes(&bytes).unwrap()).unwrap(),
        "R",
        now(),
    );
    assert_eq!(out.charset, Charset::Latin9);
    let ack = build_ack(&out, "A28", &Ack::accept("1"));
    assert!(ack.ends_with(b"|8859/15\rMSA|AA|1\r"));
}
