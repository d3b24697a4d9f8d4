//! Account and tenancy rows: teams, roles, what a user may do in an organization, DSN key
//! details, and the requests that create or change projects and keys.

use chrono::{DateTime, Utc};

use super::ProjectKey;

/// A team of an organization; projects belong to teams.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: i64,
    pub organization_id: i64,
    pub slug: String,
    pub name: String,
    pub date_created: DateTime<Utc>,
}

/// A member's role in an organization, weakest first (so `>=` compares power).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads and writes events and issues.
    Member,
    /// Also manages projects, keys and teams.
    Admin,
    /// Also manages the organization and its members.
    Owner,
}

impl Role {
    /// Parses a stored or requested role; Sentry's `manager` counts as admin.
    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "member" => Some(Role::Member),
            "admin" | "manager" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

/// What a user may do in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Superusers see and manage every organization.
    pub is_superuser: bool,
    /// The user's membership role; `None` when not a member.
    pub role: Option<Role>,
}

impl Access {
    /// Whether the user may act with at least `role` (superusers always may).
    pub fn allows(&self, role: Role) -> bool {
        self.is_superuser || self.role.is_some_and(|r| r >= role)
    }
}

/// A DSN key with what only its management views show.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyDetails {
    pub key: ProjectKey,
    /// The key's name (Sentry's `name` and `label`).
    pub label: String,
    pub date_created: DateTime<Utc>,
}

/// A project to create in a team.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    pub organization_id: i64,
    pub team_id: i64,
    pub slug: String,
    pub name: String,
    pub platform: Option<String>,
}

/// Changes to a project; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectUpdate {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub platform: Option<String>,
}

/// Changes to a DSN key; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyUpdate {
    pub label: Option<String>,
    pub is_active: Option<bool>,
    /// `Some(None)` removes the limit; `Some(Some((count, window_secs)))` sets it.
    pub rate_limit: Option<Option<(u32, u32)>>,
}
