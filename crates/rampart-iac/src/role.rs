//! The one place that decides what a file is to the engine: part of a Helm chart, a module
//! manifest, a kustomization, a document of a known format, a possible Kustomize patch, or
//! nothing.

use crate::detect::{self, Format};
use crate::kustomize;

/// Path of a directory's `terraform init` module manifest.
pub(crate) const MODULES_JSON: &str = ".terraform/modules/modules.json";

/// What a file is to the engine, and where it is gathered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Role {
    /// A chart's `values.yaml` (chart directory).
    HelmValues(String),
    /// A chart's `Chart.yaml` (chart directory).
    HelmChart(String),
    /// A helper (`templates/*.tpl`) or a template with actions (chart directory).
    HelmTemplate(String),
    /// `.terraform/modules/modules.json` (the directory `terraform init` ran in).
    ModuleManifest(String),
    /// A kustomization of the working tree (its directory).
    Kustomization(String),
    /// A Terraform file (its directory, the module it belongs to).
    Terraform(String),
    /// A document checked on its own (Kubernetes manifests of the working tree wait for the
    /// Kustomize builds).
    Document(Format),
    /// Other YAML of the working tree, under 1 MiB: a patch a kustomization may read.
    KustomizeInput,
    /// Nothing the engine looks at.
    Ignored,
}

/// The role of a file. Only working-tree files take part in Kustomize builds (other origins
/// are scanned file by file).
pub(crate) fn role(path: &str, text: &str, work_tree: bool) -> Role {
    if let Some(r) = helm_role(path, text) {
        return r;
    }
    if let Some(dir) = path.strip_suffix(MODULES_JSON)
        && (dir.is_empty() || dir.ends_with('/'))
    {
        return Role::ModuleManifest(dir.trim_end_matches('/').to_string());
    }
    let dir = || {
        path.rsplit_once('/')
            .map(|(d, _)| d)
            .unwrap_or("")
            .to_string()
    };
    if kustomize::is_kustomization(path) {
        return if work_tree {
            Role::Kustomization(dir())
        } else {
            Role::Ignored
        };
    }
    match detect::detect(path, text) {
        Some(Format::Terraform) => Role::Terraform(dir()),
        Some(f) => Role::Document(f),
        None => {
            let lower = path.to_ascii_lowercase();
            if work_tree
                && (lower.ends_with(".yaml") || lower.ends_with(".yml"))
                && text.len() < 1 << 20
            {
                Role::KustomizeInput
            } else {
                Role::Ignored
            }
        }
    }
}

/// Whether a file belongs to a Helm chart: its `values.yaml`, `Chart.yaml`, a helper
/// (`templates/*.tpl`) or a template with actions.
fn helm_role(path: &str, text: &str) -> Option<Role> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if name == "values.yaml" || name == "values.yml" {
        return Some(Role::HelmValues(dir.to_string()));
    }
    if name == "Chart.yaml" {
        return Some(Role::HelmChart(dir.to_string()));
    }
    let lower = name.to_ascii_lowercase();
    let tpl = lower.ends_with(".tpl");
    if !(tpl || ((lower.ends_with(".yaml") || lower.ends_with(".yml")) && text.contains("{{"))) {
        return None;
    }
    let full = format!("/{path}");
    let at = full.rfind("/templates/")?;
    Some(Role::HelmTemplate(full[1..at.max(1)].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_of_files() {
        let r = |p: &str, t: &str| role(p, t, true);
        assert_eq!(r("c/values.yaml", ""), Role::HelmValues("c".into()));
        assert_eq!(r("c/Chart.yaml", ""), Role::HelmChart("c".into()));
        assert_eq!(
            r("c/templates/d.yaml", "a: {{ .Values.x }}"),
            Role::HelmTemplate("c".into())
        );
        assert_eq!(
            r("i/.terraform/modules/modules.json", "{}"),
            Role::ModuleManifest("i".into())
        );
        assert_eq!(
            r("o/kustomization.yaml", ""),
            Role::Kustomization("o".into())
        );
        assert_eq!(role("o/kustomization.yaml", "", false), Role::Ignored);
        assert_eq!(r("m/main.tf", ""), Role::Terraform("m".into()));
        assert_eq!(
            r("Dockerfile", "FROM x\n"),
            Role::Document(Format::Dockerfile)
        );
        assert_eq!(r("p/patch.yaml", "spec: {}\n"), Role::KustomizeInput);
        assert_eq!(role("p/patch.yaml", "spec: {}\n", false), Role::Ignored);
        assert_eq!(r("README.md", "# x"), Role::Ignored);
    }
}
