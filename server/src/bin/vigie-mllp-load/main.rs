//! `vigie-mllp-load`: a load generator for Vigie's MLLP listener (127.0.0.1 only). N
//! connections send ITI-8 feeds (`ADT^A01`), ITI-9 PIX queries or ITI-21 PDQ queries in
//! original mode (one message in flight per connection), bounded by a message count and a
//! duration; prints throughput and latency percentiles as JSON.
//!
//! ```text
//! vigie-mllp-load --addr 127.0.0.1:2575 --mode pdq --from base/records.csv --seed 1 \
//!     --connections 8 --count 20000 --seconds 60
//! vigie-mllp-load --mode pix --from base/records.csv --connections 8 --count 20000
//! vigie-mllp-load --mode pdq --from base/records.csv --count 20000 --write-paths pdqm.txt
//! vigie-mllp-load --mode pix --connections 8 --count 10000 --prefill 1000 --domain CHU-A
//! ```
//!
//! `--from FILE` takes the queries from a file made by `vigie generate` — the one imported into
//! the store with `vigie import` — sampled deterministically with `--seed` (the mix is in
//! `population.rs`): PDQ asks for family + given name + birth date mostly, some with a typo;
//! PIX asks for local ids of the file, in their domains (the server's configuration must declare
//! the file's `source` values as domains). With `--mode feed`, `--from FILE` sends the file's
//! records in order as `ADT^A01` (at most as many messages as records): give it a file that is
//! not in the store to register new identities. `--write-paths FILE` writes the same queries as
//! FHIR request paths (PDQm for `pdq`, PIXm for `pix`, one per line, systems
//! `--system-prefix` + domain) for an HTTP load tool, and sends nothing; for PDQ, `OUT.expected`
//! pairs each path with the identifier of the record it was drawn from.
//!
//! Without a file, `--prefill K` first feeds K synthetic patients (not measured) so that
//! queries find someone; PIX queries ask for those ids, PDQ queries for their family names (a
//! worst case: few very common names, no birth date). Names and dates are synthetic.

mod population;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};
use vigie_hl7::mllp::MllpCodec;

use population::{PdqCriteria, Population, hl7_escape, pdqm_path, pixm_path};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Feed,
    Pix,
    Pdq,
}

#[derive(Debug, Clone)]
struct Options {
    addr: SocketAddr,
    mode: Mode,
    connections: usize,
    count: u64,
    seconds: u64,
    prefill: u64,
    sender: String,
    domain: String,
    from: Option<PathBuf>,
    seed: u64,
    write_paths: Option<PathBuf>,
    system_prefix: String,
}

const USAGE: &str = "usage: vigie-mllp-load [--addr 127.0.0.1:2575] [--mode feed|pix|pdq] \
[--connections 4] [--count 1000] [--seconds 30] [--from FILE.csv [--seed 1] \
[--write-paths OUT [--system-prefix urn:vigie:]]] [--prefill 0] [--sender HOSP_A] [--domain CHU-A]";

fn parse_options() -> anyhow::Result<Options> {
    let mut options = Options {
        addr: "127.0.0.1:2575".parse()?,
        mode: Mode::Feed,
        connections: 4,
        count: 1000,
        seconds: 30,
        prefill: 0,
        sender: "HOSP_A".to_owned(),
        domain: "CHU-A".to_owned(),
        from: None,
        seed: 1,
        write_paths: None,
        system_prefix: "urn:vigie:".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .with_context(|| format!("{arg} needs a value\n{USAGE}"))?;
        match arg.as_str() {
            "--addr" => options.addr = value.parse().context("--addr host:port")?,
            "--mode" => {
                options.mode = match value.as_str() {
                    "feed" => Mode::Feed,
                    "pix" => Mode::Pix,
                    "pdq" => Mode::Pdq,
                    _ => bail!("--mode feed|pix|pdq"),
                }
            }
            "--connections" => options.connections = value.parse()?,
            "--count" => options.count = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--prefill" => options.prefill = value.parse()?,
            "--sender" => options.sender = value,
            "--domain" => options.domain = value,
            "--from" => options.from = Some(PathBuf::from(value)),
            "--seed" => options.seed = value.parse()?,
            "--write-paths" => options.write_paths = Some(PathBuf::from(value)),
            "--system-prefix" => options.system_prefix = value,
            _ => bail!("unknown option {arg}\n{USAGE}"),
        }
    }
    if !options.addr.ip().is_loopback() {
        bail!("vigie-mllp-load only targets a loopback address (127.0.0.1)");
    }
    if options.connections == 0 || options.count == 0 || options.seconds == 0 {
        bail!("--connections, --count and --seconds must be positive");
    }
    if options.from.is_some() {
        if options.prefill > 0 {
            bail!("--prefill is for runs without --from (the store holds the file already)");
        }
    } else if options.write_paths.is_some() {
        bail!("--write-paths needs --from");
    }
    Ok(options)
}

