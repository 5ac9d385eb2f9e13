//! Subjects: the units checks apply to (a workflow job or step, a Kubernetes object, a
//! Terraform resource, a CloudFormation resource, a Dockerfile instruction…), each with a kind,
//! a stable address and the named roots (`$workflow`, `$job`, `$podspec`…) its paths may use.

use crate::detect::Format;
use crate::model::{Node, Value};

/// One thing a check applies to.
pub struct Subject<'a> {
    /// The kind checks select on (`step`, `Deployment`, `aws_s3_bucket`, `AWS::S3::Bucket`, `RUN`).
    pub kind: String,
    /// A stable, line-independent address (`jobs.build.steps[2]`, `Deployment/prod/web`).
    pub address: String,
    /// The node.
    pub node: &'a Node,
    /// Named roots for `$name` path segments.
    pub macros: Vec<(&'static str, Vec<&'a Node>)>,
    /// Roots computed on demand (Terraform `$ref:TYPE:ATTR`: resources of TYPE whose ATTR
    /// refers to this one).
    pub dynamic: Option<Resolver<'a>>,
}

/// Computes named roots on demand.
pub type Resolver<'a> = &'a dyn Fn(&str) -> Vec<&'a Node>;

impl<'a> Subject<'a> {
    fn new(kind: impl Into<String>, address: impl Into<String>, node: &'a Node) -> Subject<'a> {
        Subject {
            kind: kind.into(),
            address: address.into(),
            node,
            macros: Vec::new(),
            dynamic: None,
        }
    }

    /// Nodes of a named root.
    pub fn macro_nodes(&self, name: &str) -> Vec<&'a Node> {
        match self.macros.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => v.clone(),
            None => self.dynamic.map(|d| d(name)).unwrap_or_default(),
        }
    }
}

/// Kubernetes kinds whose objects hold a pod template.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "DeploymentConfig",
];

/// Workloads whose pods run until stopped (not `Job` and `CronJob`): probes apply to them.
pub const LONG_RUNNING_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "DeploymentConfig",
];

/// The pod spec of a Kubernetes object, when it has one.
pub fn pod_spec(doc: &Node) -> Option<&Node> {
    match doc.get("kind")?.as_str()? {
        "Pod" => doc.get("spec"),
        "CronJob" => doc.get_path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        k if WORKLOAD_KINDS.contains(&k) => doc.get_path(&["spec", "template", "spec"]),
        _ => None,
    }
}

fn step_address(job: &str, i: usize, step: &Node) -> String {
    match step.get("id").and_then(Node::as_str) {
        Some(id) => format!("jobs.{job}.steps.{id}"),
        None => format!("jobs.{job}.steps[{i}]"),
    }
}

/// GitLab CI top-level keys that are not jobs.
pub const GITLAB_RESERVED: &[&str] = &[
    "stages",
    "variables",
    "image",
    "services",
    "include",
    "workflow",
    "before_script",
    "after_script",
    "cache",
    "types",
    "spec",
];

