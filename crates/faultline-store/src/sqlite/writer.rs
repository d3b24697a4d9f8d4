//! The writer thread: the only owner of the write connection.
//!
//! It blocks for the first queued job, drains whatever else is queued (up to `batch_rows_max`
//! rows), runs all of it in ONE transaction with cached statements, commits, and only then
//! answers every waiter (group commit: one fsync for the whole batch). Each request runs under
//! its own savepoint, so a request that fails is rolled back and answered with its error while
//! the rest of the batch commits. If the commit itself fails, everything is rolled back and
//! every waiter hears so. Administrative writes ([`Job::Exclusive`]) run alone between batches.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::Instant;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::apply;
use super::batch::BatchState;
use crate::StoreError;
use crate::write::{EncodedOp, WriteReceipt};

/// The answer a waiter gets once its batch is committed (or failed).
pub(crate) type Reply = oneshot::Sender<Result<WriteReceipt, StoreError>>;

/// A queued unit of work for the writer.
pub(crate) enum Job {
    /// One request's ops; committed with whatever else is queued.
    Write { ops: Vec<EncodedOp>, reply: Reply },
    /// Runs alone with the write connection, between batches; the closure answers its caller.
    Exclusive(Box<dyn FnOnce(&mut Connection) + Send>),
}

/// The queue's sending side and the thread, as the backend holds them.
pub(crate) struct Writer {
    /// `None` once shutdown began: no new jobs are accepted.
    sender: RwLock<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    capacity: usize,
}

impl Writer {
    /// Starts the writer thread with its connection.
    pub(crate) fn start(
        conn: Connection,
        capacity: usize,
        batch_rows_max: usize,
    ) -> Result<Writer, StoreError> {
        assert!(
            capacity > 0 && batch_rows_max > 0,
            "queue capacity and batch rows must be positive"
        );
        let (sender, receiver) = mpsc::channel(capacity);
        let thread = std::thread::Builder::new()
            .name("faultline-store-writer".into())
            .spawn(move || run(conn, receiver, batch_rows_max))?;
        Ok(Writer {
            sender: RwLock::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
            capacity,
        })
    }

