//! MLLP framing (HL7 v2 IG App. C): `0x0B` payload `0x1C 0x0D`, as a
//! `tokio_util::codec::{Decoder, Encoder}` on `bytes::BytesMut`.
//!
//! Decoding:
//! * bytes before a `0x0B` are discarded and counted ([`MllpCodec::discarded_bytes`]);
//! * a `0x0B` inside a frame means the previous frame was cut: it is discarded (counted) and a
//!   new frame starts;
//! * the scan position is kept between calls, so a frame arriving in many reads is scanned
//!   once (no O(n²));
//! * a frame whose payload exceeds the configured maximum gives [`MllpError::FrameTooLarge`]
//!   once; the codec then discards the rest of that frame up to its end marker and decodes the
//!   following frames normally (resynchronisation). `tokio_util`'s `FramedRead` ends the
//!   stream after an error: a server answers (AR) and closes, or keeps using the codec
//!   directly;
//! * `0x1C` not followed by `0x0D` is an error ([`MllpError::MissingCarriageReturn`]) unless
//!   the codec is lenient, in which case `0x1C` alone ends the frame (a following `0x0D` is
//!   then skipped).
//!
//! Encoding wraps a payload; a payload holding `0x0B` or `0x1C` is refused (the builder escapes
//! them as `\X0B\`, `\X1C\`).

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// Start block, `0x0B` (VT).
pub const START_BLOCK: u8 = 0x0B;
/// End block, `0x1C` (FS).
pub const END_BLOCK: u8 = 0x1C;
/// Carriage return after the end block.
pub const CARRIAGE_RETURN: u8 = 0x0D;
/// Default maximum payload: 4 MiB.
pub const DEFAULT_MAX_FRAME: usize = 4 * 1024 * 1024;

/// MLLP framing errors.
#[derive(Debug, thiserror::Error)]
pub enum MllpError {
    /// A frame's payload exceeds the maximum; the rest of the frame is discarded.
    #[error("MLLP frame larger than {limit} bytes")]
    FrameTooLarge {
        /// The configured maximum.
        limit: usize,
    },
    /// `0x1C` not followed by `0x0D` (strict mode); the frame is discarded.
    #[error("MLLP end block not followed by a carriage return")]
    MissingCarriageReturn,
    /// A payload to encode holds `0x0B` or `0x1C`.
    #[error("payload contains an MLLP framing byte")]
    FramingByteInPayload,
    /// Transport error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for `0x0B`.
    Idle,
    /// Inside a frame: the payload starts at buffer index 1 (the `0x0B` is kept at 0).
    InFrame,
    /// Discarding an oversized frame up to its end marker.
    Skipping,
}

/// The MLLP codec (see the module documentation).
#[derive(Debug, Clone)]
pub struct MllpCodec {
    max_frame: usize,
    lenient: bool,
    state: State,
    /// Bytes of the buffer already scanned in the current state.
    scanned: usize,
    /// A `0x0D` right after a lenient `0x1C` end is skipped.
    skip_cr: bool,
    discarded: u64,
}

impl Default for MllpCodec {
    fn default() -> Self {
        MllpCodec::new(DEFAULT_MAX_FRAME)
    }
}

impl MllpCodec {
    /// A strict codec with a maximum payload size.
    pub fn new(max_frame: usize) -> MllpCodec {
        MllpCodec {
            max_frame,
            lenient: false,
            state: State::Idle,
            scanned: 0,
            skip_cr: false,
            discarded: 0,
        }
    }

    /// Accept `0x1C` without `0x0D` as a frame end.
    pub fn lenient(mut self, lenient: bool) -> MllpCodec {
        self.lenient = lenient;
        self
    }

    /// Bytes discarded so far (garbage between frames, cut and oversized frames).
    pub fn discarded_bytes(&self) -> u64 {
        self.discarded
    }

