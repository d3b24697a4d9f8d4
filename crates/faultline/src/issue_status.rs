//! `faultline issue-status`: resolves, unresolves or ignores issues from the command line. It
//! builds the same [`StatusChange`] the API's issue `PUT` builds and applies it through
//! `Store::update_issues`, so the activity log, regressions and ignore conditions behave the
//! same whichever way the change came.

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use faultline_store::{IgnoreCondition, IssueUpdate, StatusChange, Store, StoreOptions};
use serde_json::json;

use crate::cli::{IssueStatusArg, IssueStatusArgs};

/// Parses the arguments into the change they ask for.
fn status_change(args: &IssueStatusArgs) -> anyhow::Result<StatusChange> {
    let ignoring =
        args.ignore_minutes.is_some() || args.ignore_count.is_some() || args.ignore_users.is_some();
    if ignoring && args.status != IssueStatusArg::Ignored {
        bail!("--ignore-minutes, --ignore-count and --ignore-users go with --status ignored");
    }
    if (args.in_release.is_some() || args.next_release) && args.status != IssueStatusArg::Resolved {
        bail!("--in-release and --next-release go with --status resolved");
    }
    if [args.ignore_minutes, args.ignore_count, args.ignore_users].contains(&Some(0)) {
        bail!("ignore counts and minutes must be at least 1");
    }
    Ok(match args.status {
        IssueStatusArg::Resolved => match (&args.in_release, args.next_release) {
            (Some(version), _) => StatusChange::ResolveInRelease(version.clone()),
            (None, true) => StatusChange::ResolveInNextRelease,
            (None, false) => StatusChange::Resolve,
        },
        IssueStatusArg::Unresolved => StatusChange::Unresolve,
        IssueStatusArg::Ignored => StatusChange::Ignore(IgnoreCondition {
            until: args
                .ignore_minutes
                .map(|minutes| Utc::now() + Duration::minutes(i64::from(minutes))),
            event_count: args.ignore_count,
            user_count: args.ignore_users,
            ..IgnoreCondition::default()
        }),
    })
}

pub fn run(args: IssueStatusArgs) -> anyhow::Result<()> {
    let change = status_change(&args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let updated = runtime.block_on(async {
        let dir = &args.admin.storage.data_dir;
        let store = Store::open(dir, StoreOptions::default())
            .with_context(|| format!("opening the store in {}", dir.display()))?;
        let result = apply(&store, &args, change).await;
        store.shutdown().await;
        result
    })?;
    let status = match args.status {
        IssueStatusArg::Resolved => "resolved",
        IssueStatusArg::Unresolved => "unresolved",
        IssueStatusArg::Ignored => "ignored",
    };
    if args.admin.json {
        println!("{}", json!({"status": status, "updated": updated}));
    } else {
        for id in &updated {
            println!("{id}: {status}");
        }
    }
    Ok(())
}

async fn apply(
    store: &Store,
    args: &IssueStatusArgs,
    change: StatusChange,
) -> anyhow::Result<Vec<i64>> {
    let (org, slug) = (&args.project.org, &args.project.project);
    let project = store
        .project_by_slug(org, slug)
        .await?
        .with_context(|| format!("no project {org}/{slug}"))?;
    let actor = match &args.actor {
        Some(email) => Some(
            store
                .user_by_email(email)
                .await?
                .with_context(|| format!("no user {email}"))?
                .id,
        ),
        None => None,
    };
    let update = IssueUpdate {
        status: Some(change),
        ..IssueUpdate::default()
    };
    let updated = store
        .update_issues(&[project.id], &args.ids, update, actor)
        .await?;
    if updated.is_empty() {
        bail!("none of the issues {:?} is in {org}/{slug}", args.ids);
    }
    Ok(updated)
}
