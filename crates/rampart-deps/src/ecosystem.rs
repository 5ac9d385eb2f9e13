//! Package ecosystems, as OSV names them, with their purl types.

use std::fmt;
use std::str::FromStr;

/// A package ecosystem. Each has its own version ordering (see [`crate::version`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// Rust crates (`crates.io`).
    CratesIo,
    /// JavaScript packages (`npm`).
    Npm,
    /// Python packages (`PyPI`).
    PyPI,
    /// Go modules (`Go`).
    Go,
    /// Java packages (`Maven`), named `group:artifact`.
    Maven,
    /// Ruby gems (`RubyGems`).
    RubyGems,
    /// PHP packages (`Packagist`).
    Packagist,
    /// .NET packages (`NuGet`).
    NuGet,
    /// Dart and Flutter packages (`Pub`).
    Pub,
    /// Erlang and Elixir packages (`Hex`).
    Hex,
    /// Swift packages, named by their repository URL (`SwiftURL`).
    SwiftUrl,
    /// Debian packages (`Debian`, any release).
    Debian,
    /// Alpine packages (`Alpine`, any release).
    Alpine,
}

impl Ecosystem {
    /// Every ecosystem.
    pub const ALL: [Ecosystem; 13] = [
        Ecosystem::CratesIo,
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Go,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::Packagist,
        Ecosystem::NuGet,
        Ecosystem::Pub,
        Ecosystem::Hex,
        Ecosystem::SwiftUrl,
        Ecosystem::Debian,
        Ecosystem::Alpine,
    ];

    /// The OSV ecosystem name (the folder of the OSV export).
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Pub => "Pub",
            Ecosystem::Hex => "Hex",
            Ecosystem::SwiftUrl => "SwiftURL",
            Ecosystem::Debian => "Debian",
            Ecosystem::Alpine => "Alpine",
        }
    }

    /// The package-url type (`pkg:TYPE/...`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Go => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::RubyGems => "gem",
            Ecosystem::Packagist => "composer",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Pub => "pub",
            Ecosystem::Hex => "hex",
            Ecosystem::SwiftUrl => "swift",
            Ecosystem::Debian => "deb",
            Ecosystem::Alpine => "apk",
        }
    }

    /// A stable one-byte code, used in the compiled database.
    pub fn code(self) -> u8 {
        Ecosystem::ALL
            .iter()
            .position(|e| *e == self)
            .map(|i| i as u8)
            .unwrap_or(u8::MAX)
    }

    /// The ecosystem of a code written by [`Ecosystem::code`].
    pub fn from_code(code: u8) -> Option<Ecosystem> {
        Ecosystem::ALL.get(code as usize).copied()
    }

    /// The name under which the database stores a package: PyPI names are normalised
    /// (PEP 503), npm/crates/Go/Maven/… names are kept as written.
    pub fn normalise_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => {
                let mut out = String::with_capacity(name.len());
                let mut sep = false;
                for c in name.chars() {
                    if c == '-' || c == '_' || c == '.' {
                        sep = true;
                    } else {
                        if sep && !out.is_empty() {
                            out.push('-');
                        }
                        sep = false;
                        out.push(c.to_ascii_lowercase());
                    }
                }
                out
            }
            Ecosystem::Packagist | Ecosystem::NuGet => name.to_ascii_lowercase(),
            _ => name.to_string(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.osv_name())
    }
}

/// An ecosystem name rampart does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown ecosystem `{0}` (expected one of crates.io, npm, PyPI, Go, Maven, RubyGems, Packagist, NuGet, Pub, Hex, SwiftURL, Debian, Alpine)"
)]
pub struct UnknownEcosystem(pub String);

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;

    /// Parses an OSV ecosystem name (`crates.io`, `PyPI`, `Debian:12`, `Alpine:v3.20`) or a
    /// lower-case alias (`cargo`, `pypi`, `go`, `maven`, `gem`, `composer`…).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let base = s.split(':').next().unwrap_or(s);
        for e in Ecosystem::ALL {
            if e.osv_name() == base {
                return Ok(e);
            }
        }
        Ok(match base.to_ascii_lowercase().as_str() {
            "crates.io" | "cargo" | "crates" | "rust" | "semver" => Ecosystem::CratesIo,
            "npm" | "node" | "yarn" | "pnpm" => Ecosystem::Npm,
            "pypi" | "python" | "pip" => Ecosystem::PyPI,
            "go" | "golang" => Ecosystem::Go,
            "maven" | "gradle" | "java" => Ecosystem::Maven,
            "rubygems" | "gem" | "ruby" => Ecosystem::RubyGems,
            "packagist" | "composer" | "php" => Ecosystem::Packagist,
            "nuget" | "dotnet" => Ecosystem::NuGet,
            "pub" | "dart" => Ecosystem::Pub,
            "hex" | "elixir" | "erlang" => Ecosystem::Hex,
            "swifturl" | "swift" => Ecosystem::SwiftUrl,
            "debian" | "deb" | "ubuntu" => Ecosystem::Debian,
            "alpine" | "apk" => Ecosystem::Alpine,
            _ => return Err(UnknownEcosystem(s.to_string())),
        })
    }
}
