//! Compiles an [`IssueSearch`] into one keyset-paged `SELECT` over `issues`, with every value
//! bound as a parameter (user text never becomes SQL).
//!
//! `user.email:` matches an issue when one of its events' users carried the address. The
//! `user` tag cannot answer that alone: it names a user by the first of id, username, email
//! and ip, so a user identified by id never has an `email:` tag value. The writer therefore
//! keeps every address an event's user carried in `issue_user_emails (issue_id, email)`,
//! beside (not inside) the tags: it is no facet, adds no tag counts, and is not a user
//! identity, so `user_count` is untouched. The clause checks that table (by primary key per
//! issue) or, for events stored before the table existed, the `user` tag `email:<address>`.

use rusqlite::types::ToSql;
use rusqlite::{Connection, params_from_iter};

use super::access::all;
use super::issues::{ISSUE_COLUMNS, issue_from_row};
use crate::StoreError;
use crate::codec::micros;
use crate::limits::ISSUE_PAGE_LIMIT_MAX;
use crate::model::{Issue, IssueSearchRequest, IssueSort};
use crate::search::{Bound, Condition, IsValue, Pattern};

/// How far back Sentry's inbox (`is:for_review`) counts an issue as new.
const FOR_REVIEW_DAYS: i64 = 7;

/// A `WHERE` clause under construction and its parameters, numbered as they are added.
#[derive(Default)]
struct Sql {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql>>,
}

impl Sql {
    /// Adds a parameter and returns its placeholder.
    fn bind(&mut self, value: impl ToSql + 'static) -> String {
        self.params.push(Box::new(value));
        format!("?{}", self.params.len())
    }

    fn push(&mut self, negated: bool, clause: String) {
        self.clauses.push(if negated {
            format!("NOT ({clause})")
        } else {
            clause
        });
    }

    /// `column = ?` or `column LIKE ? ESCAPE '\'` for a wildcard.
    fn matches(&mut self, column: &str, pattern: &Pattern) -> String {
        match pattern {
            Pattern::Exact(value) => format!("{column} = {}", self.bind(value.clone())),
            Pattern::Wildcard(value) => {
                format!(
                    "{column} LIKE {} ESCAPE '\\'",
                    self.bind(like_pattern(value, ""))
                )
            }
        }
    }

    fn tag(&mut self, key: &str, pattern: &Pattern) -> String {
        let key = self.bind(key.to_owned());
        let value = self.matches("t.value", pattern);
        format!(
            "EXISTS (SELECT 1 FROM issue_tag_values t WHERE t.issue_id = issues.id AND t.key = {key} AND {value})"
        )
    }

    fn bound(&mut self, column: &str, bound: Bound<i64>) -> String {
        match bound {
            Bound::After(v) => format!("{column} > {}", self.bind(v)),
            Bound::AtOrAfter(v) => format!("{column} >= {}", self.bind(v)),
            Bound::Before(v) => format!("{column} < {}", self.bind(v)),
            Bound::AtOrBefore(v) => format!("{column} <= {}", self.bind(v)),
            Bound::Equal(v) => format!("{column} = {}", self.bind(v)),
            Bound::Within(start, end) => {
                format!(
                    "({column} >= {} AND {column} < {})",
                    self.bind(start),
                    self.bind(end)
                )
            }
        }
    }
}

