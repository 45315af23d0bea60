//! INTERFACE STUB — the MLLP listener: PIX feed/query, PAM FR, PDQ, update notifications.
