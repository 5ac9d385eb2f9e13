//! Which format a file is, from its path and (for YAML and JSON) its content.

/// A file format the engine scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// A GitHub Actions workflow (`.github/workflows/*.yml`).
    GhaWorkflow,
    /// A GitHub composite or Docker action (`action.yml`).
    GhaAction,
    /// `.gitlab-ci.yml`.
    GitlabCi,
    /// A Dockerfile.
    Dockerfile,
    /// A docker-compose file.
    Compose,
    /// Kubernetes manifests.
    Kubernetes,
    /// Terraform `.tf` / `.tfvars`.
    Terraform,
    /// A CloudFormation template (YAML or JSON).
    CloudFormation,
    /// A Terraform plan in JSON (`terraform show -json`).
    TerraformPlan,
    /// Dependabot's configuration (`.github/dependabot.yml`).
    Dependabot,
    /// pre-commit's configuration (`.pre-commit-config.yaml`).
    PreCommit,
}

impl Format {
    /// The formats a check family applies to.
    pub fn of_family(family: &str) -> Vec<Format> {
        match family {
            "github-actions" => vec![Format::GhaWorkflow, Format::GhaAction],
            "gitlab-ci" => vec![Format::GitlabCi],
            "dockerfile" => vec![Format::Dockerfile],
            "compose" => vec![Format::Compose],
            "kubernetes" => vec![Format::Kubernetes],
            "cloudformation" => vec![Format::CloudFormation],
            "dependabot" => vec![Format::Dependabot],
            "pre-commit" => vec![Format::PreCommit],
            f if f.starts_with("terraform") => vec![Format::Terraform],
            _ => vec![],
        }
    }

    /// The file name an example of the family is scanned as.
    pub fn example_path(family: &str) -> &'static str {
        match family {
            "github-actions" => ".github/workflows/ci.yml",
            "gitlab-ci" => ".gitlab-ci.yml",
            "dockerfile" => "Dockerfile",
            "compose" => "docker-compose.yml",
            "kubernetes" => "k8s/deployment.yaml",
            "cloudformation" => "template.yaml",
            "dependabot" => ".github/dependabot.yml",
            "pre-commit" => ".pre-commit-config.yaml",
            _ => "main.tf",
        }
    }
}

/// Whether the engine wants a path at all (cheap, by name).
pub fn wants(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".tf")
        || lower.ends_with(".tfvars")
        || lower.ends_with(".yml")
        || lower.ends_with(".yaml")
        || lower.ends_with(".json")
        || lower.ends_with(".template")
        || is_dockerfile(&lower)
        || name == "Kustomization"
        || (lower.ends_with(".tpl") && path.contains("templates/"))
}

/// Extensions that make `dockerfile.<ext>` a source or document file about Dockerfiles (such as
/// `dockerfile.rs`), not a Dockerfile variant like `Dockerfile.prod`.
const NOT_DOCKERFILE_SUFFIXES: &[&str] = &[
    "rs", "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "java", "kt", "rb", "php", "cs", "c",
    "h", "cc", "cpp", "swift", "scala", "sh", "bash", "ps1", "md", "rst", "txt", "html", "json",
    "yml", "yaml", "toml", "xml", "snap", "orig", "bak", "swp", "lock", "j2", "jinja", "tmpl",
    "tpl",
];

fn is_dockerfile(lower_name: &str) -> bool {
    lower_name == "dockerfile"
        || lower_name == "containerfile"
        || lower_name
            .strip_prefix("dockerfile.")
            .is_some_and(|suffix| {
                !NOT_DOCKERFILE_SUFFIXES.contains(&suffix.rsplit('.').next().unwrap_or(suffix))
            })
        || lower_name.ends_with(".dockerfile")
        || lower_name.ends_with(".containerfile")
}