    /// The configured maximum payload.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    fn discard(&mut self, src: &mut BytesMut, n: usize) {
        let n = n.min(src.len());
        src.advance(n);
        self.discarded += n as u64;
        self.scanned = 0;
    }

    fn decode_frame(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, MllpError> {
        loop {
            match self.state {
                State::Idle => {
                    if self.skip_cr {
                        match src.first() {
                            None => return Ok(None),
                            Some(&CARRIAGE_RETURN) => src.advance(1),
                            Some(_) => {}
                        }
                        self.skip_cr = false;
                    }
                    match src.iter().position(|&b| b == START_BLOCK) {
                        Some(at) => {
                            self.discard(src, at);
                            self.state = State::InFrame;
                            self.scanned = 1;
                        }
                        None => {
                            let n = src.len();
                            self.discard(src, n);
                            return Ok(None);
                        }
                    }
                }
                State::InFrame | State::Skipping => {
                    let skipping = self.state == State::Skipping;
                    let from = self.scanned.min(src.len());
                    let found = src
                        .get(from..)
                        .and_then(|rest| {
                            rest.iter()
                                .position(|&b| b == END_BLOCK || b == START_BLOCK)
                        })
                        .map(|i| i + from);
                    let Some(at) = found else {
                        self.scanned = src.len();
                        let payload = src.len().saturating_sub(1);
                        if skipping {
                            // Keep nothing of an oversized frame.
                            let n = src.len();
                            self.discard(src, n);
                        } else if payload > self.max_frame {
                            let n = src.len();
                            self.discard(src, n);
                            self.state = State::Skipping;
                            return Err(MllpError::FrameTooLarge {
                                limit: self.max_frame,
                            });
                        }
                        return Ok(None);
                    };
                    if src.get(at) == Some(&START_BLOCK) {
                        if at == 0 && skipping {
                            // A new frame starts right away.
                            self.state = State::InFrame;
                            self.scanned = 1;
                            continue;
                        }
                        // A cut frame (or the tail of an oversized one): drop it.
                        self.discard(src, at);
                        self.state = State::InFrame;
                        self.scanned = 1;
                        continue;
                    }
                    // End block at `at`: look at the next byte.
                    let next = src.get(at + 1).copied();
                    let frame_len = match next {
                        Some(CARRIAGE_RETURN) => at + 2,
                        None if self.lenient => at + 1,
                        None => {
                            self.scanned = at;
                            return Ok(None);
                        }
                        Some(_) if self.lenient => at + 1,
                        Some(_) => {
                            self.discard(src, at + 1);
                            self.state = State::Idle;
                            if !skipping {
                                return Err(MllpError::MissingCarriageReturn);
                            }
                            continue;
                        }
                    };
                    if skipping {
                        self.discard(src, frame_len);
                        self.state = State::Idle;
                        self.skip_cr = frame_len == at + 1;
                        continue;
                    }
                    let payload_len = at.saturating_sub(1);
                    if payload_len > self.max_frame {
                        self.discard(src, frame_len);
                        self.state = State::Idle;
                        self.skip_cr = frame_len == at + 1;
                        return Err(MllpError::FrameTooLarge {
                            limit: self.max_frame,
                        });
                    }
                    let mut frame = src.split_to(frame_len);
                    frame.advance(1);
                    frame.truncate(payload_len);
                    self.state = State::Idle;
                    self.scanned = 0;
                    self.skip_cr = frame_len == at + 1;
                    return Ok(Some(frame.freeze()));
                }
            }
        }
    }
}

impl Decoder for MllpCodec {
    type Item = Bytes;
    type Error = MllpError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, MllpError> {
        self.decode_frame(src)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, MllpError> {
        match self.decode_frame(src)? {
            Some(frame) => Ok(Some(frame)),
            None => {
                // Whatever remains is an unterminated frame or garbage: dropped, counted.
                let n = src.len();
                self.discard(src, n);
                self.state = State::Idle;
                Ok(None)
            }
        }
    }
}

fn encode_payload(payload: &[u8], dst: &mut BytesMut) -> Result<(), MllpError> {
    if payload.iter().any(|&b| b == START_BLOCK || b == END_BLOCK) {
        return Err(MllpError::FramingByteInPayload);
    }
    dst.reserve(payload.len() + 3);
    dst.put_u8(START_BLOCK);
    dst.extend_from_slice(payload);
    dst.put_u8(END_BLOCK);
    dst.put_u8(CARRIAGE_RETURN);
    Ok(())
}

impl Encoder<&[u8]> for MllpCodec {
    type Error = MllpError;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), MllpError> {
        encode_payload(item, dst)
    }
}

impl Encoder<Bytes> for MllpCodec {
    type Error = MllpError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), MllpError> {
        encode_payload(&item, dst)
    }
}

impl Encoder<Vec<u8>> for MllpCodec {
    type Error = MllpError;

    fn encode(&mut self, item: Vec<u8>, dst: &mut BytesMut) -> Result<(), MllpError> {
        encode_payload(&item, dst)
    }
}

