//! Who sends an MLLP message and what it may do, from `[[sources]]`: the sender (MSH-3/MSH-4,
//! peer address, client certificate over MLLP/TLS), its audit actor, which domains it may feed
//! or query, and its default domain (ITI-8 §3.8.4.1.3: a PID-3 without assigning authority is
//! filled from the source configuration). Domains themselves are in the server's one
//! [`DomainRegistry`].

use std::net::IpAddr;

use vigie_engine::{Actor, DomainId};
use vigie_hl7::header::MessageHeader;
use vigie_hl7::types::AssigningAuthority;

use crate::config::{Config, SourceConfig};
use crate::domains::DomainRegistry;

/// The other end of an MLLP connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Its address.
    pub address: IpAddr,
    /// Over MLLP/TLS, the subject CN of the client certificate it presented (verified by
    /// rustls against `tls.client_ca` during the handshake); `None` over plain TCP or without
    /// a certificate.
    pub certificate: Option<String>,
}

impl Peer {
    /// A plain TCP peer (no certificate).
    pub fn plain(address: IpAddr) -> Peer {
        Peer {
            address,
            certificate: None,
        }
    }
}

/// Who sent a message: MSH-3, MSH-4, the peer address and its client certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// MSH-3.
    pub application: AssigningAuthority,
    /// MSH-4.
    pub facility: AssigningAuthority,
    /// Peer address.
    pub peer: IpAddr,
    /// CN of the verified client certificate (MLLP/TLS only).
    pub certificate: Option<String>,
}

fn hd_text(hd: &AssigningAuthority) -> String {
    hd.namespace
        .clone()
        .or_else(|| hd.universal_id.clone())
        .unwrap_or_default()
}

impl Sender {
    /// The sender of a message received from `peer`.
    pub fn of(header: &MessageHeader, peer: &Peer) -> Sender {
        Sender {
            application: header.sending_application.clone(),
            facility: header.sending_facility.clone(),
            peer: peer.address,
            certificate: peer.certificate.clone(),
        }
    }

    /// The audit actor: `who` is `application|facility` (ATNA convention) and, when the peer
    /// presented a verified client certificate, `application|facility|cn=<CN>`: as for an HTTP
    /// mTLS client, `who` names the party the certificate authenticated and `from` the peer
    /// address; the channel is `mllp`.
    pub fn actor(&self) -> Actor {
        let declared = format!("{}|{}", hd_text(&self.application), hd_text(&self.facility));
        Actor {
            who: match &self.certificate {
                Some(cn) => format!("{declared}|cn={cn}"),
                None => declared,
            },
            from: self.peer.to_string(),
            channel: "mllp".to_owned(),
        }
    }
}

fn hd_matches(expected: Option<&str>, hd: &AssigningAuthority) -> bool {
    match expected {
        None => true,
        Some(expected) => {
            hd.namespace.as_deref() == Some(expected)
                || hd.universal_id.as_deref() == Some(expected)
        }
    }
}

fn source_matches(source: &SourceConfig, sender: &Sender) -> bool {
    let address_ok = match source.address.as_deref() {
        None => true,
        Some(address) => address.parse::<IpAddr>().is_ok_and(|a| a == sender.peer),
    };
    // A source bound to a certificate matches only a peer that presented it (MLLP/TLS with a
    // client CA): never a plain TCP connection. A source without one ignores certificates.
    let certificate_ok = match source.certificate.as_deref() {
        None => true,
        Some(cn) => sender.certificate.as_deref() == Some(cn),
    };
    address_ok
        && certificate_ok
        && hd_matches(source.application.as_deref(), &sender.application)
        && hd_matches(source.facility.as_deref(), &sender.facility)
}

/// What a sender may do, from `[[sources]]`.
///
/// With no `[[sources]]` at all the listener is **open**: every sender may feed and query
/// every configured domain (a development setting; a warning is logged at start-up).
#[derive(Debug, Clone)]
pub struct Rights<'c> {
    open: bool,
    matched: Vec<&'c SourceConfig>,
}

