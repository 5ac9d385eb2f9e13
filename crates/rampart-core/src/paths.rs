//! Lexical path helpers shared by the engines (scan-relative paths, always `/`-separated).

/// Normalises a relative `/`-separated path lexically: `a/./b/../c` → `a/c`. Empty segments and
/// `.` are dropped; `..` removes the segment before it (and is dropped at the start, so the result
/// never leaves the scan root). The file system is not consulted.
pub fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Joins `rel` to the directory `dir` and normalises the result ([`normalise`]).
pub fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        normalise(rel)
    } else {
        normalise(&format!("{dir}/{rel}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_dots_and_parents() {
        assert_eq!(normalise("a/./b/../c"), "a/c");
        assert_eq!(normalise("./a//b/"), "a/b");
        assert_eq!(normalise("../../x"), "x");
        assert_eq!(normalise(""), "");
        assert_eq!(join("mods/net", "../db"), "mods/db");
        assert_eq!(join("", "./x"), "x");
    }
}