const FAMILIES: &[&str] = &[
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
    "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX",
];
const GIVEN: &[&str] = &[
    "MARIE", "JEAN", "PIERRE", "ANNE", "LOUIS", "CLAIRE", "PAUL", "JULIE", "HUGO", "EMMA",
];

fn family(n: u64) -> &'static str {
    FAMILIES[(n as usize) % FAMILIES.len()]
}

fn feed(o: &Options, n: u64) -> String {
    let given = GIVEN[(n as usize / FAMILIES.len()) % GIVEN.len()];
    let year = 1930 + n % 80;
    let month = 1 + n % 12;
    let day = 1 + n % 28;
    let sex = if n.is_multiple_of(2) { "F" } else { "M" };
    format!(
        "MSH|^~\\&|{sender}|LOAD|VIGIE|VIGIE|20240101120000||ADT^A01^ADT_A01|F{n}|P|2.5\r\
         EVN|A01|20240101120000\r\
         PID|||LOAD{n}^^^{domain}^PI||{family}^{given}^^^^^L||{year}{month:02}{day:02}|{sex}\r\
         PV1||O\r",
        sender = o.sender,
        domain = o.domain,
        family = family(n),
    )
}

fn pix(o: &Options, n: u64) -> String {
    let id = if o.prefill > 0 { n % o.prefill } else { n };
    pix_message(o, n, &format!("LOAD{id}"), &o.domain)
}

fn pix_message(o: &Options, n: u64, local_id: &str, domain: &str) -> String {
    format!(
        "MSH|^~\\&|{sender}|LOAD|VIGIE|VIGIE|20240101120000||QBP^Q23^QBP_Q21|X{n}|P|2.5\r\
         QPD|IHE PIX Query|T{n}|{local_id}^^^{domain}\rRCP|I\r",
        sender = o.sender,
        local_id = hl7_escape(local_id),
        domain = hl7_escape(domain),
    )
}

fn pdq(o: &Options, n: u64) -> String {
    format!(
        "MSH|^~\\&|{sender}|LOAD|VIGIE|VIGIE|20240101120000||QBP^Q22^QBP_Q21|D{n}|P|2.5\r\
         QPD|IHE PDQ Query|T{n}|@PID.5.1.1^{family}~@PID.5.2^{given}\rRCP|I|10^RD\r",
        sender = o.sender,
        family = family(n),
        given = GIVEN[(n as usize / FAMILIES.len()) % GIVEN.len()],
    )
}

fn pdq_message(o: &Options, n: u64, criteria: &PdqCriteria) -> String {
    let mut parameters = format!("@PID.5.1.1^{}", hl7_escape(&criteria.family));
    if let Some(given) = &criteria.given {
        parameters.push_str("~@PID.5.2^");
        parameters.push_str(&hl7_escape(given));
    }
    if let Some((y, m, d)) = criteria.birth_date {
        parameters.push_str(&format!("~@PID.7.1^{y:04}{m:02}{d:02}"));
    }
    format!(
        "MSH|^~\\&|{sender}|LOAD|VIGIE|VIGIE|20240101120000||QBP^Q22^QBP_Q21|D{n}|P|2.5\
         ||||||UNICODE UTF-8\rQPD|IHE PDQ Query|T{n}|{parameters}\rRCP|I|10^RD\r",
        sender = o.sender,
    )
}

/// Message number `n` of the run.
fn message(o: &Options, population: Option<&Population>, n: u64) -> anyhow::Result<String> {
    Ok(match (o.mode, population) {
        (Mode::Feed, None) => feed(o, o.prefill + n),
        (Mode::Feed, Some(p)) => {
            let pid = p
                .feed_pid(n)
                .context("no record with a domain and a local id at this position")?;
            format!(
                "MSH|^~\\&|{sender}|LOAD|VIGIE|VIGIE|20240101120000||ADT^A01^ADT_A01|F{n}|P|2.5\
                 ||||||UNICODE UTF-8\rEVN|A01|20240101120000\r{pid}\rPV1||O\r",
                sender = o.sender,
            )
        }
        (Mode::Pix, None) => pix(o, n),
        (Mode::Pdq, None) => pdq(o, n),
        (Mode::Pix, Some(p)) => {
            let id = p.pix(o.seed, n).context("no record with a local id")?;
            pix_message(o, n, &id.local_id, &id.domain)
        }
        (Mode::Pdq, Some(p)) => {
            let q = p.pdq(o.seed, n).context("no record with a family name")?;
            pdq_message(o, n, &q)
        }
    })
}

