//! The render pool: runs CPU-bound work on blocking threads, at most `max_concurrent` at a
//! time with at most `max_queue` more waiting, and sheds the rest at once.
//!
//! Two semaphores do it. An *admission* permit (running plus queued) is taken first, without
//! waiting for unary calls, so a saturated server answers RESOURCE_EXHAUSTED straight away
//! instead of queueing without bound. A *running* permit is then awaited. Both permits move
//! into the blocking task, so a render whose caller gave up (deadline, disconnect) still
//! counts against capacity until it really finishes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::error::Error;

/// How a caller waits for a place in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Fail with [`Error::Overloaded`] at once when the queue is full (unary calls).
    FailFast,
    /// Wait for a place (batch items, whose stream already bounds its own parallelism).
    Wait,
}

/// Where a render runs once it has its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// On a blocking thread: every render that may take long.
    Blocking,
    /// On the async worker that took the call, for renders known to take well under a
    /// millisecond (a plain-text article): handing them to another thread and back would
    /// cost more than the work. They hold the same permits, so the limits are the same.
    Inline,
}

/// Bounded execution of renders off the async runtime.
#[derive(Debug)]
pub(crate) struct RenderPool {
    admission: Arc<Semaphore>,
    running: Arc<Semaphore>,
    max_running: usize,
    max_queued: usize,
    in_flight: AtomicUsize,
    /// The threads the machine can run at once.
    cores: usize,
}

impl RenderPool {
    pub(crate) fn new(max_running: usize, max_queued: usize) -> Self {
        let max_running = max_running.max(1);
        RenderPool {
            admission: Arc::new(Semaphore::new(max_running + max_queued)),
            running: Arc::new(Semaphore::new(max_running)),
            max_running,
            max_queued,
            in_flight: AtomicUsize::new(0),
            cores: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }

    /// Runs `work` once a slot is free, unless `deadline` passes first: on a blocking thread,
    /// or inline for work that is known to be small.
    pub(crate) async fn run<T, F>(
        self: &Arc<Self>,
        admission: Admission,
        place: Place,
        deadline: Option<Instant>,
        work: F,
    ) -> Result<T, Error>
    where
        F: FnOnce() -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let queued = match admission {
            Admission::FailFast => self.admission.clone().try_acquire_owned().map_err(|_| {
                metrics::counter!(super::metrics::SHED).increment(1);
                Error::Overloaded {
                    running: self.max_running,
                    queued: self.max_queued,
                }
            })?,
            Admission::Wait => self
                .admission
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| Error::ShuttingDown)?,
        };
        let task = async {
            let waiting = Waiting::new();
            let running = self
                .running
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| Error::ShuttingDown)?;
            drop(waiting);
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::DeadlineExceeded);
            }
            let pool = Arc::clone(self);
            pool.in_flight.fetch_add(1, Ordering::Relaxed);
            metrics::gauge!(super::metrics::IN_FLIGHT).increment(1.0);
            if place == Place::Inline {
                let _permits = (queued, running);
                let _count = InFlight(&pool);
                return std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or(Err(Error::Panicked));
            }
            let handle = tokio::task::spawn_blocking(move || {
                let _permits = (queued, running);
                let _count = InFlight(&pool);
                work()
            });
            match handle.await {
                Ok(result) => result,
                Err(join) if join.is_panic() => Err(Error::Panicked),
                Err(_) => Err(Error::ShuttingDown),
            }
        };
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, task)
                .await
                .unwrap_or(Err(Error::DeadlineExceeded)),
            None => task.await,
        }
    }

    /// The cores no render is using right now, which a running render may borrow.
    pub(crate) fn spare_threads(&self) -> usize {
        self.cores
            .saturating_sub(self.in_flight.load(Ordering::Relaxed))
    }

    /// Renders running right now.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }
}

/// Decrements the in-flight count when a render ends, however it ends.
struct InFlight<'a>(&'a RenderPool);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        metrics::gauge!(super::metrics::IN_FLIGHT).decrement(1.0);
    }
}

/// Counts a request in the queue depth while it waits for a render slot, however the wait
/// ends.
struct Waiting;

impl Waiting {
    fn new() -> Self {
        metrics::gauge!(super::metrics::QUEUE_DEPTH).increment(1.0);
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        metrics::gauge!(super::metrics::QUEUE_DEPTH).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[tokio::test]
    async fn sheds_work_beyond_slots_and_queue() {
        let pool = Arc::new(RenderPool::new(1, 0));
        let (release, wait) = mpsc::channel::<()>();
        let busy = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                pool.run(Admission::FailFast, Place::Blocking, None, move || {
                    wait.recv().ok();
                    Ok(())
                })
                .await
            })
        };
        while pool.in_flight() == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let shed = pool
            .run(Admission::FailFast, Place::Blocking, None, || Ok(()))
            .await;
        assert!(matches!(shed, Err(Error::Overloaded { .. })));
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        pool.run(Admission::FailFast, Place::Blocking, None, || Ok(()))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_running_render_takes_a_core_from_the_spare_ones() {
        let pool = Arc::new(RenderPool::new(4, 0));
        let cores = pool.cores;
        assert_eq!(pool.spare_threads(), cores);
        let seen = {
            let pool = Arc::clone(&pool);
            let inner = Arc::clone(&pool);
            pool.run(Admission::FailFast, Place::Blocking, None, move || {
                Ok(inner.spare_threads())
            })
            .await
            .unwrap()
        };
        assert_eq!(seen, cores - 1, "the render itself uses a core");
        assert_eq!(pool.spare_threads(), cores);
    }

    #[tokio::test]
    async fn contains_a_panic_to_its_request() {
        let pool = Arc::new(RenderPool::new(1, 0));
        let crashed = pool
            .run(
                Admission::FailFast,
                Place::Blocking,
                None,
                || -> Result<(), Error> { panic!("renderer bug") },
            )
            .await;
        assert!(matches!(crashed, Err(Error::Panicked)));
        pool.run(Admission::FailFast, Place::Blocking, None, || Ok(()))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_expired_deadline_skips_the_work() {
        let pool = Arc::new(RenderPool::new(1, 0));
        let past = Instant::now();
        tokio::time::sleep(Duration::from_millis(2)).await;
        let result = pool
            .run(Admission::FailFast, Place::Blocking, Some(past), || Ok(()))
            .await;
        assert!(matches!(result, Err(Error::DeadlineExceeded)));
    }
}
