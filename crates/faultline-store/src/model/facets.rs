//! Tag facets of a project or an organization, and the per-issue event counts the issue
//! list shows as `stats`.

/// One tag key over a set of issues: how many distinct values it has and how many events
/// carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagKey {
    pub key: String,
    /// Distinct values of the key across the issues (a value on two issues counts once).
    pub unique_values: u64,
    /// Events that carried the key, summed over the issues.
    pub total_values: u64,
}

/// The time series an issue list carries per issue: Sentry's `statsPeriod` (or
/// `groupStatsPeriod`) `24h` or `14d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsPeriod {
    /// 24 hourly points, the last one the current hour.
    Hours24,
    /// 14 daily points (UTC days), the last one today.
    Days14,
    /// 30 daily points: the longer series of one issue's page.
    Days30,
}

impl StatsPeriod {
    /// Returns the seconds each point covers.
    pub fn step_secs(self) -> i64 {
        match self {
            StatsPeriod::Hours24 => 3_600,
            StatsPeriod::Days14 | StatsPeriod::Days30 => 86_400,
        }
    }

    /// Returns the number of points.
    pub fn points(self) -> usize {
        match self {
            StatsPeriod::Hours24 => 24,
            StatsPeriod::Days14 => 14,
            StatsPeriod::Days30 => 30,
        }
    }

    /// Returns Sentry's name of the period, the key of the `stats` object.
    pub fn name(self) -> &'static str {
        match self {
            StatsPeriod::Hours24 => "24h",
            StatsPeriod::Days14 => "14d",
            StatsPeriod::Days30 => "30d",
        }
    }

    /// Returns the start (epoch seconds) of the first point of the series that ends with
    /// the point holding `now_secs`.
    pub fn start_secs(self, now_secs: i64) -> i64 {
        let step = self.step_secs();
        now_secs.div_euclid(step) * step - (self.points() as i64 - 1) * step
    }
}

/// An issue's event counts over a [`StatsPeriod`]: `(point start epoch secs, events)`,
/// oldest first, every point present (zero when no event fell in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueStats {
    pub issue_id: i64,
    pub points: Vec<(i64, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_end_with_the_point_holding_now() {
        let now = 1_700_003_725; // 00:15:25 past an hour boundary at 1_700_002_800
        let start = StatsPeriod::Hours24.start_secs(now);
        assert_eq!(start, 1_700_002_800 - 23 * 3_600);
        let day_start = StatsPeriod::Days14.start_secs(now);
        assert_eq!(day_start % 86_400, 0);
        assert!(day_start + 14 * 86_400 > now && day_start + 13 * 86_400 <= now);
    }
}
