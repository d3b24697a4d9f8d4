//! Bootstrap, DSN keys, API tokens, passwords.

use super::*;
use crate::{Role, StoreError};

#[tokio::test]
async fn bootstrap_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert!(!store.has_organizations().await.unwrap());
    let first = store
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(
        (first.org.id, first.project.id),
        (1, 1),
        "ids are decimal integers from 1"
    );
    assert_eq!(first.org.slug, "acme");
    assert_eq!(first.project.slug, "web");
    assert_eq!(first.project.organization_id, first.org.id);
    assert_eq!(first.key.public_key.len(), 32);
    assert!(first.key.is_active);
    assert!(first.token.starts_with("sntryu_"));
    let password = first.admin_password.clone().unwrap();

    let again = store
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(
        again.admin_password, None,
        "the password is shown only when created"
    );
    assert_eq!(
        (
            again.org.clone(),
            again.project.clone(),
            again.key.clone(),
            again.token.clone()
        ),
        (
            first.org.clone(),
            first.project.clone(),
            first.key.clone(),
            first.token.clone()
        )
    );

    let second = store
        .bootstrap(bootstrap_request("acme", "api"))
        .await
        .unwrap();
    assert!(second.created);
    assert_eq!(second.org.id, first.org.id);
    assert_ne!(second.project.id, first.project.id);
    assert_ne!(second.key.public_key, first.key.public_key);
    assert_eq!(
        second.token, first.token,
        "one administrator, one bootstrap token"
    );
    assert!(store.has_organizations().await.unwrap());

    let org = store.organization_by_slug("acme").await.unwrap().unwrap();
    let slugs: Vec<String> = store
        .projects(org.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.slug)
        .collect();
    assert_eq!(slugs, vec!["api", "web"]);
    let user = store
        .verify_password("admin@example.com", &password)
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_superuser);
    assert!(
        store
            .verify_password("admin@example.com", "wrong")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .verify_password("nobody@example.com", &password)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn bootstrap_sets_the_key_rate_limit() {
    let t = TestStore::new().await;
    let unlimited = t
        .store
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    assert_eq!(
        (
            unlimited.key.rate_limit_count,
            unlimited.key.rate_limit_window_secs
        ),
        (None, None)
    );
    let request = BootstrapRequest {
        rate_limit: Some((10, 60)),
        ..bootstrap_request("acme", "web")
    };
    let limited = t.store.bootstrap(request).await.unwrap();
    assert_eq!(
        (
            limited.key.rate_limit_count,
            limited.key.rate_limit_window_secs
        ),
        (Some(10), Some(60))
    );
    let key = t
        .store
        .project_key(&limited.key.public_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key, limited.key);
    // `None` leaves the limit as it is.
    let kept = t
        .store
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    assert_eq!(kept.key.rate_limit_count, Some(10));
    assert_eq!(t.store.project_keys(t.project_id).await.unwrap(), vec![key]);
}

#[tokio::test]
async fn bootstrap_refuses_malformed_slugs_and_emails() {
    let t = TestStore::new().await;
    for request in [
        bootstrap_request("Acme", "web"),
        bootstrap_request("acme", "42"),
        BootstrapRequest {
            admin_email: "admin".into(),
            ..bootstrap_request("acme", "web")
        },
    ] {
        assert!(matches!(
            t.store.bootstrap(request).await,
            Err(StoreError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn tokens_are_found_by_their_plain_text_only() {
    let t = TestStore::new().await;
    let bootstrap = t
        .store
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    let info = t.store.token(&bootstrap.token).await.unwrap().unwrap();
    assert!(t.store.user(info.user_id).await.unwrap().is_some());
    for scope in [
        "project:read",
        "project:releases",
        "org:admin",
        "event:write",
    ] {
        assert!(
            info.scopes.iter().any(|s| s == scope),
            "{scope} in {:?}",
            info.scopes
        );
    }
    assert!(t.store.token("sntryu_0000").await.unwrap().is_none());
    let stored: String = t
        .store
        .sqlite()
        .read_scalar("SELECT token_hash FROM api_tokens")
        .await;
    assert_ne!(
        stored, bootstrap.token,
        "api_tokens holds the hash, not the token"
    );
    assert!(
        t.store.token(&stored).await.unwrap().is_none(),
        "the hash is not a token"
    );
}

#[tokio::test]
async fn keys_and_projects_are_found_by_their_names() {
    let t = TestStore::new().await;
    let bootstrap = t
        .store
        .bootstrap(bootstrap_request("acme", "web"))
        .await
        .unwrap();
    let key = t
        .store
        .project_key(&bootstrap.key.public_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key.project_id, bootstrap.project.id);
    let project = t
        .store
        .project_by_slug("acme", "web")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(project, bootstrap.project);
    assert_eq!(
        t.store.project_by_id(project.id).await.unwrap(),
        Some(project)
    );
    let orgs = t.store.organizations().await.unwrap();
    assert_eq!(orgs, vec![bootstrap.org]);
    t.store.ping().await.unwrap();
}

#[tokio::test]
async fn users_are_found_by_email_and_get_tokens_and_memberships() {
    let t = TestStore::new().await;
    let user = t
        .store
        .create_user("dev@example.com", Some("pw-1"), false)
        .await
        .unwrap();
    let found = t.store.user_by_email("dev@example.com").await.unwrap();
    assert_eq!(found, Some(user.clone()));
    assert_eq!(
        t.store.user_by_email("nobody@example.com").await.unwrap(),
        None
    );
    let again = t.store.create_user("dev@example.com", None, false).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    let org = t
        .store
        .create_organization("globex", "Globex")
        .await
        .unwrap();
    t.store
        .set_membership(org.id, "dev@example.com", Role::Admin)
        .await
        .unwrap();
    let access = t.store.access(org.id, user.id).await.unwrap().unwrap();
    assert!(access.allows(Role::Admin) && !access.allows(Role::Owner));
    let scopes = vec!["project:read".to_owned()];
    let token = t
        .store
        .create_token("dev@example.com", &scopes, Some("ci"), None)
        .await
        .unwrap();
    let info = t.store.token(&token).await.unwrap().unwrap();
    assert_eq!((info.user_id, info.scopes), (user.id, scopes));
}

#[tokio::test]
async fn deleting_the_newest_project_never_hands_its_id_to_the_next() {
    let t = TestStore::new().await;
    let org = t.store.organization_by_slug("acme").await.unwrap().unwrap();
    let team = t.store.team_by_slug(org.id, "acme").await.unwrap().unwrap();
    let new = |slug: &str| crate::NewProject {
        organization_id: org.id,
        team_id: team.id,
        slug: slug.into(),
        name: slug.into(),
        platform: None,
    };
    let (doomed, _) = t.store.create_project(new("doomed")).await.unwrap();
    assert!(t.store.delete_project(doomed.id).await.unwrap());
    let (next, _) = t.store.create_project(new("next")).await.unwrap();
    assert!(
        next.id > doomed.id,
        "{} reuses or precedes {}",
        next.id,
        doomed.id
    );
    // Bootstrap numbers its projects the same way.
    let made = t
        .store
        .bootstrap(bootstrap_request("acme", "booted"))
        .await
        .unwrap();
    assert!(made.project.id > next.id);
}
