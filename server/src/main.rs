//! `vigie-server [--config FILE]`: loads the configuration (defaults when absent), opens the
//! engine, loads the demo population into an empty store when asked, applies the audit
//! retention (at start, then hourly), and serves HTTP (FHIR + admin) and MLLP (each over TLS
//! when configured, the certificate reloaded when its files change) until SIGTERM or Ctrl-C,
//! letting in-flight requests finish.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use vigie_engine::{Actor, Engine, EngineConfig, SyncPolicy};
use vigie_server::auth::Authenticator;
use vigie_server::config::{Config, RETENTION_INTERVAL};
use vigie_server::domains::DomainRegistry;
use vigie_server::metrics::Metrics;
use vigie_server::mllp::{self, MllpState};
use vigie_server::{AppState, demo, http, logging, retention, tls};

/// mimalloc instead of the system allocator: the server allocates and frees many small strings
/// per request (decoded rows, name keys, FHIR resources) from several threads, where glibc's
/// malloc took about 15 % of the CPU time of a PDQm search.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: vigie-server [--config FILE]";

fn parse_args() -> anyhow::Result<Option<PathBuf>> {
    let mut args = std::env::args().skip(1);
    let mut config = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" | "-c" => {
                config = Some(PathBuf::from(args.next().context("--config needs a file")?));
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    Ok(config)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn main() -> anyhow::Result<()> {
    let config_path = parse_args()?;
    let config = match &config_path {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| logging::DEFAULT_FILTER.to_owned());
    // Log lines are written by a background thread: a request never waits for stderr (a
    // write that blocks on a full pipe or on page-cache writeback stalled a whole runtime
    // worker, and every connection on it, for hundreds of milliseconds). The guard flushes
    // what is pending when main returns.
    let (log_writer, _log_guard) = logging::background_writer(std::io::stderr());
    tracing::subscriber::set_global_default(logging::json_subscriber(&filter, log_writer))
        .context("installing the log subscriber")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(config))
}

async fn run(config: Config) -> anyhow::Result<()> {
    let model = match &config.server.model {
        Some(path) => Some(
            vigie_batch::model_file::load(path)
                .with_context(|| format!("loading the model {}", path.display()))?
                .0,
        ),
        None => None,
    };
    let engine_config = EngineConfig {
        data_dir: config.server.data_dir.clone(),
        model,
        sync: SyncPolicy::Always,
        candidate_limit: config.server.candidate_limit,
        cache_mb: config.server.cache_mb,
    };
    let engine = tokio::task::spawn_blocking(move || Engine::open(engine_config))
        .await
        .context("opening the engine")?
        .context("opening the engine")?;
    engine.set_access_sync(config.audit.access_sync.engine());
    let engine = Arc::new(engine);
    if let Some(warning) = config.audit.retention_warning() {
        tracing::warn!(retention_days = config.audit.retention_days, "{warning}");
    }
    // One domain registry for both listeners: the configured domains, plus the demo
    // population's when it is loaded.
    let mut domains = DomainRegistry::from_config(&config);
    if config.server.demo_when_empty {
        let persons = config.server.demo_persons;
        let engine = engine.clone();
        let demo_domains = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let records = demo::demo_records(persons)?;
            let domains = demo::demo_domains(&records);
            if engine.stats()?.sources == 0 {
                let count = records.len();
                let actor = Actor {
                    who: "vigie-server".into(),
                    from: "local".into(),
                    channel: "cli".into(),
                };
                let stats = engine.import(records, &actor)?;
                tracing::info!(
                    records = count,
                    enterprises = stats.enterprises,
                    "demo population imported"
                );
            }
            Ok(domains)
        })
        .await
        .context("loading the demo population")??;
        for domain in &demo_domains {
            domains.add(domain);
        }
    }
    let auth = Authenticator::from_config(&config)?;
    let server_tls = match &config.tls {
        Some(section) => Some(tls::ServerTls::load(section).context("loading [tls]")?),
        None => None,
    };
    let tls_config = match &server_tls {
        Some(server_tls) => Some(server_tls.https_config()?),
        None => None,
    };
    let mllp_tls_config = match &server_tls {
        Some(server_tls) if config.mllp.tls => Some(server_tls.mllp_config(&config.mllp)?),
        _ => None,
    };
    let http_addr = config.server.http_addr;
    let mllp_addr = config.server.mllp_addr;
    let grace = Duration::from_secs(config.server.shutdown_grace_secs);
    let domains = Arc::new(domains);
    let mut mllp_state =
        MllpState::new(engine.clone(), Arc::new(config.clone())).with_domains(domains.clone());
    if let Some(mllp_tls) = mllp_tls_config {
        mllp_state = mllp_state.with_tls(mllp_tls);
    }
    if let Some(server_tls) = &server_tls {
        mllp_state = mllp_state.with_client_identity(server_tls.certificate().clone());
    }
    // ITI-10 consumers over TLS: refuse to start on unusable settings.
    let default_ca = config.tls.as_ref().and_then(|t| t.client_ca.as_deref());
    for consumer in &config.consumers {
        mllp::notifier::link(consumer, mllp_state.client_identity(), default_ca)
            .with_context(|| format!("ITI-10 consumer {}", consumer.name))?;
    }
    let retention = config
        .audit
        .retention()
        .map(|period| (period, engine.clone()));
    let state = AppState::new(engine, config, domains, auth, Metrics::install());
    let listener =
        std::net::TcpListener::bind(http_addr).with_context(|| format!("binding {http_addr}"))?;
    let mllp_listener = tokio::net::TcpListener::bind(mllp_addr)
        .await
        .with_context(|| format!("binding {mllp_addr}"))?;
    tracing::info!(addr = %http_addr, tls = tls_config.is_some(), "http listening");
    tracing::info!(addr = %mllp_addr, tls = mllp_state.is_tls(), "mllp listening");

    // One shutdown signal (SIGTERM / ctrl-c) fans out to the HTTP server, the MLLP listener,
    // the ITI-10 notifier and the audit retention task; each finishes its in-flight work.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        while !*rx.borrow() {
            if rx.changed().await.is_err() {
                break;
            }
        }
    };
    let mllp = tokio::spawn(mllp::serve(
        mllp_listener,
        mllp_state.clone(),
        stopped(stop_rx.clone()),
    ));
    let notifier = tokio::spawn(mllp::notifier::run(mllp_state, stopped(stop_rx.clone())));
    // One watcher reloads the certificate and client CA both listeners consult at each
    // handshake.
    let reloader = server_tls.map(|server_tls| {
        let stop = stopped(stop_rx.clone());
        tokio::spawn(async move { server_tls.watch(stop).await })
    });
    let pruner = retention.map(|(period, engine)| {
        tokio::spawn(retention::run(
            engine,
            period,
            RETENTION_INTERVAL,
            stopped(stop_rx.clone()),
        ))
    });
    http::serve(
        listener,
        http::router(state),
        tls_config,
        stopped(stop_rx),
        grace,
    )
    .await
    .context("serving http")?;
    match mllp.await {
        Ok(result) => result.context("serving mllp")?,
        Err(error) => tracing::error!(%error, "mllp listener task failed"),
    }
    if let Err(error) = notifier.await {
        tracing::error!(%error, "notifier task failed");
    }
    if let Some(reloader) = reloader
        && let Err(error) = reloader.await
    {
        tracing::error!(%error, "certificate reload task failed");
    }
    if let Some(pruner) = pruner
        && let Err(error) = pruner.await
    {
        tracing::error!(%error, "audit retention task failed");
    }
    tracing::info!("stopped");
    Ok(())
}
