//! Property tests for the hall's device codecs (ESC/POS, ID-card reader,
//! Modbus profile): random and mutated bytes never panic, decoders fed
//! garbage then a valid frame resync and decode it, and what is encoded
//! decodes back to the same values.

use proptest::prelude::*;
use tingwu_protocols::escpos::{
    self, decode_asb, decode_realtime, is_asb_first, is_realtime_status, render, RealTimeRequest,
    StatusDecoder, StatusEvent, TicketLayout,
};
use tingwu_protocols::id_number::{check_digit, validate};
use tingwu_protocols::idcard::{
    self, decode_basic_info, encode_basic_info_response, encode_frame, parse_command,
    parse_response, CardDate, FrameDecoder, IdCardInfo, Response, Sex, Validity, PREAMBLE,
};
use tingwu_protocols::modbus_profile::{
    self, decode_display, decode_event, decode_identity, encode_display, encode_event, DeviceEvent,
    Display, DisplayMode, EventBlock, Grade, Key,
};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    if !bytes.is_empty() {
        for &(at, value) in edits {
            let len = bytes.len();
            bytes[at % len] = value;
        }
    }
    bytes.truncate(cut);
    bytes
}

// ---- ESC/POS ----

fn asb_bytes() -> impl Strategy<Value = [u8; 4]> {
    (any::<[u8; 4]>()).prop_map(|[a, b, c, d]| [(a & 0x6C) | 0x10, b & 0x6F, c & 0x6F, d & 0x6F])
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 :\\-\\.\u{4e00}-\u{9fa5}\u{3000}-\u{303f}\u{ff01}-\u{ff5e}]{0,24}"
}

fn layout() -> impl Strategy<Value = TicketLayout> {
    (
        (
            text(),
            "[A-Z][0-9]{3}",
            text(),
            any::<u32>(),
            text(),
            text(),
        ),
        prop::collection::vec(text(), 0..4),
        prop::option::of("https://[a-z]{1,20}\\.example/t/[A-Za-z0-9\\-]{1,40}"),
        prop::option::of("[ -~]{1,21}"),
    )
        .prop_map(
            |(
                (hall_name, number, item, people_ahead, expected_time, window_direction),
                materials,
                qr_url,
                barcode,
            )| {
                TicketLayout {
                    hall_name,
                    number,
                    item,
                    people_ahead,
                    expected_time,
                    window_direction,
                    materials,
                    notices: vec![],
                    qr_url,
                    barcode,
                    charset: Default::default(),
                }
            },
        )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn status_decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256),
                                   requests in prop::collection::vec(1u8..=4, 0..32)) {
        let mut d = StatusDecoder::new();
        for n in requests {
            d.expect(RealTimeRequest::from_n(n).unwrap());
        }
        let events = d.feed(&bytes);
        prop_assert!(events.len() <= bytes.len());
        prop_assert!(d.skipped() <= bytes.len() as u64);
        for b in &bytes {
            for r in RealTimeRequest::ALL {
                let _ = decode_realtime(r, *b);
            }
        }
        for w in bytes.windows(4) {
            let _ = decode_asb([w[0], w[1], w[2], w[3]]);
        }
    }

    #[test]
    fn status_decoder_resyncs_on_asb(garbage in prop::collection::vec(any::<u8>(), 0..64),
                                     asb in asb_bytes()) {
        let expected = decode_asb(asb).unwrap();
        let mut d = StatusDecoder::new();
        d.expect(RealTimeRequest::Printer);
        d.feed(&garbage);
        let events = d.feed(&asb);
        prop_assert_eq!(events.last(), Some(&StatusEvent::Asb(expected)));
        prop_assert_eq!(d.status(), expected);
    }

    #[test]
    fn status_decoder_resyncs_on_realtime(garbage in prop::collection::vec(any::<u8>(), 0..64),
                                          byte in any::<u8>(), n in 1u8..=4) {
        // Garbage without real-time-shaped bytes (they would claim the
        // pending request), then the answer.
        let garbage: Vec<u8> = garbage.into_iter().filter(|b| !is_realtime_status(*b)).collect();
        let byte = (byte & 0x6C) | 0x12;
        let request = RealTimeRequest::from_n(n).unwrap();
        let mut d = StatusDecoder::new();
        d.feed(&garbage);
        d.expect(request);
        let events = d.feed(&[byte]);
        let expected = decode_realtime(request, byte).unwrap();
        prop_assert_eq!(events, vec![StatusEvent::RealTime(expected)]);
        // The answer sets the fields it carries.
        if let escpos::RealTimeStatus::RollPaper { near_end, paper_end } = expected {
            prop_assert_eq!(d.status().paper_near_end, near_end);
            prop_assert_eq!(d.status().paper_end, paper_end);
        }
        prop_assert!(is_asb_first(byte) != is_realtime_status(byte));
    }

    #[test]
    fn rendered_tickets_hold_their_text(t in layout()) {
        let bytes = render(&t).unwrap();
        prop_assert!(bytes.starts_with(&escpos::INIT));
        prop_assert!(bytes.ends_with(&escpos::cut(0)));
        let number = t.number.as_bytes();
        prop_assert!(bytes.windows(number.len()).any(|w| w == number));
        // Every FS & is closed by FS . before the next one.
        let mut open = false;
        for w in bytes.windows(2) {
            if w == escpos::CHINESE_ON { prop_assert!(!open); open = true; }
            if w == escpos::CHINESE_OFF { prop_assert!(open); open = false; }
        }
        prop_assert!(!open);
    }

    #[test]
    fn render_never_panics(item in "\\PC{0,40}", barcode in "\\PC{0,30}", url in "\\PC{0,300}") {
        let t = TicketLayout { item, barcode: Some(barcode), qr_url: Some(url), ..TicketLayout::default() };
        let _ = render(&t);
    }
}

