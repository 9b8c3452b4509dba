//! Roles and permissions: the one table of who may do what.
//!
//! Each REST endpoint of `baton serve` needs one [`Permission`]; a token has one [`Role`];
//! [`Role::allows`] reads the table below. The table is also the documentation:
//! [`permission_table_markdown`] renders it into `docs/auth.md`, and a test fails when the
//! two differ (run it with `UPDATE_EXPECT=1` to rewrite the document's table).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// What a token may do, in increasing reach from worker/viewer to admin (the order is the
/// column order of the permission table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including managing the tenant's tokens.
    Admin,
    /// Runs the tenant's processes: instances, tasks, incidents, messages, signals, events.
    Operator,
    /// Deploys models and starts and inspects instances, as when building a process.
    Developer,
    /// An external job worker: activates jobs and reports their outcome, nothing else.
    Worker,
    /// Reads everything but tokens and the audit trail; changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Operator,
        Role::Developer,
        Role::Worker,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Developer => "developer",
            Role::Worker => "worker",
            Role::Viewer => "viewer",
        }
    }

    /// The valid role names, comma separated, for error messages and help.
    pub fn names() -> String {
        Role::ALL.map(Role::as_str).join(", ")
    }

    /// Whether this role grants `permission`, as the permission table says.
    pub fn allows(self, permission: Permission) -> bool {
        // The discriminant is the role's column: `Role::ALL` lists the roles in
        // declaration order, and the table's rows have exactly one cell per role.
        permission.grants()[self as usize]
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(text: &str) -> Result<Role, Error> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| Error::UnknownRole(text.to_string()))
    }
}

// Cell values of the table, short so that the rows line up like the rendered table.
const Y: bool = true;
const N: bool = false;

/// Declares [`Permission`] from its table, so that the enum, its names, its descriptions
/// and its grants cannot disagree: a permission without a row, or a row without a cell
/// for every role, does not compile.
macro_rules! permissions {
    ($($variant:ident $name:literal $grants:tt $what:literal,)*) => {
        /// One thing a caller may do through the REST API.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum Permission {
            $(#[doc = $what] $variant,)*
        }

        impl Permission {
            /// Every permission, in table order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)*
                }
            }

            /// What the permission allows, in words (the table's second column).
            pub fn description(self) -> &'static str {
                match self {
                    $(Permission::$variant => $what,)*
                }
            }

            /// One cell per role, in the order of [`Role::ALL`].
            fn grants(self) -> [bool; Role::ALL.len()] {
                match self {
                    $(Permission::$variant => $grants,)*
                }
            }
        }
    };
}

// The permission table. Columns: admin, operator, developer, worker, viewer.
// Admins may do everything; operators run instances, tasks, incidents, messages, signals
// and events and read the audit trail, but neither deploy nor manage tokens; developers
// deploy, read, start and send messages and signals but change no running instance;
// workers only work jobs; viewers only read (not the audit trail).
permissions! {
    Deploy           "deploy"            [Y, N, Y, N, N] "upload BPMN and DMN models (a changed model becomes a new version)",
    ReadDefinitions  "read-definitions"  [Y, Y, Y, N, Y] "list deployed processes and decisions, read their sources and versions",
    StartInstances   "start-instances"   [Y, Y, Y, N, N] "start process instances",
    ReadInstances    "read-instances"    [Y, Y, Y, N, Y] "list and read instances, their variables and their history",
    ModifyInstances  "modify-instances"  [Y, Y, N, N, N] "cancel, modify and restart instances",
    ReadTasks        "read-tasks"        [Y, Y, Y, N, Y] "list and read user tasks",
    ClaimTasks       "claim-tasks"       [Y, Y, N, N, N] "claim and unclaim user tasks",
    CompleteTasks    "complete-tasks"    [Y, Y, N, N, N] "complete user tasks",
    PublishMessages  "publish-messages"  [Y, Y, Y, N, N] "publish messages",
    BroadcastSignals "broadcast-signals" [Y, Y, Y, N, N] "broadcast signals",
    ReadIncidents    "read-incidents"    [Y, Y, Y, N, Y] "list and read incidents",
    ResolveIncidents "resolve-incidents" [Y, Y, N, N, N] "resolve incidents (retry what failed)",
    ActivateJobs     "activate-jobs"     [Y, N, N, Y, N] "activate (lease) jobs of a type",
    CompleteJobs     "complete-jobs"     [Y, N, N, Y, N] "complete leased jobs",
    FailJobs         "fail-jobs"         [Y, N, N, Y, N] "fail leased jobs (with retries and backoff)",
    ThrowJobErrors   "throw-job-errors"  [Y, N, N, Y, N] "throw a BPMN error from a leased job",
    ReadEvents       "read-events"       [Y, Y, Y, N, Y] "follow live events (instance, element, incident and job activity)",
    ManageTokens     "manage-tokens"     [Y, N, N, N, N] "create, list and revoke the tenant's API tokens",
    ReadAudit        "read-audit"        [Y, Y, N, N, N] "list the audit trail: who did what, when, where and why",
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = Error;

    fn from_str(text: &str) -> Result<Permission, Error> {
        Permission::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == text)
            .ok_or_else(|| Error::UnknownPermission(text.to_string()))
    }
}

