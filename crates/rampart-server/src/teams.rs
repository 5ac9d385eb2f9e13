//! Teams and their roles on projects. A team-bound token sees only the projects where one of its
//! teams has a role, and may do there what the best of those roles allows (and its own scopes
//! allow: a token's scopes are a ceiling, a role is a grant). Every change is audited in the
//! transaction that makes it.

use crate::auth::{Scope, audit};
use crate::clock::now_ms;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// A team's role on a project, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the project, its findings, scans, inventory and triage.
    Viewer,
    /// A viewer who also uploads results and asks for scans (what CI and developers need).
    Developer,
    /// A developer who also records triage decisions.
    Security,
    /// A security member who also changes the project and grants roles on it.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Developer, Role::Security, Role::Admin];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Developer => "developer",
            Role::Security => "security",
            Role::Admin => "admin",
        }
    }

    /// The role named `s`.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role grants what `scope` names, on its project.
    pub fn allows(self, scope: Scope) -> bool {
        match scope {
            Scope::Read => true,
            Scope::Upload => self >= Role::Developer,
            Scope::Triage => self >= Role::Security,
            Scope::Admin => self == Role::Admin,
        }
    }
}

/// A team, with its members and roles.
#[derive(Debug, Clone, Serialize)]
pub struct Team {
    /// Its id.
    pub id: i64,
    /// Its name, unique in its tenant.
    pub name: String,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// The ids of its member tokens.
    pub members: Vec<i64>,
    /// Its roles: project id and role.
    pub roles: Vec<ProjectRole>,
}

/// One role of one team on one project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRole {
    /// The project.
    pub project: i64,
    /// The team.
    pub team: i64,
    /// The team's name.
    pub team_name: String,
    /// The role.
    pub role: Role,
}

/// Why a team change was refused.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// The tenant already has a team of that name.
    #[error("a team named `{0}` already exists")]
    Exists(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TeamError {
    fn from(e: sqlx::Error) -> TeamError {
        TeamError::Store(e.into())
    }
}

/// The best role per project that `token`'s teams have.
pub async fn roles_of_token(store: &Store, token: i64) -> Result<HashMap<i64, Role>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT r.project, r.role FROM project_role r JOIN team_member m ON m.team = r.team WHERE m.token = $1",
    )
    .bind(token)
    .fetch_all(store.pool())
    .await?;
    let mut best: HashMap<i64, Role> = HashMap::new();
    for (project, role) in rows {
        if let Some(role) = Role::parse(&role) {
            let slot = best.entry(project).or_insert(role);
            *slot = (*slot).max(role);
        }
    }
    Ok(best)
}

