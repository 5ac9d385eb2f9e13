//! Packaged Helm charts (`charts/*.tgz`, as `helm dependency build` leaves them): a gzip tar
//! read in memory, bounded, never trusted.
//!
//! The tar reader is this module's own (ustar, GNU long names `L`, PAX `path` records): a
//! chart archive needs nothing more, and a small reader keeps the bounds in one place.
//! Bounds: [`MAX_UNPACKED`] bytes after gunzip (a gzip bomb stops there), [`MAX_ENTRIES`]
//! entries, [`MAX_PATH_DEPTH`] path components. Entries must stay inside the archive's one
//! top folder (the chart): absolute paths, `..` components and a second top folder are
//! refused with a problem naming the archive; the other entries are still read. A corrupt or
//! truncated archive gives a problem, never a panic.

use flate2::read::MultiGzDecoder;
use std::io::Read;

/// How many bytes an archive may unpack to.
pub const MAX_UNPACKED: u64 = 32 << 20;
/// How many entries an archive may hold.
pub const MAX_ENTRIES: usize = 10_000;
/// How many components an entry's path may have.
pub const MAX_PATH_DEPTH: usize = 32;

/// The regular files of a chart archive: path inside the archive (`redis/values.yaml`) and
/// content; problems (refused entries, corruption) as messages.
#[derive(Debug, Default)]
pub struct Archive {
    /// The archive's top folder (the chart's directory name), when it has files.
    pub top: Option<String>,
    /// Regular files, in archive order.
    pub files: Vec<(String, Vec<u8>)>,
    /// What was refused or could not be read.
    pub problems: Vec<String>,
}

/// Unpacks a gzip-compressed tar archive in memory.
pub fn read_tgz(data: &[u8]) -> Archive {
    let mut raw = Vec::new();
    let mut a = Archive::default();
    let mut dec = MultiGzDecoder::new(data).take(MAX_UNPACKED + 1);
    if let Err(e) = dec.read_to_end(&mut raw) {
        a.problems
            .push(format!("not a readable gzip archive ({e})"));
        if raw.is_empty() {
            return a;
        }
    }
    if raw.len() as u64 > MAX_UNPACKED {
        a.problems.push(format!(
            "unpacks to more than {} MiB, not read",
            MAX_UNPACKED >> 20
        ));
        return a;
    }
    read_tar_into(&raw, &mut a);
    a
}

fn octal(f: &[u8]) -> Option<u64> {
    if f.first().is_some_and(|b| b & 0x80 != 0) {
        // GNU base-256.
        let mut v: u64 = 0;
        for (i, b) in f.iter().enumerate() {
            let b = if i == 0 { b & 0x7f } else { *b };
            v = v.checked_mul(256)?.checked_add(b as u64)?;
        }
        return Some(v);
    }
    let s = std::str::from_utf8(f).ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

fn cstr(f: &[u8]) -> String {
    let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
    String::from_utf8_lossy(&f[..end]).into_owned()
}

/// The `path` record of a PAX extended header.
fn pax_path(data: &[u8]) -> Option<String> {
    let mut rest = data;
    while !rest.is_empty() {
        let sp = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..sp]).ok()?.parse().ok()?;
        if len <= sp || len > rest.len() {
            return None;
        }
        let rec = &rest[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(p) = rec.strip_prefix(b"path=") {
            return Some(String::from_utf8_lossy(p).into_owned());
        }
        rest = &rest[len..];
    }
    None
}

/// Reads an uncompressed tar archive (bounded like [`read_tgz`], less the gunzip).
pub fn read_tar(raw: &[u8]) -> Archive {
    let mut a = Archive::default();
    if raw.len() as u64 > MAX_UNPACKED {
        a.problems
            .push(format!("larger than {} MiB, not read", MAX_UNPACKED >> 20));
        return a;
    }
    read_tar_into(raw, &mut a);
    a
}

fn read_tar_into(raw: &[u8], a: &mut Archive) {
    let mut off = 0usize;
    let mut long_name: Option<String> = None;
    let mut entries = 0usize;
    loop {
        if off + 512 > raw.len() {
            if off < raw.len() || off == 0 {
                a.problems
                    .push("truncated tar archive (a header is cut short)".into());
            } else {
                a.problems
                    .push("truncated tar archive (no end-of-archive marker)".into());
            }
            return;
        }
        let h = &raw[off..off + 512];
        if h.iter().all(|&b| b == 0) {
            return;
        }
        entries += 1;
        if entries > MAX_ENTRIES {
            a.problems.push(format!(
                "more than {MAX_ENTRIES} entries, the rest not read"
            ));
            return;
        }
        let sum: u64 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    b as u64
                }
            })
            .sum();
        if octal(&h[148..156]) != Some(sum) {
            a.problems
                .push(format!("corrupt tar header at byte {off} (bad checksum)"));
            return;
        }
        let Some(size) = octal(&h[124..136]) else {
            a.problems
                .push(format!("corrupt tar header at byte {off} (bad size)"));
            return;
        };
        let start = off + 512;
        let Some(end) = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
            .filter(|&e| e <= raw.len())
        else {
            a.problems
                .push("truncated tar archive (an entry is cut short)".into());
            return;
        };
        let body = &raw[start..end];
        off = start + (end - start).div_ceil(512) * 512;
        let kind = h[156];
        match kind {
            b'L' => {
                long_name = Some(cstr(body));
                continue;
            }
            b'x' => {
                long_name = pax_path(body).or(long_name);
                continue;
            }
            b'0' | 0 | b'7' => {}
            // Directories, links, global headers and devices: nothing to read.
            _ => {
                long_name = None;
                continue;
            }
        }
        let name = long_name.take().unwrap_or_else(|| {
            let name = cstr(&h[0..100]);
            let prefix = if &h[257..262] == b"ustar" {
                cstr(&h[345..500])
            } else {
                String::new()
            };
            if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            }
        });
        if let Some(path) = admit(&name, a) {
            a.files.push((path, body.to_vec()));
        }
    }
}

