//! Per-key rate limits: `count` events per `window_secs`, counted in fixed windows aligned to
//! the epoch, like Sentry's quotas. A fixed window (rather than a GCRA bucket) is what lets us
//! tell the SDK exactly when the limit lifts: the end of the current window is the
//! `Retry-After` we send.

use std::collections::HashMap;
use std::sync::Mutex;

/// Keys tracked at most before old windows are pruned.
const RATE_LIMIT_KEYS_MAX: usize = 100_000;

#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: Mutex<HashMap<i64, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    start_secs: u64,
    used: u64,
}

/// The answer for one item: allowed, or limited until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Allowed,
    Limited { retry_after_secs: u64 },
}

impl RateLimiter {
    /// Counts `quantity` against key `key_id`'s window of `window_secs` holding at most `count`.
    pub(crate) fn check(
        &self,
        key_id: i64,
        count: u32,
        window_secs: u32,
        quantity: u64,
        now_secs: u64,
    ) -> Decision {
        let window_secs = u64::from(window_secs.max(1));
        let start_secs = now_secs - now_secs % window_secs;
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock means a panic elsewhere; failing open keeps ingest alive.
            return Decision::Allowed;
        };
        if windows.len() >= RATE_LIMIT_KEYS_MAX {
            windows.retain(|_, w| w.start_secs + window_secs > now_secs);
        }
        let window = windows.entry(key_id).or_insert(Window {
            start_secs,
            used: 0,
        });
        if window.start_secs != start_secs {
            *window = Window {
                start_secs,
                used: 0,
            };
        }
        if window.used + quantity > u64::from(count) {
            let retry_after_secs = (start_secs + window_secs - now_secs).max(1);
            return Decision::Limited { retry_after_secs };
        }
        window.used += quantity;
        Decision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_count_then_limits_until_window_end() {
        let limiter = RateLimiter::default();
        let now = 999_980; // 20 s into a 60 s window
        assert_eq!(limiter.check(1, 2, 60, 1, now), Decision::Allowed);
        assert_eq!(limiter.check(1, 2, 60, 1, now), Decision::Allowed);
        assert_eq!(
            limiter.check(1, 2, 60, 1, now),
            Decision::Limited {
                retry_after_secs: 40
            }
        );
        // Another key is unaffected; the next window starts afresh.
        assert_eq!(limiter.check(2, 2, 60, 1, now), Decision::Allowed);
        assert_eq!(limiter.check(1, 2, 60, 1, now + 40), Decision::Allowed);
    }
}