/// Creates a team in `tenant`, audited as `actor`; returns its id.
pub async fn create(store: &Store, tenant: i64, name: &str, actor: &str) -> Result<i64, TeamError> {
    let mut tx = store.pool().begin().await?;
    let made: Result<(i64,), sqlx::Error> = sqlx::query_as(
        "INSERT INTO team (tenant, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(tenant)
    .bind(name)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await;
    let id = match made {
        Ok((id,)) => id,
        Err(e) if crate::store::is_unique_violation(&e) => {
            return Err(TeamError::Exists(name.to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        &mut *tx,
        tenant,
        actor,
        "team.create",
        &format!("team:{id}"),
        &json!({"name": name}).to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The teams of `tenant`, by name, with members and roles.
pub async fn list(store: &Store, tenant: i64) -> Result<Vec<Team>, StoreError> {
    let teams: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, name, created_at FROM team WHERE tenant = $1 ORDER BY name")
            .bind(tenant)
            .fetch_all(store.pool())
            .await?;
    let members: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.team, m.token FROM team_member m JOIN team t ON t.id = m.team WHERE t.tenant = $1 ORDER BY m.token",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    let roles = roles_where(store, "t.tenant = $1", tenant).await?;
    Ok(teams
        .into_iter()
        .map(|(id, name, created_at)| Team {
            id,
            name,
            created_at,
            members: members.iter().filter(|m| m.0 == id).map(|m| m.1).collect(),
            roles: roles.iter().filter(|r| r.team == id).cloned().collect(),
        })
        .collect())
}

/// Team `id` of `tenant`.
pub async fn get(store: &Store, tenant: i64, id: i64) -> Result<Option<Team>, StoreError> {
    Ok(list(store, tenant).await?.into_iter().find(|t| t.id == id))
}

async fn roles_where(
    store: &Store,
    condition: &str,
    value: i64,
) -> Result<Vec<ProjectRole>, StoreError> {
    let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(crate::store::built(format!(
        "SELECT r.project, r.team, t.name, r.role FROM project_role r JOIN team t ON t.id = r.team \
         WHERE {condition} ORDER BY r.project, t.name"
    )))
    .bind(value)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(project, team, team_name, role)| {
            Some(ProjectRole {
                project,
                team,
                team_name,
                role: Role::parse(&role)?,
            })
        })
        .collect())
}

/// The roles granted on `project`.
pub async fn project_roles(store: &Store, project: i64) -> Result<Vec<ProjectRole>, StoreError> {
    roles_where(store, "r.project = $1", project).await
}

/// Deletes team `id` of `tenant` with its memberships and roles; false when there is none.
pub async fn delete(store: &Store, tenant: i64, id: i64, actor: &str) -> Result<bool, StoreError> {
    let mut tx = store.pool().begin().await?;
    let found: Option<(String,)> =
        sqlx::query_as("SELECT name FROM team WHERE id = $1 AND tenant = $2")
            .bind(id)
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((name,)) = found else {
        return Ok(false);
    };
    for sql in [
        "DELETE FROM team_member WHERE team = $1",
        "DELETE FROM project_role WHERE team = $1",
        "DELETE FROM team WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    audit(
        &mut *tx,
        tenant,
        actor,
        "team.delete",
        &format!("team:{id}"),
        &json!({"name": name}).to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// What a membership or role change found.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// Done.
    Done,
    /// The tenant has no such team.
    NoTeam,
    /// The tenant has no such token (membership) or project (role).
    NoTarget,
}

async fn team_in_tenant(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: i64,
    team: i64,
) -> Result<bool, StoreError> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM team WHERE id = $1 AND tenant = $2")
        .bind(team)
        .bind(tenant)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}

/// Adds (`add`) or removes token `token` to or from `team`, both of `tenant`.
pub async fn set_member(
    store: &Store,
    tenant: i64,
    team: i64,
    token: i64,
    add: bool,
    actor: &str,
) -> Result<Change, StoreError> {
    let mut tx = store.pool().begin().await?;
    if !team_in_tenant(&mut tx, tenant, team).await? {
        return Ok(Change::NoTeam);
    }
    let found: Option<(String,)> =
        sqlx::query_as("SELECT access FROM token WHERE id = $1 AND tenant = $2")
            .bind(token)
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?;
    if found.is_none() {
        return Ok(Change::NoTarget);
    }
    let action = if add {
        sqlx::query(
            "INSERT INTO team_member (team, token, added_at) VALUES ($1, $2, $3) ON CONFLICT (team, token) DO NOTHING",
        )
        .bind(team)
        .bind(token)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        "team.member.add"
    } else {
        sqlx::query("DELETE FROM team_member WHERE team = $1 AND token = $2")
            .bind(team)
            .bind(token)
            .execute(&mut *tx)
            .await?;
        "team.member.remove"
    };
    audit(
        &mut *tx,
        tenant,
        actor,
        action,
        &format!("team:{team}"),
        &json!({"token": token}).to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Change::Done)
}

/// Grants `role` to `team` on `project` (both of `tenant`), or takes the team's role away when
/// `role` is `None`.
pub async fn set_role(
    store: &Store,
    tenant: i64,
    project: i64,
    team: i64,
    role: Option<Role>,
    actor: &str,
) -> Result<Change, StoreError> {
    let mut tx = store.pool().begin().await?;
    if !team_in_tenant(&mut tx, tenant, team).await? {
        return Ok(Change::NoTeam);
    }
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM project WHERE id = $1 AND tenant = $2")
            .bind(project)
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?;
    if found.is_none() {
        return Ok(Change::NoTarget);
    }
    match role {
        Some(role) => {
            sqlx::query(
                "INSERT INTO project_role (project, team, role, granted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (project, team) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at",
            )
            .bind(project)
            .bind(team)
            .bind(role.as_str())
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM project_role WHERE project = $1 AND team = $2")
                .bind(project)
                .bind(team)
                .execute(&mut *tx)
                .await?;
        }
    }
    audit(
        &mut *tx,
        tenant,
        actor,
        if role.is_some() {
            "project.role.grant"
        } else {
            "project.role.revoke"
        },
        &format!("project:{project}"),
        &json!({"team": team, "role": role.map(Role::as_str)}).to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Change::Done)
}