/// `--write-paths`: the run's queries as FHIR request paths, one per line; for PDQ, a sibling
/// `OUT.expected` file gives, line for line, the path and the identifier of the record the query
/// was drawn from (`system|value`, tab-separated), to check that a search finds that patient.
fn write_paths(o: &Options, population: &Population, out: &Path) -> anyhow::Result<()> {
    let mut text = String::new();
    let mut expected = String::new();
    for n in 0..o.count {
        let path = match o.mode {
            Mode::Pdq => {
                let criteria = population.pdq(o.seed, n).context("no family name")?;
                let path = pdqm_path(&criteria);
                if let Some(origin) = &criteria.origin {
                    expected.push_str(&format!(
                        "{path}\t{}{}|{}\n",
                        o.system_prefix, origin.domain, origin.local_id
                    ));
                }
                path
            }
            Mode::Pix => pixm_path(
                &population.pix(o.seed, n).context("no local id")?,
                &o.system_prefix,
            ),
            Mode::Feed => bail!("--write-paths applies to --mode pix and pdq"),
        };
        text.push_str(&path);
        text.push('\n');
    }
    std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
    if o.mode == Mode::Pdq {
        let mut name = out.as_os_str().to_owned();
        name.push(".expected");
        let sibling = PathBuf::from(name);
        std::fs::write(&sibling, expected)
            .with_context(|| format!("writing {}", sibling.display()))?;
    }
    Ok(())
}

struct Connection {
    stream: TcpStream,
    codec: MllpCodec,
    buffer: BytesMut,
}

impl Connection {
    async fn open(addr: SocketAddr) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            codec: MllpCodec::default(),
            buffer: BytesMut::new(),
        })
    }

    /// Sends one message and returns MSA-1 of the reply.
    async fn exchange(&mut self, message: &str) -> anyhow::Result<String> {
        let mut out = BytesMut::new();
        self.codec.encode(message.as_bytes(), &mut out)?;
        self.stream.write_all(&out).await?;
        loop {
            if let Some(frame) = self.codec.decode(&mut self.buffer)? {
                let text = String::from_utf8_lossy(&frame);
                let msa = text
                    .split('\r')
                    .find(|s| s.starts_with("MSA|"))
                    .and_then(|s| s.split('|').nth(1))
                    .unwrap_or("")
                    .to_owned();
                return Ok(msa);
            }
            if self.stream.read_buf(&mut self.buffer).await? == 0 {
                bail!("connection closed by the server");
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted
        .get(rank.min(sorted.len() - 1))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Arc::new(parse_options()?);
    let population = match &options.from {
        Some(path) => Some(Arc::new(Population::read(path)?)),
        None => None,
    };
    if let (Some(out), Some(population)) = (&options.write_paths, &population) {
        write_paths(&options, population, out)?;
        eprintln!(
            "{} request paths written to {} ({} records in the file)",
            options.count,
            out.display(),
            population.len()
        );
        return Ok(());
    }
    if options.prefill > 0 {
        let mut connection = Connection::open(options.addr).await?;
        for n in 0..options.prefill {
            connection.exchange(&feed(&options, n)).await?;
        }
    }
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..options.connections {
        let options = options.clone();
        let population = population.clone();
        let next = next.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut connection = Connection::open(options.addr).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= options.count || Instant::now() >= deadline {
                    break;
                }
                let message = message(&options, population.as_deref(), i)?;
                let sent = Instant::now();
                let msa = connection.exchange(&message).await?;
                latencies.push(sent.elapsed());
                if msa != "AA" {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let report = serde_json::json!({
        "mode": format!("{:?}", options.mode).to_lowercase(),
        "queries": if options.from.is_some() { "file" } else { "synthetic" },
        "seed": options.seed,
        "connections": options.connections,
        "messages": latencies.len(),
        "not_aa": errors.load(Ordering::Relaxed),
        "seconds": elapsed,
        "throughput_per_sec": if elapsed > 0.0 { latencies.len() as f64 / elapsed } else { 0.0 },
        "p50_ms": percentile(&latencies, 50.0),
        "p99_ms": percentile(&latencies, 99.0),
        "max_ms": latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    });
    println!("{report}");
    Ok(())
}