/// Decides the format of a file, or `None` when it is not one the engine scans.
pub fn detect(path: &str, text: &str) -> Option<Format> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tf") || lower.ends_with(".tfvars") || crate::hcl::is_json_path(&lower) {
        return Some(Format::Terraform);
    }
    if is_dockerfile(&lower) {
        return Some(Format::Dockerfile);
    }
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    let json = lower.ends_with(".json") || lower.ends_with(".template");
    if !yaml && !json {
        return None;
    }
    if json && crate::plan::looks_like_plan(text) {
        return Some(Format::TerraformPlan);
    }
    let in_workflows = path.contains(".github/workflows/");
    if yaml && in_workflows {
        return Some(Format::GhaWorkflow);
    }
    if yaml && (lower == "action.yml" || lower == "action.yaml") {
        return Some(Format::GhaAction);
    }
    if yaml
        && (lower == "dependabot.yml" || lower == "dependabot.yaml")
        && (path == name
            || path.ends_with(".github/dependabot.yml")
            || path.ends_with(".github/dependabot.yaml"))
    {
        return Some(Format::Dependabot);
    }
    if yaml && (lower == ".pre-commit-config.yaml" || lower == ".pre-commit-config.yml") {
        return Some(Format::PreCommit);
    }
    if yaml
        && (lower == ".gitlab-ci.yml"
            || lower.ends_with(".gitlab-ci.yml")
            || path.contains(".gitlab/ci/"))
    {
        return Some(Format::GitlabCi);
    }
    if yaml
        && (lower.starts_with("docker-compose")
            || lower.starts_with("compose.")
            || lower.starts_with("compose-"))
    {
        return Some(Format::Compose);
    }
    if text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources")
            && (text.contains("Type: AWS::")
                || text.contains("Type: 'AWS::")
                || text.contains("Type: \"AWS::")
                || text.contains("\"Type\": \"AWS::")
                || text.contains("\"Type\":\"AWS::")))
    {
        return Some(Format::CloudFormation);
    }
    if yaml && has_top_key(text, "apiVersion") && has_top_key(text, "kind") {
        // Helm templates are not YAML until rendered.
        if text.contains("{{") && path.contains("templates/") {
            return None;
        }
        return Some(Format::Kubernetes);
    }
    if json && text.contains("\"apiVersion\"") && text.contains("\"kind\"") {
        return Some(Format::Kubernetes);
    }
    None
}

fn has_top_key(text: &str, key: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with(':'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(
            detect(".github/workflows/ci.yml", "on: push"),
            Some(Format::GhaWorkflow)
        );
        assert_eq!(detect("a/action.yml", "runs: {}"), Some(Format::GhaAction));
        assert_eq!(detect(".gitlab-ci.yml", "x: 1"), Some(Format::GitlabCi));
        assert_eq!(
            detect("docker-compose.prod.yml", "services: {}"),
            Some(Format::Compose)
        );
        assert_eq!(
            detect("k/d.yaml", "apiVersion: v1\nkind: Pod\n"),
            Some(Format::Kubernetes)
        );
        assert_eq!(
            detect("c/t.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"),
            Some(Format::CloudFormation)
        );
        assert_eq!(
            detect("c/t.json", "{\"AWSTemplateFormatVersion\": \"2010-09-09\"}"),
            Some(Format::CloudFormation)
        );
        assert_eq!(detect("x/Dockerfile", ""), Some(Format::Dockerfile));
        assert_eq!(detect("x/api.Dockerfile", ""), Some(Format::Dockerfile));
        assert_eq!(detect("x/Dockerfile.prod", ""), Some(Format::Dockerfile));
        assert_eq!(detect("src/dockerfile.rs", ""), None);
        assert_eq!(detect("docs/Dockerfile.md", ""), None);
        assert_eq!(detect("main.tf", ""), Some(Format::Terraform));
        assert_eq!(
            detect("repo/.github/dependabot.yml", "version: 2"),
            Some(Format::Dependabot)
        );
        assert_eq!(detect("docs/dependabot.yml", "version: 2"), None);
        assert_eq!(
            detect(".pre-commit-config.yaml", "repos: []"),
            Some(Format::PreCommit)
        );
        assert_eq!(detect("config.yaml", "a: b"), None);
        assert_eq!(
            detect(
                "out/plan.json",
                "{\"format_version\": \"1.2\", \"planned_values\": {}}"
            ),
            Some(Format::TerraformPlan)
        );
        assert_eq!(detect("package.json", "{}"), None);
        assert_eq!(
            detect(
                "chart/templates/d.yaml",
                "apiVersion: v1\nkind: {{ .Values.k }}\n"
            ),
            None
        );
    }
}