/// The subjects of one parsed document.
pub fn subjects<'a>(format: Format, doc: &'a Node) -> Vec<Subject<'a>> {
    let mut out = Vec::new();
    match format {
        Format::GhaWorkflow => {
            let mut root = Subject::new("workflow", "workflow", doc);
            root.macros.push(("workflow", vec![doc]));
            out.push(root);
            for (id, job) in doc.get("jobs").and_then(Node::as_map).unwrap_or(&[]) {
                let mut s = Subject::new("job", format!("jobs.{id}"), job);
                s.macros.push(("workflow", vec![doc]));
                s.macros.push(("job", vec![job]));
                out.push(s);
                for (i, step) in job
                    .get("steps")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let mut s = Subject::new("step", step_address(id, i, step), step);
                    s.macros.push(("workflow", vec![doc]));
                    s.macros.push(("job", vec![job]));
                    out.push(s);
                }
            }
        }
        Format::GhaAction => {
            let mut root = Subject::new("action", "action", doc);
            root.macros.push(("workflow", vec![doc]));
            out.push(root);
            if let Some(runs) = doc.get("runs") {
                for (i, step) in runs
                    .get("steps")
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let mut s = Subject::new("step", step_address("action", i, step), step);
                    s.macros.push(("workflow", vec![doc]));
                    s.macros.push(("job", vec![runs]));
                    out.push(s);
                }
            }
        }
        Format::Dependabot => {
            out.push(Subject::new("dependabot", "dependabot", doc));
            for (i, u) in doc
                .get("updates")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let eco = u.get("package-ecosystem").and_then(Node::scalar_text);
                let dir = u
                    .get("directory")
                    .or_else(|| u.get("directories"))
                    .and_then(Node::scalar_text);
                let address = match (eco, dir) {
                    (Some(e), Some(d)) => format!("updates.{e}:{d}"),
                    (Some(e), None) => format!("updates.{e}"),
                    _ => format!("updates[{i}]"),
                };
                out.push(Subject::new("update", address, u));
            }
        }
        Format::PreCommit => {
            out.push(Subject::new("pre-commit", "pre-commit", doc));
            for (i, r) in doc
                .get("repos")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let address = match r.get("repo").and_then(Node::scalar_text) {
                    Some(url) => format!("repos.{url}"),
                    None => format!("repos[{i}]"),
                };
                out.push(Subject::new("hook-repo", address, r));
            }
        }
        Format::GitlabCi => {
            let mut root = Subject::new("pipeline", "pipeline", doc);
            root.macros.push(("pipeline", vec![doc]));
            out.push(root);
            for (id, job) in doc.as_map().unwrap_or(&[]) {
                if GITLAB_RESERVED.contains(&id.as_str()) || !matches!(job.value, Value::Map(_)) {
                    continue;
                }
                let mut s = Subject::new("job", id.clone(), job);
                s.macros.push(("pipeline", vec![doc]));
                out.push(s);
            }
        }
        Format::Compose => {
            out.push(Subject::new("compose", "compose", doc));
            for (id, svc) in doc.get("services").and_then(Node::as_map).unwrap_or(&[]) {
                let mut s = Subject::new("service", format!("services.{id}"), svc);
                s.macros.push(("compose", vec![doc]));
                out.push(s);
            }
        }
        Format::Kubernetes => {
            let Some(kind) = doc.get("kind").and_then(Node::as_str) else {
                return out;
            };
            if kind == "List" {
                for item in doc.get("items").and_then(Node::as_seq).unwrap_or(&[]) {
                    out.extend(subjects(format, item));
                }
                return out;
            }
            let name = doc
                .get_path(&["metadata", "name"])
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let ns = doc
                .get_path(&["metadata", "namespace"])
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| "default".into());
            let mut s = Subject::new(kind, format!("{kind}/{ns}/{name}"), doc);
            if let Some(ps) = pod_spec(doc) {
                s.macros.push(("podspec", vec![ps]));
                let mut cs = Vec::new();
                for key in ["initContainers", "containers", "ephemeralContainers"] {
                    cs.extend(ps.get(key).and_then(Node::as_seq).unwrap_or(&[]).iter());
                }
                s.macros.push(("containers", cs));
            }
            out.push(s);
        }
        Format::Dockerfile => {
            out.push(Subject::new("dockerfile", "dockerfile", doc));
            for ins in doc
                .get("instructions")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
            {
                let kind = ins
                    .get("instruction")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string();
                let stage = ins
                    .get("stage")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default();
                let args = ins.get("args").and_then(Node::as_str).unwrap_or("");
                let args = args.split_whitespace().collect::<Vec<_>>().join(" ");
                let mut s = Subject::new(kind.clone(), format!("stage{stage}:{kind} {args}"), ins);
                s.macros.push(("dockerfile", vec![doc]));
                out.push(s);
            }
        }
        Format::CloudFormation => {
            let mut root = Subject::new("template", "template", doc);
            root.macros.push(("template", vec![doc]));
            out.push(root);
            for (id, res) in doc.get("Resources").and_then(Node::as_map).unwrap_or(&[]) {
                let Some(ty) = res.get("Type").and_then(Node::as_str) else {
                    continue;
                };
                let mut s = Subject::new(ty, id.clone(), res);
                s.macros.push(("template", vec![doc]));
                out.push(s);
            }
        }
        Format::Terraform | Format::TerraformPlan => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfn_short_and_long_forms() {
        let text = "Parameters:\n  Acl:\n    Type: String\n    Default: PublicRead\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: !Ref Acl\n      BucketName: !Sub '${AWS::StackName}-b'\n      Other: {\"Fn::GetAtt\": [X, Arn]}\n      Plain: !Sub plain\n";
        let (docs, err) = crate::yaml::parse(text);
        assert!(err.is_none());
        let d = crate::cfn::normalise(&docs[0]);
        let p = d.get_path(&["Resources", "B", "Properties"]).unwrap();
        assert_eq!(p.get("AccessControl").unwrap().as_str(), Some("PublicRead"));
        assert_eq!(p.get("AccessControl").unwrap().key_line, 9);
        assert!(p.get("BucketName").unwrap().is_unknown());
        assert!(p.get("Other").unwrap().is_unknown());
        assert_eq!(p.get("Plain").unwrap().as_str(), Some("plain"));
        let subs = subjects(Format::CloudFormation, &d);
        assert_eq!(subs[1].kind, "AWS::S3::Bucket");
        assert_eq!(subs[1].address, "B");
    }

    #[test]
    fn kubernetes_containers_of_every_workload() {
        let text = "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers: [{name: i}]\n          containers: [{name: a}, {name: b}]\n";
        let (docs, _) = crate::yaml::parse(text);
        let s = subjects(Format::Kubernetes, &docs[0]);
        assert_eq!(s[0].address, "CronJob/default/c");
        assert_eq!(s[0].macro_nodes("containers").len(), 3);
    }
}
