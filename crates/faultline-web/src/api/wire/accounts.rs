//! Organization, team, project and DSN key JSON as Sentry's API returns them.

use faultline_store::{KeyDetails, Organization, Project, Team};
use serde_json::{Value, json};

use super::iso;

pub(crate) fn organization_json(org: &Organization) -> Value {
    json!({
        "id": org.id.to_string(),
        "slug": org.slug,
        "name": org.name,
        "dateCreated": iso(org.date_created),
        "status": {"id": "active", "name": "active"},
        "isEarlyAdopter": false,
        "require2FA": false,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": null},
        "features": [],
        "links": {"organizationUrl": "", "regionUrl": ""},
    })
}

pub(crate) fn team_json(team: &Team) -> Value {
    json!({
        "id": team.id.to_string(),
        "slug": team.slug,
        "name": team.name,
        "dateCreated": iso(team.date_created),
        "isMember": true,
        "hasAccess": true,
        "memberCount": 0,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": null},
    })
}

/// A project as lists and details show it; `team` is its first team, `teams` all of them.
pub(crate) fn project_json(project: &Project, org: &Organization, teams: &[Team]) -> Value {
    let team_ref = |t: &Team| json!({"id": t.id.to_string(), "slug": t.slug, "name": t.name});
    json!({
        "id": project.id.to_string(),
        "slug": project.slug,
        "name": project.name,
        "platform": project.platform,
        "dateCreated": iso(project.date_created),
        "isBookmarked": false,
        "isMember": true,
        "hasAccess": true,
        "isPublic": false,
        "status": "active",
        "features": [],
        "firstEvent": null,
        "team": teams.first().map(team_ref),
        "teams": teams.iter().map(team_ref).collect::<Vec<_>>(),
        "organization": organization_json(org),
        // Per-project settings of other features (data scrubbing, ...) join this object.
    })
}

/// A DSN key (Sentry's "client key") of a project reached at `base_url`.
pub(crate) fn key_json(key: &KeyDetails, base_url: &str) -> Value {
    let (scheme, host) = base_url
        .trim_end_matches('/')
        .split_once("://")
        .unwrap_or(("http", base_url));
    let public_key = &key.key.public_key;
    let project_id = key.key.project_id;
    let dsn = format!("{scheme}://{public_key}@{host}/{project_id}");
    let api = format!("{scheme}://{host}/api/{project_id}");
    let rate_limit = match (key.key.rate_limit_count, key.key.rate_limit_window_secs) {
        (Some(count), Some(window)) => json!({"count": count, "window": window}),
        _ => Value::Null,
    };
    json!({
        "id": public_key,
        "name": key.label,
        "label": key.label,
        "public": public_key,
        // faultline keys have no secret part; Sentry's deprecated secret DSN is not issued.
        "secret": null,
        "projectId": project_id,
        "isActive": key.key.is_active,
        "rateLimit": rate_limit,
        "dsn": {
            "public": dsn,
            "secret": dsn,
            "csp": format!("{api}/csp-report/?sentry_key={public_key}"),
            "security": format!("{api}/security/?sentry_key={public_key}"),
            "minidump": format!("{api}/minidump/?sentry_key={public_key}"),
            "unreal": format!("{api}/unreal/{public_key}/"),
            "cdn": null,
        },
        "browserSdkVersion": "latest",
        "dateCreated": iso(key.date_created),
    })
}