// ---- ID-card reader ----

fn date() -> impl Strategy<Value = CardDate> {
    (1900u16..=2100, 1u8..=12, 1u8..=28).prop_map(|(year, month, day)| CardDate {
        year,
        month,
        day,
    })
}

fn card() -> impl Strategy<Value = (IdCardInfo, Vec<u8>)> {
    (
        "[\u{4e00}-\u{9fa5}]{2,15}",
        prop_oneof![
            Just(Sex::Male),
            Just(Sex::Female),
            Just(Sex::Unknown),
            Just(Sex::Unspecified)
        ],
        1u8..=56,
        date(),
        "[\u{4e00}-\u{9fa5}0-9]{0,35}",
        (100_000u32..=999_999, 0u32..=999),
        "[\u{4e00}-\u{9fa5}]{0,15}",
        date(),
        prop::option::of(date()),
        prop::collection::vec(any::<u8>(), 1024),
    )
        .prop_map(
            |(name, sex, nation, birth, address, (region, seq), issuer, from, to, photo)| {
                let first17 = format!(
                    "{region:06}{:04}{:02}{:02}{seq:03}",
                    birth.year, birth.month, birth.day
                );
                let id = format!("{first17}{}", check_digit(&first17).unwrap());
                (
                    IdCardInfo {
                        name,
                        sex,
                        nation,
                        birth_date: birth,
                        address,
                        id_number: validate(&id).unwrap(),
                        issuer,
                        valid_from: from,
                        valid_to: to.map_or(Validity::LongTerm, Validity::Until),
                    },
                    photo,
                )
            },
        )
}

