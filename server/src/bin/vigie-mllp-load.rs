//! `vigie-mllp-load`: a load generator for Vigie's MLLP listener (127.0.0.1 only). N
//! connections send ITI-8 feeds (`ADT^A01`), ITI-9 PIX queries or ITI-21 PDQ queries in
//! original mode (one message in flight per connection), bounded by a message count and a
//! duration; prints throughput and latency percentiles as JSON.
//!
//! ```text
//! vigie-mllp-load --addr 127.0.0.1:2575 --mode pix --connections 8 --count 10000 --seconds 30 \
//!     --prefill 1000 --sender HOSP_A --domain CHU-A
//! ```
//!
//! `--prefill K` first feeds K patients (not measured) so that queries find someone; PIX
//! queries ask for those ids, PDQ queries for their family names. Names and dates are synthetic.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder};
use vigie_hl7::mllp::MllpCodec;

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
}

const USAGE: &str = "usage: vigie-mllp-load [--addr 127.0.0.1:2575] [--mode feed|pix|pdq] \
[--connections 4] [--count 1000] [--seconds 30] [--prefill 0] [--sender HOSP_A] [--domain CHU-A]";

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
            _ => bail!("unknown option {arg}\n{USAGE}"),
        }
    }
    if !options.addr.ip().is_loopback() {
        bail!("vigie-mllp-load only targets a loopback address (127.0.0.1)");
    }
    if options.connections == 0 || options.count == 0 || options.seconds == 0 {
        bail!("--connections, --count and --seconds must be positive");
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
    format!(
        "MSH|^~\\&|{sender}|LOAD|VIGIE|VIGIE|20240101120000||QBP^Q23^QBP_Q21|X{n}|P|2.5\r\
         QPD|IHE PIX Query|T{n}|LOAD{id}^^^{domain}\rRCP|I\r",
        sender = o.sender,
        domain = o.domain,
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
                let message = match options.mode {
                    Mode::Feed => feed(&options, options.prefill + i),
                    Mode::Pix => pix(&options, i),
                    Mode::Pdq => pdq(&options, i),
                };
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
