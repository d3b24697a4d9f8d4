//! `faultline user|org|member|team|project|key|token`: account administration from the
//! command line, through the same store functions (and so the same checks) the web API uses.
//!
//! Each command opens the data directory, makes one change or reading, and prints the result:
//! JSON with `--json` (one object, or an array for `key list`), `name: value` lines otherwise.
//! A failure is an error message and a non-zero exit code. The commands may run while the
//! server does: SQLite serializes the writes, and the server's key cache picks a key change
//! up within its lifetime (seconds).

use anyhow::{Context, bail};
use faultline_store::{
    KeyDetails, KeyUpdate, NewProject, Organization, Project, Role, Store, StoreOptions,
};
use serde_json::{Value, json};

use crate::bootstrap::key_dsn;
use crate::cli::{
    AdminArgs, KeyCommand, KeyRef, MemberCommand, OrgCommand, ProjectCommand, ProjectRef, RoleArg,
    TeamCommand, TokenCommand, UserCommand,
};

/// One account subcommand, whichever noun it belongs to.
pub enum Command {
    User(UserCommand),
    Org(OrgCommand),
    Member(MemberCommand),
    Team(TeamCommand),
    Project(ProjectCommand),
    Key(KeyCommand),
    Token(TokenCommand),
}

/// Runs the command against its data directory and prints what it did.
pub fn run(command: Command) -> anyhow::Result<()> {
    let admin = command.admin().clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let output = runtime.block_on(async {
        let dir = &admin.storage.data_dir;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let store = Store::open(dir, StoreOptions::default())
            .with_context(|| format!("opening the store in {}", dir.display()))?;
        let result = command.apply(&store).await;
        store.shutdown().await;
        result
    })?;
    if admin.json {
        println!("{output}");
    } else {
        print_text(&output);
    }
    Ok(())
}

impl Command {
    fn admin(&self) -> &AdminArgs {
        match self {
            Command::User(UserCommand::Create { admin, .. })
            | Command::Org(OrgCommand::Create { admin, .. })
            | Command::Member(MemberCommand::Add { admin, .. })
            | Command::Team(TeamCommand::Create { admin, .. })
            | Command::Project(ProjectCommand::Create { admin, .. })
            | Command::Key(KeyCommand::Create { admin, .. })
            | Command::Key(KeyCommand::List { admin, .. })
            | Command::Token(TokenCommand::Create { admin, .. }) => admin,
            Command::Key(KeyCommand::Disable(key))
            | Command::Key(KeyCommand::Enable(key))
            | Command::Key(KeyCommand::Delete(key)) => &key.admin,
        }
    }

    async fn apply(&self, store: &Store) -> anyhow::Result<Value> {
        match self {
            Command::User(UserCommand::Create {
                email,
                password,
                superuser,
                ..
            }) => create_user(store, email, password.as_deref(), *superuser).await,
            Command::Org(OrgCommand::Create { slug, name, .. }) => {
                let org = store
                    .create_organization(slug, name.as_deref().unwrap_or(slug))
                    .await?;
                Ok(organization_json(&org))
            }
            Command::Member(MemberCommand::Add {
                org, email, role, ..
            }) => {
                let org = organization(store, org).await?;
                let role = match role {
                    RoleArg::Owner => Role::Owner,
                    RoleArg::Admin => Role::Admin,
                    RoleArg::Member => Role::Member,
                };
                store.set_membership(org.id, email, role).await?;
                Ok(json!({"org": org.slug, "email": email, "role": role.as_str()}))
            }
            Command::Team(TeamCommand::Create {
                org, slug, name, ..
            }) => {
                let org = organization(store, org).await?;
                let team = store
                    .create_team(org.id, slug, name.as_deref().unwrap_or(slug))
                    .await?;
                Ok(json!({"id": team.id, "org": org.slug, "slug": team.slug, "name": team.name}))
            }
            Command::Project(ProjectCommand::Create {
                org,
                team,
                slug,
                name,
                platform,
                url,
                ..
            }) => {
                let org = organization(store, org).await?;
                let Some(team) = store.team_by_slug(org.id, team).await? else {
                    bail!("no team {team} in organization {}", org.slug);
                };
                let (project, key) = store
                    .create_project(NewProject {
                        organization_id: org.id,
                        team_id: team.id,
                        slug: slug.clone(),
                        name: name.clone().unwrap_or_else(|| slug.clone()),
                        platform: platform.clone(),
                    })
                    .await?;
                let mut out = project_json(&project, &org);
                out["team"] = team.slug.into();
                out["dsn"] = key_dsn(url, &key.key.public_key, project.id).into();
                Ok(out)
            }
            Command::Key(command) => apply_key(store, command).await,
            Command::Token(TokenCommand::Create {
                email,
                scopes,
                name,
                ..
            }) => {
                let scopes = parse_scopes(scopes);
                let token = store
                    .create_token(email, &scopes, name.as_deref(), None)
                    .await?;
                Ok(json!({"email": email, "scopes": scopes, "name": name, "token": token}))
            }
        }
    }
}