fn status_frame() -> impl Strategy<Value = Vec<u8>> {
    (any::<u8>(), prop::collection::vec(any::<u8>(), 0..16))
        .prop_map(|(sw3, data)| encode_frame(&[0, 0, sw3], &data).unwrap())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn basic_info_round_trips((info, photo) in card()) {
        let frame = encode_basic_info_response(&info, &photo).unwrap();
        prop_assert_eq!(frame.len(), 1295);
        let basic = decode_basic_info(&parse_response(&frame).unwrap()).unwrap();
        prop_assert_eq!(basic.info, info);
        prop_assert_eq!(basic.photo, photo);
    }

    #[test]
    fn idcard_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1400)) {
        let _ = parse_response(&bytes);
        let _ = parse_command(&bytes);
        let _ = idcard::decode_text(&bytes);
        let _ = decode_basic_info(&Response { sw3: 0x90, data: bytes.clone() });
        let mut with_preamble = PREAMBLE.to_vec();
        with_preamble.extend(&bytes);
        let _ = parse_response(&with_preamble);
        let mut d = FrameDecoder::new();
        let out = d.decode(&with_preamble);
        prop_assert!(out.len() <= with_preamble.len());
        prop_assert!(d.buffered() <= with_preamble.len());
    }

    #[test]
    fn mutated_basic_info_never_panics((info, photo) in card(),
                                       edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
                                       cut in 0usize..1400) {
        let frame = encode_basic_info_response(&info, &photo).unwrap();
        let bytes = mutate(frame, &edits, cut);
        if let Ok(r) = parse_response(&bytes) {
            let _ = decode_basic_info(&r);
        }
        let mut d = FrameDecoder::new();
        for r in d.decode(&bytes).into_iter().flatten() {
            let _ = decode_basic_info(&r);
        }
    }

    #[test]
    fn frame_decoder_resyncs(garbage in prop::collection::vec(any::<u8>(), 0..200),
                             frame in status_frame(), split in any::<usize>()) {
        let mut d = FrameDecoder::new();
        // Random bytes hold no 5-byte preamble in practice; if they do, skip.
        prop_assume!(!garbage.windows(5).any(|w| w == PREAMBLE));
        let mut stream = garbage.clone();
        stream.extend(&frame);
        let at = split % (stream.len() + 1);
        let mut out = d.decode(&stream[..at]);
        out.extend(d.decode(&stream[at..]));
        prop_assert_eq!(out.last().cloned(), Some(parse_response(&frame)));
        prop_assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn frame_decoder_resyncs_after_bad_frame(frame in status_frame(), bad in status_frame(),
                                             flip in any::<usize>(), bit in 0u8..8) {
        // A frame with one bit flipped after its length (the XOR check
        // catches every single-bit error), then a good one.
        let mut bad = bad;
        let i = 7 + flip % (bad.len() - 7);
        bad[i] ^= 1 << bit;
        let mut stream = bad;
        stream.extend(&frame);
        let mut d = FrameDecoder::new();
        let out = d.decode(&stream);
        let first_is_checksum = matches!(out.first(), Some(Err(idcard::IdCardError::Checksum { .. })));
        prop_assert!(first_is_checksum);
        prop_assert_eq!(out.last().cloned(), Some(parse_response(&frame)));
        prop_assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn frame_decoder_gives_up_on_a_bogus_header(frame in status_frame(), len in 64u16..=4096) {
        // A header whose length covers more than follows: the decoder waits,
        // and after the transport's read timeout finds the frame inside.
        let mut stream = PREAMBLE.to_vec();
        stream.extend(len.to_be_bytes());
        stream.extend(&frame);
        let mut d = FrameDecoder::new();
        prop_assert!(d.decode(&stream).is_empty());
        d.timeout();
        prop_assert_eq!(d.decode(&[]), vec![parse_response(&frame)]);
    }
}

// ---- Modbus profile ----

fn display() -> impl Strategy<Value = Display> {
    (
        prop_oneof![
            Just(DisplayMode::Off),
            Just(DisplayMode::Static),
            Just(DisplayMode::Scroll),
            Just(DisplayMode::Blink)
        ],
        0u8..=100,
        0u8..=10,
        any::<u8>(),
        "[a-zA-Z0-9 \u{4e00}-\u{9fa5}]{0,21}",
    )
        .prop_map(|(mode, brightness, count, duration_50ms, text)| Display {
            mode,
            brightness,
            beep: modbus_profile::Beep {
                count,
                duration_50ms,
            },
            text,
        })
}

fn event() -> impl Strategy<Value = EventBlock> {
    (
        1u16..,
        prop_oneof![
            (1u16..=8).prop_map(|c| DeviceEvent::Key(Key::from_code(c).unwrap())),
            (1u16..=5).prop_map(|c| DeviceEvent::Evaluation(Grade::from_code(c).unwrap())),
        ],
        any::<u16>(),
    )
        .prop_map(|(seq, event, queued)| EventBlock {
            seq,
            event: Some(event),
            queued,
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn registers_never_panic(regs in prop::collection::vec(any::<u16>(), 0..40)) {
        let _ = decode_identity(&regs);
        let _ = decode_display(&regs);
        let _ = decode_event(&regs);
        let _ = modbus_profile::unpack_bytes(&regs);
        for n in [16usize, 36, 4] {
            if regs.len() >= n {
                let _ = decode_identity(&regs[..n]);
                let _ = decode_display(&regs[..n]);
                let _ = decode_event(&regs[..n]);
            }
        }
    }

    #[test]
    fn display_round_trips(d in display()) {
        let regs = encode_display(&d).unwrap();
        prop_assert_eq!(regs.len(), modbus_profile::DISPLAY_LEN);
        prop_assert_eq!(decode_display(&regs).unwrap(), d);
    }

    #[test]
    fn events_round_trip(e in event()) {
        prop_assert_eq!(decode_event(&encode_event(&e)).unwrap(), e);
    }

    #[test]
    fn packing_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let regs = modbus_profile::pack_bytes(&bytes);
        let back = modbus_profile::unpack_bytes(&regs);
        prop_assert_eq!(&back[..bytes.len()], &bytes[..]);
    }
}