/// Wraps one payload in an MLLP frame (a convenience for tests and clients).
///
/// # Errors
/// The payload holds `0x0B` or `0x1C`.
pub fn frame(payload: &[u8]) -> Result<Vec<u8>, MllpError> {
    let mut out = BytesMut::with_capacity(payload.len() + 3);
    encode_payload(payload, &mut out)?;
    Ok(out.to_vec())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(codec: &mut MllpCodec, chunks: &[&[u8]]) -> Vec<Result<Vec<u8>, String>> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            loop {
                match codec.decode(&mut buf) {
                    Ok(Some(frame)) => out.push(Ok(frame.to_vec())),
                    Ok(None) => break,
                    Err(e) => out.push(Err(e.to_string())),
                }
            }
        }
        out
    }

    #[test]
    fn split_and_coalesced_frames_with_garbage() {
        let mut codec = MllpCodec::default();
        let out = decode_all(
            &mut codec,
            &[
                b"xx\x0bMSH|a",
                b"bc\x1c",
                b"\r\x0bMSH|2\x1c\r\x0bMSH|3\x1c\r",
            ],
        );
        assert_eq!(
            out,
            vec![
                Ok(b"MSH|abc".to_vec()),
                Ok(b"MSH|2".to_vec()),
                Ok(b"MSH|3".to_vec())
            ]
        );
        assert_eq!(codec.discarded_bytes(), 2);
    }

    #[test]
    fn oversized_frames_error_once_and_resynchronise() {
        let mut codec = MllpCodec::new(8);
        let out = decode_all(
            &mut codec,
            &[b"\x0b0123456789", b"abcdef", b"\x1c\r\x0bMSH|ok\x1c\r"],
        );
        assert_eq!(out.len(), 2);
        assert!(out[0].as_ref().unwrap_err().contains("larger than 8"));
        assert_eq!(out[1], Ok(b"MSH|ok".to_vec()));
        let mut codec = MllpCodec::new(4);
        let out = decode_all(&mut codec, &[b"\x0b123456\x1c\r\x0bok\x1c\r"]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1], Ok(b"ok".to_vec()));
    }

    #[test]
    fn end_block_without_cr_strict_and_lenient() {
        let mut strict = MllpCodec::default();
        let out = decode_all(&mut strict, &[b"\x0bA\x1cX\x0bB\x1c\r"]);
        assert_eq!(
            out,
            vec![
                Err("MLLP end block not followed by a carriage return".into()),
                Ok(b"B".to_vec())
            ]
        );
        let mut lenient = MllpCodec::default().lenient(true);
        let out = decode_all(&mut lenient, &[b"\x0bA\x1c", b"\r\x0bB\x1c\x0bC\x1c"]);
        assert_eq!(
            out,
            vec![Ok(b"A".to_vec()), Ok(b"B".to_vec()), Ok(b"C".to_vec())]
        );
        assert_eq!(lenient.discarded_bytes(), 0);
    }

    #[test]
    fn a_restarted_frame_drops_the_cut_one() {
        let mut codec = MllpCodec::default();
        let out = decode_all(&mut codec, &[b"\x0bcut\x0bwhole\x1c\r"]);
        assert_eq!(out, vec![Ok(b"whole".to_vec())]);
        assert_eq!(codec.discarded_bytes(), 4);
    }

    #[test]
    fn encoder_refuses_framing_bytes() {
        assert!(matches!(
            frame(b"a\x1cb"),
            Err(MllpError::FramingByteInPayload)
        ));
        assert_eq!(frame(b"MSH").unwrap(), b"\x0bMSH\x1c\r");
    }

    #[test]
    fn eof_drops_an_unterminated_frame() {
        let mut codec = MllpCodec::default();
        let mut buf = BytesMut::from(&b"\x0bhalf"[..]);
        assert!(codec.decode_eof(&mut buf).unwrap().is_none());
        assert!(buf.is_empty());
        assert_eq!(codec.discarded_bytes(), 5);
    }

    proptest! {
        #[test]
        fn round_trip_split_anywhere(
            payloads in proptest::collection::vec(
                proptest::collection::vec(any::<u8>().prop_filter("no framing byte", |b| *b != START_BLOCK && *b != END_BLOCK), 0..64),
                1..5),
            cuts in proptest::collection::vec(any::<usize>(), 0..6),
        ) {
            let mut codec = MllpCodec::new(1024);
            let mut wire = BytesMut::new();
            for p in &payloads {
                codec.encode(p.as_slice(), &mut wire).unwrap();
            }
            let wire = wire.to_vec();
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for p in points {
                chunks.push(&wire[last..p]);
                last = p;
            }
            chunks.push(&wire[last..]);
            let out = decode_all(&mut codec, &chunks);
            let expected: Vec<Result<Vec<u8>, String>> = payloads.into_iter().map(Ok).collect();
            prop_assert_eq!(out, expected);
            prop_assert_eq!(codec.discarded_bytes(), 0);
        }

        #[test]
        fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), lenient in any::<bool>()) {
            let mut codec = MllpCodec::new(16).lenient(lenient);
            let mut buf = BytesMut::from(bytes.as_slice());
            for _ in 0..400 {
                if let Ok(None) = codec.decode(&mut buf) {
                    break;
                }
            }
            let _ = codec.decode_eof(&mut buf);
        }
    }
}