/// Splits `--scopes` at spaces and commas (`"project:read event:read"`, `"org:read,team:read"`).
fn parse_scopes(raw: &str) -> Vec<String> {
    raw.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn create_user(
    store: &Store,
    email: &str,
    password: Option<&str>,
    is_superuser: bool,
) -> anyhow::Result<Value> {
    let generated = password.is_none().then(faultline_store::new_password);
    let password = password.or(generated.as_deref());
    let user = store.create_user(email, password, is_superuser).await?;
    let mut out = json!({"id": user.id, "email": user.email, "isSuperuser": user.is_superuser});
    if let Some(password) = generated {
        // Shown once, like a token: only its Argon2id hash is stored.
        out["password"] = password.into();
    }
    Ok(out)
}

async fn apply_key(store: &Store, command: &KeyCommand) -> anyhow::Result<Value> {
    match command {
        KeyCommand::Create {
            project,
            name,
            rate_limit,
            url,
            ..
        } => {
            let project = project_by_ref(store, project).await?;
            let mut key = store.create_key(project.id, name).await?;
            if let Some(limit) = rate_limit {
                let update = KeyUpdate {
                    rate_limit: Some(Some(*limit)),
                    ..KeyUpdate::default()
                };
                key = store
                    .update_key(project.id, &key.key.public_key, update)
                    .await?
                    .context("the new key disappeared")?;
            }
            Ok(key_json(&key, url))
        }
        KeyCommand::List { project, url, .. } => {
            let project = project_by_ref(store, project).await?;
            let keys = store.key_details(project.id).await?;
            Ok(keys.iter().map(|k| key_json(k, url)).collect())
        }
        KeyCommand::Disable(key) => set_key_active(store, key, false).await,
        KeyCommand::Enable(key) => set_key_active(store, key, true).await,
        KeyCommand::Delete(KeyRef { project, key, .. }) => {
            let project = project_by_ref(store, project).await?;
            if !store.delete_key(project.id, key).await? {
                bail!("no key {key} in project {}", project.slug);
            }
            Ok(json!({"id": key, "deleted": true}))
        }
    }
}

async fn set_key_active(store: &Store, key: &KeyRef, is_active: bool) -> anyhow::Result<Value> {
    let project = project_by_ref(store, &key.project).await?;
    let update = KeyUpdate {
        is_active: Some(is_active),
        ..KeyUpdate::default()
    };
    let Some(details) = store.update_key(project.id, &key.key, update).await? else {
        bail!("no key {} in project {}", key.key, project.slug);
    };
    Ok(key_json(&details, ""))
}

async fn organization(store: &Store, slug: &str) -> anyhow::Result<Organization> {
    match store.organization_by_slug(slug).await? {
        Some(org) => Ok(org),
        None => bail!("no organization {slug}"),
    }
}

async fn project_by_ref(store: &Store, project: &ProjectRef) -> anyhow::Result<Project> {
    match store
        .project_by_slug(&project.org, &project.project)
        .await?
    {
        Some(found) => Ok(found),
        None => bail!("no project {}/{}", project.org, project.project),
    }
}

fn organization_json(org: &Organization) -> Value {
    json!({"id": org.id, "slug": org.slug, "name": org.name})
}

fn project_json(project: &Project, org: &Organization) -> Value {
    json!({
        "id": project.id,
        "org": org.slug,
        "slug": project.slug,
        "name": project.name,
        "platform": project.platform,
    })
}

/// Returns a key as the commands print it; `url` empty leaves the DSN out.
fn key_json(key: &KeyDetails, url: &str) -> Value {
    let rate_limit = match (key.key.rate_limit_count, key.key.rate_limit_window_secs) {
        (Some(count), Some(window)) => json!({"count": count, "window": window}),
        _ => Value::Null,
    };
    let mut out = json!({
        "id": key.key.public_key,
        "name": key.label,
        "projectId": key.key.project_id,
        "isActive": key.key.is_active,
        "rateLimit": rate_limit,
    });
    if !url.is_empty() {
        out["dsn"] = key_dsn(url, &key.key.public_key, key.key.project_id).into();
    }
    out
}

/// Prints an object as `name: value` lines, an array as such blocks separated by blank lines.
fn print_text(output: &Value) {
    let objects = match output {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for (i, object) in objects.into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        let Value::Object(fields) = object else {
            println!("{object}");
            continue;
        };
        let width = fields.keys().map(String::len).max().unwrap_or(0) + 1;
        for (name, value) in fields {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            };
            println!("{:<width$} {text}", format!("{name}:"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_at_spaces_and_commas() {
        assert_eq!(
            parse_scopes(" project:read  event:read,org:read ,"),
            ["project:read", "event:read", "org:read"]
        );
        assert!(parse_scopes(" , ").is_empty());
    }

    #[test]
    fn key_json_names_the_dsn_only_with_a_url() {
        let key = KeyDetails {
            key: faultline_store::ProjectKey {
                id: 1,
                project_id: 7,
                public_key: "ab".repeat(16),
                is_active: true,
                rate_limit_count: Some(5),
                rate_limit_window_secs: Some(60),
            },
            label: "ci".into(),
            date_created: chrono::Utc::now(),
        };
        let with_url = key_json(&key, "https://errors.example.com/");
        let dsn = format!("https://{}@errors.example.com/7", "ab".repeat(16));
        assert_eq!(with_url["dsn"], dsn.as_str());
        assert_eq!(with_url["rateLimit"], json!({"count": 5, "window": 60}));
        assert!(key_json(&key, "").get("dsn").is_none());
    }
}