impl<'c> Rights<'c> {
    /// The rights of a sender.
    pub fn of(config: &'c Config, sender: &Sender) -> Rights<'c> {
        Rights {
            open: config.sources.is_empty(),
            matched: config
                .sources
                .iter()
                .filter(|s| source_matches(s, sender))
                .collect(),
        }
    }

    /// True when the sender matches a configured source (or the listener is open).
    pub fn known(&self) -> bool {
        self.open || !self.matched.is_empty()
    }

    /// May the sender feed this domain?
    pub fn may_feed(&self, domain: &DomainId) -> bool {
        self.open
            || self
                .matched
                .iter()
                .any(|s| s.feeds.iter().any(|f| f == domain.as_str()))
    }

    /// May the sender query (and receive identifiers of) this domain?
    pub fn may_query(&self, domain: &DomainId) -> bool {
        self.open
            || self
                .matched
                .iter()
                .any(|s| s.queries.is_empty() || s.queries.iter().any(|q| q == domain.as_str()))
    }

    /// The domain that fills a missing assigning authority: the first domain the sender
    /// feeds; on an open listener with a single configured domain, that one.
    pub fn default_domain(&self, domains: &DomainRegistry) -> Option<DomainId> {
        if let Some(first) = self
            .matched
            .iter()
            .flat_map(|s| s.feeds.iter())
            .find_map(|f| DomainId::new(f).ok())
        {
            return Some(first);
        }
        if self.open
            && let [only] = domains.configured()
        {
            return Some(only.id.clone());
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::DomainConfig;

    fn config() -> Config {
        Config {
            domains: vec![
                DomainConfig {
                    id: "HIMSS2005".into(),
                    namespace: Some("HIMSS2005".into()),
                    oid: Some("1.3.6.1.4.1.21367.2005.1.1".into()),
                    system: None,
                },
                DomainConfig {
                    id: "domain2".into(),
                    namespace: Some("domain2".into()),
                    oid: None,
                    system: None,
                },
            ],
            sources: vec![SourceConfig {
                application: Some("APP".into()),
                facility: None,
                address: Some("127.0.0.1".into()),
                certificate: None,
                feeds: vec!["domain2".into()],
                queries: vec![],
            }],
            ..Config::default()
        }
    }

    #[test]
    fn rights_follow_application_and_address() {
        let config = config();
        let sender = Sender {
            application: AssigningAuthority::new("APP", "", ""),
            facility: AssigningAuthority::default(),
            peer: "127.0.0.1".parse().unwrap(),
            certificate: None,
        };
        let rights = Rights::of(&config, &sender);
        assert!(rights.may_feed(&DomainId::new("domain2").unwrap()));
        assert!(!rights.may_feed(&DomainId::new("HIMSS2005").unwrap()));
        assert_eq!(
            rights.default_domain(&DomainRegistry::from_config(&config)),
            Some(DomainId::new("domain2").unwrap())
        );
        let elsewhere = Sender {
            peer: "10.0.0.1".parse().unwrap(),
            ..sender
        };
        assert!(!Rights::of(&config, &elsewhere).known());
    }

    #[test]
    fn a_certificate_bound_source_needs_that_certificate() {
        let mut config = config();
        config.sources = vec![SourceConfig {
            application: Some("APP".into()),
            facility: None,
            address: None,
            certificate: Some("clinic-a".into()),
            feeds: vec!["domain2".into()],
            queries: vec![],
        }];
        let header = MessageHeader {
            sending_application: AssigningAuthority::new("APP", "", ""),
            ..MessageHeader::default()
        };
        let address = "127.0.0.1".parse().unwrap();
        let with = |certificate: Option<&str>| Peer {
            address,
            certificate: certificate.map(str::to_owned),
        };
        let domain = DomainId::new("domain2").unwrap();
        let rights =
            |peer: &Peer| Rights::of(&config, &Sender::of(&header, peer)).may_feed(&domain);
        assert!(rights(&with(Some("clinic-a"))));
        assert!(!rights(&with(Some("clinic-b"))));
        assert!(!rights(&with(None)));
        assert!(!Rights::of(&config, &Sender::of(&header, &Peer::plain(address))).known());
    }

    #[test]
    fn the_actor_names_the_certificate_when_there_is_one() {
        let header = MessageHeader {
            sending_application: AssigningAuthority::new("APP", "", ""),
            sending_facility: AssigningAuthority::new("", "1.2.3", "ISO"),
            ..MessageHeader::default()
        };
        let address = "10.0.0.7".parse().unwrap();
        let plain = Sender::of(&header, &Peer::plain(address)).actor();
        assert_eq!(
            (
                plain.who.as_str(),
                plain.from.as_str(),
                plain.channel.as_str()
            ),
            ("APP|1.2.3", "10.0.0.7", "mllp")
        );
        let peer = Peer {
            address,
            certificate: Some("clinic-a".to_owned()),
        };
        let tls = Sender::of(&header, &peer).actor();
        assert_eq!(
            (tls.who.as_str(), tls.from.as_str(), tls.channel.as_str()),
            ("APP|1.2.3|cn=clinic-a", "10.0.0.7", "mllp")
        );
    }

    #[test]
    fn an_open_listener_defaults_to_its_only_configured_domain() {
        let mut config = config();
        config.sources.clear();
        config.domains.truncate(1);
        let sender = Sender {
            application: AssigningAuthority::new("ANY", "", ""),
            facility: AssigningAuthority::default(),
            peer: "10.0.0.1".parse().unwrap(),
            certificate: None,
        };
        let rights = Rights::of(&config, &sender);
        assert!(rights.known());
        let mut domains = DomainRegistry::from_config(&config);
        let himss = DomainId::new("HIMSS2005").unwrap();
        assert_eq!(rights.default_domain(&domains), Some(himss.clone()));
        // Domains added at start-up (the demo population's) are not configured ones.
        domains.add(&DomainConfig {
            id: "DEMO".into(),
            namespace: Some("DEMO".into()),
            oid: None,
            system: None,
        });
        assert_eq!(rights.default_domain(&domains), Some(himss));
    }
}
