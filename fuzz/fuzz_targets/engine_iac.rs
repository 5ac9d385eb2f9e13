//! The whole IaC engine on one file whose name (chosen by the first byte) selects the format:
//! Terraform, plan JSON, CloudFormation, Kubernetes, Compose, GitHub Actions, GitLab CI,
//! Dependabot, pre-commit, Dockerfile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_iac::IacEngine;
use std::sync::LazyLock;

static ENGINE: LazyLock<IacEngine> = LazyLock::new(IacEngine::new);

const NAMES: &[&str] = &[
    "main.tf",
    "main.tf.json",
    "terraform.tfvars",
    "plan.json",
    "cloudformation/stack.yaml",
    "cloudformation/stack.json",
    "k8s/deployment.yaml",
    "docker-compose.yml",
    ".github/workflows/ci.yml",
    ".github/actions/setup/action.yml",
    ".gitlab-ci.yml",
    ".github/dependabot.yml",
    ".pre-commit-config.yaml",
    "Dockerfile",
    "build/app.Dockerfile",
];

fuzz_target!(|data: &[u8]| {
    let (path, body) = rampart_fuzz::pick(data, NAMES);
    rampart_fuzz::scan_one(&*ENGINE, path, body);
});
