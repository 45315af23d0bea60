//! Property tests over the whole inbound path: any bytes, and real-looking messages with random
//! mutations, go through the fuzz entry points (parse, map, answer, re-parse) without a panic.

use proptest::prelude::*;

const A31: &[u8] = b"MSH|^~\\&|APP|FAC|VIGIE|FAC|20240101120000||ADT^A31^ADT_A05|42|P|2.5^FRA^2.11||||||8859/15\rEVN||20240101\rPID|1||123^^^HOP&1.2.3&M^PI~295109912611193^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||^Marie^^^^^D~MARTIN^JEANNE^JEANNE MARIE^^Mme^^L||19951031|F|||1 rue X^^Paris^^75001^FRA^H~^^^^^FRA^BDL^^99126||^PRN^PH^^^^^^^^^0612345678|||||||||||||||||N||VALI\rPV1||N\rZFD|||N|N|INSI|20240101|CN\r";

proptest! {
    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        vigie_hl7::fuzz::hl7_message(&bytes);
        vigie_hl7::fuzz::mllp_decoder(&bytes);
        vigie_hl7::fuzz::qpd_params(&bytes);
    }

    #[test]
    fn mutated_messages_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12),
        cut in any::<usize>(),
    ) {
        let mut bytes = A31.to_vec();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        vigie_hl7::fuzz::hl7_message(&bytes);
    }

    #[test]
    fn any_query_parameters_never_panic(text in "[@PID.0-9^~&|A-Za-z\\\\ ]{0,80}") {
        vigie_hl7::fuzz::qpd_params(text.as_bytes());
    }
}