    /// Enqueues a job without waiting: `QueueFull` when there is no room.
    pub(crate) fn try_send(&self, job: Job) -> Result<(), StoreError> {
        let guard = self.sender.read().unwrap_or_else(PoisonError::into_inner);
        let sender = guard.as_ref().ok_or(StoreError::ShuttingDown)?;
        sender.try_send(job).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => StoreError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => StoreError::ShuttingDown,
        })
    }

    /// Enqueues a job, waiting for room (administrative writes, which must not be refused).
    pub(crate) async fn send(&self, job: Job) -> Result<(), StoreError> {
        let sender = {
            let guard = self.sender.read().unwrap_or_else(PoisonError::into_inner);
            guard.clone().ok_or(StoreError::ShuttingDown)?
        };
        sender.send(job).await.map_err(|_| StoreError::ShuttingDown)
    }

    /// Returns the number of queued jobs (requests) not yet taken by the writer.
    pub(crate) fn depth(&self) -> usize {
        let guard = self.sender.read().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_ref()
            .map_or(0, |sender| sender.max_capacity() - sender.capacity())
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Returns whether jobs are accepted and the thread is there to run them.
    pub(crate) fn is_running(&self) -> bool {
        let guard = self.sender.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().is_some_and(|sender| !sender.is_closed())
    }

    /// Stops accepting jobs and returns the thread to join; the thread exits after it has
    /// committed everything already queued. `None` if shutdown already began.
    pub(crate) fn close(&self) -> Option<JoinHandle<()>> {
        self.sender
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// A write request taken off the queue.
struct Request {
    ops: Vec<EncodedOp>,
    reply: Reply,
}

fn run(mut conn: Connection, mut receiver: mpsc::Receiver<Job>, batch_rows_max: usize) {
    let mut carried: Option<Job> = None;
    loop {
        let Some(job) = carried.take().or_else(|| receiver.blocking_recv()) else {
            break; // every sender is gone and the queue is drained
        };
        match job {
            Job::Exclusive(work) => {
                // A panic here is a bug in the job; the job's caller sees its reply dropped.
                if catch_unwind(AssertUnwindSafe(|| work(&mut conn))).is_err() {
                    tracing::error!("administrative write panicked; writer continues");
                }
            }
            Job::Write { ops, reply } => {
                let mut rows = ops.len();
                let mut batch = vec![Request { ops, reply }];
                while rows < batch_rows_max {
                    match receiver.try_recv() {
                        Ok(Job::Write { ops, reply }) if rows + ops.len() <= batch_rows_max => {
                            rows += ops.len();
                            batch.push(Request { ops, reply });
                        }
                        Ok(other) => {
                            carried = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                metrics::gauge!("faultline_store_queue_depth").set(receiver.len() as f64);
                if catch_unwind(AssertUnwindSafe(|| commit_batch(&mut conn, batch, rows))).is_err()
                {
                    // The transaction rolled back while unwinding; waiters see their reply dropped.
                    tracing::error!(
                        rows,
                        "write batch panicked and was rolled back; writer continues"
                    );
                }
            }
        }
    }
    // A clean shutdown folds the WAL back into the database so the next start reads one file.
    if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::warn!(error = %err, "wal checkpoint at shutdown failed");
    }
}

/// Runs, commits and answers one batch.
fn commit_batch(conn: &mut Connection, batch: Vec<Request>, rows: usize) {
    assert!(
        !batch.is_empty() && rows > 0,
        "a batch has at least one row"
    );
    let started = Instant::now();
    let (requests, replies): (Vec<Vec<EncodedOp>>, Vec<Reply>) = batch
        .into_iter()
        .map(|request| (request.ops, request.reply))
        .unzip();
    match execute(conn, &requests) {
        Ok((results, state)) => {
            metrics::histogram!("faultline_store_commit_seconds")
                .record(started.elapsed().as_secs_f64());
            metrics::histogram!("faultline_store_batch_rows").record(rows as f64);
            metrics::counter!("faultline_store_events_written_total", "type" => "error")
                .increment(state.events_written);
            metrics::counter!("faultline_store_events_written_total", "type" => "transaction")
                .increment(state.transactions_written);
            for (reply, result) in replies.into_iter().zip(results) {
                // A waiter that stopped waiting (client gone) is fine: its data is committed.
                let _ = reply.send(result.map(|()| WriteReceipt { batch_rows: rows }));
            }
        }
        Err(err) => {
            tracing::error!(error = %err, rows, requests = replies.len(), "write batch failed and was rolled back");
            let message = err.to_string();
            for reply in replies {
                let _ = reply.send(Err(StoreError::BatchFailed(message.clone())));
            }
        }
    }
}

/// Runs every request under its own savepoint, flushes the batch's counts and commits.
/// Returns each request's result; `Err` means nothing of the batch was committed.
fn execute(
    conn: &mut Connection,
    requests: &[Vec<EncodedOp>],
) -> Result<(Vec<Result<(), StoreError>>, BatchState), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut state = BatchState::default();
    let mut results = Vec::with_capacity(requests.len());
    for ops in requests {
        let mut scratch = BatchState::default();
        // Cached savepoint statements: rusqlite's `Savepoint` would parse them for every request.
        tx.prepare_cached("SAVEPOINT request")?.execute([])?;
        match apply::request(&tx, ops, &state, &mut scratch) {
            Ok(()) => {
                tx.prepare_cached("RELEASE request")?.execute([])?;
                state.merge(scratch);
                results.push(Ok(()));
            }
            Err(err) => {
                // If even the rollback fails, the transaction is unusable and the batch fails.
                tx.prepare_cached("ROLLBACK TO request")?.execute([])?;
                tx.prepare_cached("RELEASE request")?.execute([])?;
                tracing::warn!(error = %err, ops = ops.len(), "write request failed and was rolled back");
                results.push(Err(err));
            }
        }
    }
    state.flush(&tx)?;
    tx.commit()?;
    Ok((results, state))
}
