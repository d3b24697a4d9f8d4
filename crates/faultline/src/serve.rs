//! `faultline serve`: opens the store, builds the app and serves it until SIGTERM/SIGINT,
//! then drains the write queue and exits.

use anyhow::Context;
use faultline_store::{BootstrapRequest, Durability, Store, StoreOptions};
use faultline_web::{AppState, WebConfig};
use metrics_exporter_prometheus::PrometheusBuilder;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

use crate::cli::{DurabilityArg, ServeArgs};

/// Threads for decoding, parsing, processing and reads. The work is CPU-bound, so threads far
/// beyond the core count only add switches and per-thread memory (tokio's default is 512).
const BLOCKING_THREADS_MAX: usize = 16;

/// How often histogram samples are folded into their summaries.
const METRICS_UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_json);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS_MAX)
        .build()?
        .block_on(serve(args))
}

fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_env("FAULTLINE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).context("installing the metrics recorder")?;
    // A recorder built without the exporter's own listener needs its upkeep run by us, or
    // histogram samples pile up between scrapes.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(METRICS_UPKEEP_INTERVAL);
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });

    let data_dir = &args.storage.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let durability = match args.durability {
        DurabilityArg::Full => Durability::Full,
        DurabilityArg::Process => Durability::Process,
    };
    let options = StoreOptions {
        queue_capacity: args.queue_capacity,
        durability,
        ..StoreOptions::default()
    };
    let store = Store::open(data_dir, options)
        .with_context(|| format!("opening the store in {}", data_dir.display()))?;

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let local = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));

    first_start(&store, &public_url).await?;
    // Building the user-agent parser takes a noticeable moment; do it before traffic arrives.
    tokio::task::spawn_blocking(faultline_protocol::process::user_agent::warm_up);
    tokio::spawn(wake_snoozed_issues(store.clone()));

    let config = WebConfig {
        public_url: public_url.clone(),
        trust_forwarded_for: args.trust_forwarded_for,
    };
    let state =
        AppState::new(store.clone(), config).with_metrics(Arc::new(move || handle.render()));
    let app = faultline_web::app(state);

    println!("faultline listening on {public_url}");
    std::io::stdout().flush().ok();
    tracing::info!(%local, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving")?;
    tracing::info!("draining the write queue");
    store.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// How often ignored issues whose ignore-until time has passed are brought back.
const SNOOZE_SWEEP_SECS: u64 = 30;

/// Brings back ignored issues whose time ran out without an event (an event after that time
/// wakes them at once). Runs until the store shuts down.
async fn wake_snoozed_issues(store: Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(SNOOZE_SWEEP_SECS));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match store.clear_expired_snoozes().await {
            Ok(0) => {}
            Ok(woken) => tracing::info!(woken, "ignored issues came back: their time ran out"),
            Err(faultline_store::StoreError::ShuttingDown) => return,
            Err(err) => tracing::warn!(error = %err, "could not wake snoozed issues"),
        }
    }
}

/// On the very first start (no organization yet) creates an administrator and a first
/// project and prints how to reach them.
async fn first_start(store: &Store, public_url: &str) -> anyhow::Result<()> {
    if store.has_organizations().await? {
        return Ok(());
    }
    let result = store
        .bootstrap(BootstrapRequest {
            org_slug: "faultline".into(),
            project_slug: "default".into(),
            admin_email: "admin@localhost".into(),
            rate_limit: None,
        })
        .await?;
    let dsn = crate::bootstrap::dsn(public_url, &result);
    println!("faultline is ready at {public_url}");
    if let Some(password) = &result.admin_password {
        println!("  login:     admin@localhost / {password}");
    }
    println!("  api token: {}", result.token);
    println!("  dsn:       {dsn}");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
