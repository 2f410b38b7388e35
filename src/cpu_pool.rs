//! A few low-priority threads for the CPU-heavy steps of a request: RSA signing and
//! SHA-512-crypt.
//!
//! Running them inline stalls the async workers (on two cores, 64 logins at once starve
//! every other request); tokio's blocking pool would start a thread per waiting login and
//! let them all compete with the workers for the cores. Here one thread per core takes
//! jobs from a queue at the lowest scheduling priority, so the async
//! workers, which only parse, route and answer, always get the CPU first, and signing
//! uses whatever is left (SCHED_IDLE on Linux, else nice 10).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

type Job = Box<dyn FnOnce() + Send>;

/// The nice value of the pool's threads where SCHED_IDLE is refused.
const NICE: i32 = 10;

struct CpuPool {
    jobs: Mutex<Sender<Job>>,
}

fn pool() -> &'static CpuPool {
    static POOL: OnceLock<CpuPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        for index in 0..threads {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("deskplane-cpu-{index}"))
                .spawn(move || work(&queue));
            if let Err(error) = started {
                tracing::error!(%error, "could not start a CPU worker thread");
            }
        }
        CpuPool { jobs: Mutex::new(jobs) }
    })
}

fn work(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            // A panicking job drops its result sender (the caller gets `JobLost`); the
            // thread lives on for the next job.
            Ok(job) => {
                let _panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SCHED_IDLE: the kernel runs these threads only when no normal thread wants the
    // core, and a waking worker preempts them at once. Where that is refused, nice 10.
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: both calls only read their arguments; 0 is the calling thread on Linux.
    let idle = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } == 0;
    if !idle && unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICE) } != 0 {
        tracing::debug!("could not lower the CPU workers' priority; they run at the default");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// Why a job gave no result.
#[derive(Debug, thiserror::Error)]
#[error("the CPU worker pool dropped the job")]
pub struct JobLost;

/// Runs `work` on the pool and waits for its result without blocking the caller's thread.
///
/// # Errors
/// [`JobLost`] when the job panicked or the pool is gone.
pub async fn run<T, F>(work: F) -> Result<T, JobLost>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _caller_gone = done.send(work());
    });
    pool()
        .jobs
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(job)
        .map_err(|_| JobLost)?;
    result.await.map_err(|_| JobLost)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn jobs_run_off_the_caller_and_return_their_result() {
        let caller = std::thread::current().id();
        let (value, thread) = super::run(move || (6 * 7, std::thread::current().id())).await.unwrap();
        assert_eq!(value, 42);
        assert_ne!(thread, caller);
        let many: Vec<_> = (0..32).map(|n| super::run(move || n * 2)).collect();
        let results = futures::future::join_all(many).await;
        assert_eq!(
            results.into_iter().map(Result::unwrap).sum::<i32>(),
            (0..32).map(|n| n * 2).sum::<i32>()
        );
    }

    #[tokio::test]
    async fn a_panicking_job_is_reported_and_the_pool_keeps_working() {
        let lost = super::run(|| -> u8 { panic!("boom") }).await;
        assert!(lost.is_err());
        assert_eq!(super::run(|| 1).await.unwrap(), 1);
    }
}