/// The permission table as Markdown, roles as columns, for `docs/auth.md`.
pub fn permission_table_markdown() -> String {
    let mut out = String::from("| permission | what it allows |");
    for role in Role::ALL {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str("\n|---|---|");
    out.push_str(&":-:|".repeat(Role::ALL.len()));
    out.push('\n');
    for &permission in Permission::ALL {
        out.push_str(&format!(
            "| `{permission}` | {} |",
            permission.description()
        ));
        for role in Role::ALL {
            out.push_str(if role.allows(permission) {
                " ✓ |"
            } else {
                " |"
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/auth.md");
    const START: &str = "<!-- permission-table:start -->\n";
    const END: &str = "<!-- permission-table:end -->";

    /// The table in `docs/auth.md` is the one the code enforces. With `UPDATE_EXPECT=1`
    /// (rust-analyzer's convention) the document is rewritten instead.
    #[test]
    fn docs_show_the_permission_table_the_code_enforces() {
        let doc = std::fs::read_to_string(DOC).expect("docs/auth.md is readable");
        let (Some(start), Some(end)) = (doc.find(START), doc.find(END)) else {
            panic!("docs/auth.md lacks the {START:?} … {END:?} markers");
        };
        let body = &doc[start + START.len()..end];
        let expected = permission_table_markdown();
        if body == expected {
            return;
        }
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            let updated = format!("{}{expected}{}", &doc[..start + START.len()], &doc[end..]);
            std::fs::write(DOC, updated).expect("docs/auth.md is writable");
            return;
        }
        panic!(
            "docs/auth.md's permission table differs from the code; run \
             `UPDATE_EXPECT=1 cargo test -p baton-auth` to update it.\n\
             expected:\n{expected}\nfound:\n{body}"
        );
    }

    #[test]
    fn roles_parse_from_their_names_and_name_the_valid_ones_otherwise() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
            let json = serde_json::to_string(&role).expect("serializes");
            assert_eq!(json, format!("\"{role}\""));
        }
        let error = "boss".parse::<Role>().expect_err("not a role");
        assert_eq!(
            error.to_string(),
            "unknown role 'boss'; valid roles: admin, operator, developer, worker, viewer"
        );
        assert!("Admin".parse::<Role>().is_err(), "role names are lowercase");
    }

    #[test]
    fn permissions_round_trip_through_their_names() {
        for &permission in Permission::ALL {
            assert_eq!(
                permission.as_str().parse::<Permission>().ok(),
                Some(permission)
            );
            let json = serde_json::to_string(&permission).expect("serializes");
            assert_eq!(json, format!("\"{permission}\""), "serde and as_str agree");
        }
        assert!("deploy-everything".parse::<Permission>().is_err());
    }

    #[test]
    fn grants_follow_the_camunda_like_roles() {
        for &p in Permission::ALL {
            assert!(Role::Admin.allows(p), "admin may {p}");
            // The audit trail names tokens and client addresses: not for viewers.
            let reads = p.as_str().starts_with("read-") && p != Permission::ReadAudit;
            assert_eq!(Role::Viewer.allows(p), reads, "viewer and {p}");
        }
        let worker: Vec<_> = Permission::ALL
            .iter()
            .filter(|p| Role::Worker.allows(**p))
            .map(|p| p.as_str())
            .collect();
        assert_eq!(
            worker,
            [
                "activate-jobs",
                "complete-jobs",
                "fail-jobs",
                "throw-job-errors"
            ]
        );
        assert!(!Role::Operator.allows(Permission::ManageTokens));
        assert!(!Role::Operator.allows(Permission::Deploy));
        assert!(Role::Operator.allows(Permission::ModifyInstances));
        assert!(Role::Developer.allows(Permission::Deploy));
        assert!(!Role::Developer.allows(Permission::ResolveIncidents));
        assert!(Role::Operator.allows(Permission::ReadAudit));
    }
}