/// The entry's normalised path, or `None` (with a problem) when it leaves the chart folder.
fn admit(name: &str, a: &mut Archive) -> Option<String> {
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let refuse = |a: &mut Archive, why: &str| {
        a.problems.push(format!("entry `{name}` refused: {why}"));
        None
    };
    if name.starts_with('/') || name.contains('\\') {
        return refuse(a, "absolute or Windows path");
    }
    if parts.contains(&"..") {
        return refuse(a, "path leaves the chart folder (`..`)");
    }
    if parts.len() > MAX_PATH_DEPTH {
        return refuse(a, "path too deep");
    }
    if parts.len() < 2 {
        return refuse(a, "not inside the chart folder");
    }
    match &a.top {
        Some(t) if t != parts[0] => return refuse(a, "outside the chart folder"),
        Some(_) => {}
        None => a.top = Some(parts[0].to_string()),
    }
    Some(parts.join("/"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A ustar header block plus body for a file.
    pub(crate) fn entry(name: &str, body: &[u8], kind: u8) -> Vec<u8> {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{:011o}", body.len()).as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        let mut v = h.to_vec();
        v.extend_from_slice(body);
        v.resize(v.len().div_ceil(512) * 512, 0);
        v
    }

    /// A gzip tar of files.
    pub(crate) fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
        let mut tar = Vec::new();
        for (n, b) in files {
            tar.extend(entry(n, b.as_bytes(), b'0'));
        }
        tar.extend([0u8; 1024]);
        gz(&tar)
    }

    pub(crate) fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_files_and_refuses_escapes() {
        let a = read_tgz(&tgz(&[
            ("redis/Chart.yaml", "name: redis\n"),
            ("redis/templates/a.yaml", "a: 1\n"),
            ("redis/../../etc/passwd", "x"),
            ("/abs/x", "x"),
            ("other/x", "x"),
        ]));
        assert_eq!(a.top.as_deref(), Some("redis"));
        let names: Vec<&str> = a.files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["redis/Chart.yaml", "redis/templates/a.yaml"]);
        assert_eq!(a.problems.len(), 3, "{:?}", a.problems);
        assert!(a.problems[0].contains("`..`"), "{:?}", a.problems);
    }

    #[test]
    fn long_names_pax_and_base256() {
        let long = format!("c/{}/x.yaml", "d".repeat(150));
        let mut tar = entry("././@LongLink", long.as_bytes(), b'L');
        tar.extend(entry("ignored", b"a: 1\n", b'0'));
        // "17 path=c/p.yaml\n": the length counts itself, the space and the newline.
        let pax = format!("{} path=c/p.yaml\n", "path=c/p.yaml\n".len() + 3);
        tar.extend(entry("PaxHeaders/x", pax.as_bytes(), b'x'));
        tar.extend(entry("short", b"b: 2\n", b'0'));
        tar.extend([0u8; 1024]);
        let a = read_tgz(&gz(&tar));
        assert_eq!(a.files[0].0, long);
        assert_eq!(a.files[1].0, "c/p.yaml", "{:?}", a.problems);
        assert_eq!(octal(&[0x80, 0, 0, 1, 0]), Some(256));
    }

    #[test]
    fn hostile_archives_give_problems() {
        // Gzip bomb: zeros past the bound.
        let bomb = gz(&vec![0u8; (MAX_UNPACKED + 1024) as usize]);
        let a = read_tgz(&bomb);
        assert!(
            a.problems[0].contains("more than 32 MiB"),
            "{:?}",
            a.problems
        );
        // Truncated gzip and truncated tar.
        let good = tgz(&[("c/a.yaml", "a: 1\n")]);
        let a = read_tgz(&good[..good.len() / 2]);
        assert!(!a.problems.is_empty());
        let mut tar = entry("c/a.yaml", &[b'x'; 2000], b'0');
        tar.truncate(1024);
        let a = read_tgz(&gz(&tar));
        assert!(a.problems[0].contains("truncated"), "{:?}", a.problems);
        assert!(read_tgz(b"not gzip").problems[0].contains("gzip"));
        // Bad checksum.
        let mut tar = entry("c/a.yaml", b"a", b'0');
        tar[0] = b'd';
        assert!(read_tgz(&gz(&tar)).problems[0].contains("checksum"));
        // Any prefix of a real archive, any byte flipped: never a panic.
        for i in 0..good.len() {
            let _ = read_tgz(&good[..i]);
            let mut g = good.clone();
            g[i] ^= 0x55;
            let _ = read_tgz(&g);
        }
        let mut t = tar.clone();
        for i in 0..t.len() {
            t[i] ^= 0xff;
            let _ = read_tar(&t);
            t[i] ^= 0xff;
        }
    }
}