/// Turns a `*` wildcard value into a LIKE pattern, escaping LIKE's own `%`, `_` and `\`;
/// `around` goes on both ends (`%` for a substring match).
pub(super) fn like_pattern(value: &str, around: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push_str(around);
    for c in value.chars() {
        match c {
            '*' => out.push('%'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push_str(around);
    out
}

fn date_bound(bound: Bound<chrono::DateTime<chrono::Utc>>) -> Bound<i64> {
    match bound {
        Bound::After(t) => Bound::After(micros(t)),
        Bound::AtOrAfter(t) => Bound::AtOrAfter(micros(t)),
        Bound::Before(t) => Bound::Before(micros(t)),
        Bound::AtOrBefore(t) => Bound::AtOrBefore(micros(t)),
        Bound::Equal(t) => Bound::Equal(micros(t)),
        Bound::Within(a, b) => Bound::Within(micros(a), micros(b)),
    }
}

/// Returns a page of the issues `request` selects, in its sort order.
pub(crate) fn search_issues(
    conn: &Connection,
    request: &IssueSearchRequest,
    now_us: i64,
) -> Result<Vec<Issue>, StoreError> {
    if request.project_ids.is_empty() {
        return Ok(Vec::new());
    }
    let (query, sql) = compile(request, now_us)?;
    all(
        conn,
        &query,
        params_from_iter(sql.params.iter()),
        issue_from_row,
    )
}

/// Compiles `request` (with at least one project) into its `SELECT` and parameters.
fn compile(request: &IssueSearchRequest, now_us: i64) -> Result<(String, Sql), StoreError> {
    let mut sql = Sql::default();
    let projects: Vec<String> = request.project_ids.iter().map(|id| sql.bind(*id)).collect();
    sql.clauses
        .push(format!("project_id IN ({})", projects.join(", ")));
    if !request.environments.is_empty() {
        let values: Vec<String> = request
            .environments
            .iter()
            .map(|e| sql.bind(e.clone()))
            .collect();
        sql.clauses.push(format!(
            "EXISTS (SELECT 1 FROM issue_tag_values t WHERE t.issue_id = issues.id \
             AND t.key = 'environment' AND t.value IN ({}))",
            values.join(", ")
        ));
    }
    for filter in &request.search.filters {
        let clause = match &filter.condition {
            Condition::Is(IsValue::Unresolved) => "status = 'unresolved'".to_owned(),
            Condition::Is(IsValue::Resolved) => "status = 'resolved'".to_owned(),
            Condition::Is(IsValue::Ignored) => "status = 'ignored'".to_owned(),
            Condition::Is(IsValue::ForReview) => {
                let since = sql.bind(now_us - FOR_REVIEW_DAYS * 86_400_000_000);
                format!(
                    "status = 'unresolved' AND (substatus IN ('new', 'regressed', 'escalating') \
                     OR (substatus IS NULL AND first_seen >= {since}))"
                )
            }
            Condition::Is(IsValue::Assigned) => {
                "(assignee_user_id IS NOT NULL OR assignee_team_id IS NOT NULL)".to_owned()
            }
            Condition::Is(IsValue::Unassigned) => {
                "(assignee_user_id IS NULL AND assignee_team_id IS NULL)".to_owned()
            }
            Condition::Assigned(who) => assigned_clause(&mut sql, who, request.viewer_user_id)?,
            Condition::Level(pattern) => sql.matches("level", pattern),
            Condition::FirstSeen(bound) => sql.bound("first_seen", date_bound(*bound)),
            Condition::LastSeen(bound) => sql.bound("last_seen", date_bound(*bound)),
            Condition::TimesSeen(bound) => sql.bound("times_seen", *bound),
            Condition::UserEmail(pattern) => {
                let tagged = match pattern {
                    Pattern::Exact(v) => Pattern::Exact(format!("email:{v}")),
                    Pattern::Wildcard(v) => Pattern::Wildcard(format!("email:{v}")),
                };
                let tag = sql.tag("user", &tagged);
                let email = sql.matches("e.email", pattern);
                format!(
                    "({tag} OR EXISTS (SELECT 1 FROM issue_user_emails e \
                     WHERE e.issue_id = issues.id AND {email}))"
                )
            }
            Condition::Tag { key, value } => sql.tag(key, value),
        };
        sql.push(filter.negated, clause);
    }
    if let Some(text) = &request.search.text {
        let pattern = sql.bind(like_pattern(text, "%"));
        sql.clauses.push(format!(
            "(title LIKE {pattern} ESCAPE '\\' OR culprit LIKE {pattern} ESCAPE '\\')"
        ));
    }
    let column = request.sort.column();
    if let Some(cursor) = &request.cursor {
        let (value, id) = parse_cursor(cursor)?;
        let (value, id) = (sql.bind(value), sql.bind(id));
        sql.clauses
            .push(format!("({column}, id) < ({value}, {id})"));
    }
    let limit = sql.bind(request.limit.clamp(1, ISSUE_PAGE_LIMIT_MAX + 1) as i64);
    let query = format!(
        "SELECT {ISSUE_COLUMNS} FROM issues WHERE {} ORDER BY {column} DESC, id DESC LIMIT {limit}",
        sql.clauses.join(" AND ")
    );
    Ok((query, sql))
}

/// `assigned:` `me`, `none`, `#team-slug` or a user's e-mail.
fn assigned_clause(sql: &mut Sql, who: &str, viewer: Option<i64>) -> Result<String, StoreError> {
    Ok(match who {
        "me" => match viewer {
            Some(user_id) => format!("assignee_user_id = {}", sql.bind(user_id)),
            None => {
                return Err(StoreError::Invalid(
                    "assigned:me needs a signed-in user".into(),
                ));
            }
        },
        "none" => "(assignee_user_id IS NULL AND assignee_team_id IS NULL)".to_owned(),
        "my_teams" => {
            return Err(StoreError::Invalid(
                "assigned:my_teams is not supported: teams have no members here".into(),
            ));
        }
        _ => match who.strip_prefix('#') {
            Some(team) => format!(
                "assignee_team_id IN (SELECT t.id FROM teams t JOIN projects p
                     ON p.organization_id = t.organization_id
                     WHERE p.id = issues.project_id AND t.slug = {})",
                sql.bind(team.to_owned())
            ),
            None => format!(
                "assignee_user_id IN (SELECT id FROM users WHERE email = {})",
                sql.bind(who.to_owned())
            ),
        },
    })
}

/// Parses `<sort value>:<id>`, the cursor [`Issue::cursor_for`] writes.
fn parse_cursor(text: &str) -> Result<(i64, i64), StoreError> {
    let invalid = || StoreError::Invalid(format!("malformed cursor: {text:?}"));
    let (value, id) = text.split_once(':').ok_or_else(invalid)?;
    Ok((
        value.parse().map_err(|_| invalid())?,
        id.parse().map_err(|_| invalid())?,
    ))
}

impl IssueSort {
    fn column(self) -> &'static str {
        match self {
            IssueSort::Date => "last_seen",
            IssueSort::New => "first_seen",
            IssueSort::Freq => "times_seen",
            IssueSort::User => "user_count",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::migrate;

    /// Returns SQLite's plan for the search of `query` in `sort` order, one line per step.
    fn plan(query: &str, sort: IssueSort, cursor: Option<&str>) -> String {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate::run(&mut conn, 0).unwrap();
        let request = IssueSearchRequest {
            project_ids: vec![1],
            search: crate::search::parse(query, chrono::Utc::now()).unwrap(),
            environments: Vec::new(),
            sort,
            limit: 26,
            cursor: cursor.map(str::to_owned),
            viewer_user_id: None,
        };
        let (sql, params) = compile(&request, 0).unwrap();
        let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = statement
            .query_map(params_from_iter(params.params.iter()), |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn every_sort_walks_an_index_in_order() {
        for (sort, index) in [
            (IssueSort::New, "issues_project_first_seen"),
            (IssueSort::Freq, "issues_project_times_seen"),
            (IssueSort::User, "issues_project_user_count"),
        ] {
            for query in ["", "is:unresolved", "level:error browser:Firefox"] {
                for cursor in [None, Some("5:7")] {
                    let plan = plan(query, sort, cursor);
                    assert!(
                        plan.contains(index) && !plan.contains("TEMP B-TREE"),
                        "{sort:?} {query:?} {cursor:?}:\n{plan}"
                    );
                }
            }
        }
        let plan = plan("is:unresolved", IssueSort::Date, None);
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
