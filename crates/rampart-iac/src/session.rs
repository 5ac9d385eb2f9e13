//! One scan's engine session: each file is handled by its role, and the project-wide
//! builds (Terraform modules, Helm charts, Kustomize overlays) run in `finish`.

use crate::catalogue::Catalogue;
use crate::charts::helm_charts;
use crate::detect::Format;
use crate::evaluate::run_checks;
use crate::overlays::kustomizations;
use crate::policy::{PolicySet, document_policies};
use crate::role::{Role, role};
use crate::terraform::{TfInput, terraform, terraform_plan};
use crate::{cfn, dockerfile, helm, yaml};
use rampart_core::{Diagnostic, Emitter, EngineSession, RuleMeta, SourceFile};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The state of one scan: what `finish` builds, gathered from `scan_file` calls on many
/// threads.
pub(crate) struct Session {
    /// Helm charts by chart directory.
    helm: Mutex<BTreeMap<String, helm::ChartFiles>>,
    policies: Option<PolicySet>,
    cat: &'static Catalogue,
    /// Terraform files by directory, evaluated together in `finish`.
    terraform: Mutex<BTreeMap<String, Vec<(String, String)>>>,
    /// `.terraform/modules/modules.json` texts by the directory `terraform init` ran in.
    manifests: Mutex<BTreeMap<String, String>>,
    /// The scan root.
    root: std::path::PathBuf,
    /// Kustomize inputs, built in `finish`.
    kustomize: Mutex<KustomizeInput>,
}

/// Locks a mutex; a thread that panicked while holding it left data still worth scanning.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a scan saw that Kustomize builds may need.
#[derive(Default)]
pub(crate) struct KustomizeInput {
    /// Kustomization files by directory: path and text.
    pub(crate) kustomizations: BTreeMap<String, (String, String)>,
    /// Kubernetes manifests: text and the results of scanning them alone (used unless a
    /// kustomization includes them).
    pub(crate) manifests: BTreeMap<String, (String, Emitter)>,
    /// Other YAML files (patches that are not manifests), by path.
    pub(crate) other: BTreeMap<String, String>,
}

impl Session {
    /// A session with no files seen yet.
    pub(crate) fn new(
        cat: &'static Catalogue,
        root: std::path::PathBuf,
        policies: Option<PolicySet>,
    ) -> Session {
        Session {
            cat,
            terraform: Mutex::default(),
            helm: Mutex::default(),
            manifests: Mutex::default(),
            root,
            kustomize: Mutex::default(),
            policies,
        }
    }
}

impl EngineSession for Session {
    fn extra_rules(&self) -> Vec<RuleMeta> {
        #[cfg(feature = "rego")]
        if let Some(p) = &self.policies {
            return p.rule_metas();
        }
        Vec::new()
    }

    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        let text = file.text();
        let work_tree = file.origin == rampart_core::source::Origin::WorkTree;
        let format = match role(&file.path, &text, work_tree) {
            Role::HelmValues(chart) => {
                lock(&self.helm).entry(chart).or_default().values =
                    Some((file.path.clone(), text.into_owned()));
                return;
            }
            Role::HelmChart(chart) => {
                lock(&self.helm).entry(chart).or_default().chart_yaml = Some(text.into_owned());
                return;
            }
            Role::HelmTemplate(chart) => {
                lock(&self.helm)
                    .entry(chart)
                    .or_default()
                    .templates
                    .push((file.path.clone(), text.into_owned()));
                return;
            }
            Role::ModuleManifest(dir) => {
                lock(&self.manifests).insert(dir, text.into_owned());
                return;
            }
            Role::Kustomization(dir) => {
                lock(&self.kustomize)
                    .kustomizations
                    .insert(dir, (file.path.clone(), text.into_owned()));
                return;
            }
            Role::Terraform(dir) => {
                lock(&self.terraform)
                    .entry(dir)
                    .or_default()
                    .push((file.path.clone(), text.into_owned()));
                return;
            }
            Role::KustomizeInput => {
                lock(&self.kustomize)
                    .other
                    .insert(file.path.clone(), text.into_owned());
                return;
            }
            Role::Ignored => return,
            Role::Document(format) => format,
        };
        match format {
            Format::TerraformPlan => {
                let (docs, err) = yaml::parse(&text);
                if let Some(e) = err {
                    out.diagnostic(
                        Diagnostic::error(&file.path, format!("JSON syntax error: {}", e.message))
                            .at_line(e.line),
                    );
                }
                if let Some(root) = docs.first() {
                    terraform_plan(self.cat, root, file, &text, out);
                }
            }
            Format::Terraform => {}
            Format::Dockerfile => {
                let doc = dockerfile::parse(&text);
                run_checks(self.cat, format, &doc, file, &text, out);
                document_policies(self.policies.as_ref(), &doc, file, out);
            }
            _ => {
                let parsed = yaml::parse_full(&text);
                if let Some(e) = &parsed.error {
                    let lang = if file.path.to_ascii_lowercase().ends_with(".json") {
                        "JSON"
                    } else {
                        "YAML"
                    };
                    out.diagnostic(
                        Diagnostic::error(
                            &file.path,
                            format!("{lang} syntax error: {}", e.message),
                        )
                        .at_line(e.line),
                    );
                }
                for d in parsed.limit_diagnostics(&file.path) {
                    out.diagnostic(d);
                }
                let docs = parsed.docs;
                // Kubernetes results wait for `finish`: a kustomization may include the file.
                let mut own = Emitter::default();
                let defer = format == Format::Kubernetes && work_tree;
                let sink = if defer { &mut own } else { &mut *out };
                for doc in docs.iter().filter(|d| d.as_map().is_some()) {
                    if format == Format::CloudFormation {
                        for diag in cfn::condition_cycles(doc, &file.path) {
                            sink.diagnostic(diag);
                        }
                        let d = cfn::normalise(doc);
                        run_checks(self.cat, format, &d, file, &text, sink);
                    } else {
                        run_checks(self.cat, format, doc, file, &text, sink);
                    }
                    document_policies(self.policies.as_ref(), doc, file, sink);
                }
                if defer {
                    lock(&self.kustomize)
                        .manifests
                        .insert(file.path.clone(), (text.into_owned(), own));
                }
            }
        }
    }

    fn finish(self: Box<Self>, out: &mut Emitter) {
        let dirs = self
            .terraform
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let manifests = self
            .manifests
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let input = TfInput {
            dirs,
            manifests,
            root: self.root.clone(),
        };
        terraform(self.cat, self.policies.as_ref(), input, out);
        let charts = self.helm.into_inner().unwrap_or_else(|e| e.into_inner());
        helm_charts(self.cat, charts, &self.root, out);
        let k = self
            .kustomize
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        kustomizations(self.cat, k, &self.root, out);
    }
}
