//! The zip side of a package: every entry's path checked before anything is read, and each
//! read entry inflated (and zstd-decoded, in the modern layout) under the limits, counted while
//! inflating rather than trusted from the sizes the archive declares.

use std::io::{Cursor, Read, Write};

use sophie_domain::PackageLimits;
use zip::ZipArchive;

use super::Refused;

/// Bytes read at a time while inflating.
const CHUNK: usize = 64 * 1024;

/// A package's zip archive, its paths checked.
pub(super) struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    limits: PackageLimits,
    /// Bytes inflated so far, all entries together.
    inflated: u64,
}

impl<'a> Archive<'a> {
    /// Opens `bytes` as a zip archive whose every entry stays inside it.
    pub(super) fn open(bytes: &'a [u8], limits: PackageLimits) -> Result<Self, Refused> {
        let mut zip = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| Refused::new(format!("the file is not a readable zip archive: {e}")))?;
        for index in 0..zip.len() {
            let entry = zip
                .by_index_raw(index)
                .map_err(|e| Refused::new(format!("the zip archive is damaged: {e}")))?;
            let name = entry
                .name()
                .map_err(|e| Refused::new(format!("the zip archive is damaged: {e}")))?
                .into_owned();
            if !safe_path(&name) || entry.enclosed_name().is_none() {
                return Err(Refused::new(format!(
                    "the package holds the path `{}`, which leaves the package; nothing was \
                     imported",
                    printable(&name)
                )));
            }
        }
        Ok(Self {
            zip,
            limits,
            inflated: 0,
        })
    }

    /// Whether the archive holds an entry named `name`.
    pub(super) fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// The entry `name` inflated, in memory.
    pub(super) fn read(&mut self, name: &str) -> Result<Vec<u8>, Refused> {
        let mut out = Vec::new();
        self.copy(name, false, &mut out)?;
        Ok(out)
    }

    /// The entry `name` inflated and then zstd-decoded, in memory.
    pub(super) fn read_zstd(&mut self, name: &str) -> Result<Vec<u8>, Refused> {
        let mut out = Vec::new();
        self.copy(name, true, &mut out)?;
        Ok(out)
    }

    /// Copies the entry `name`, inflated (and zstd-decoded when `zstd`), to `out`, refusing it
    /// past the size of one entry, the size of all, or the compression ratio.
    pub(super) fn copy(
        &mut self,
        name: &str,
        zstd: bool,
        out: &mut impl Write,
    ) -> Result<u64, Refused> {
        let damaged = |e: &dyn std::fmt::Display| {
            Refused::new(format!("the package's `{name}` cannot be read: {e}"))
        };
        let limits = self.limits;
        let already = self.inflated;
        let entry = self.zip.by_name(name).map_err(|e| damaged(&e))?;
        let stored = entry.compressed_size().max(1);
        let mut meter = Meter {
            name,
            limits,
            already,
            stored,
            written: 0,
        };
        let written = if zstd {
            let mut decoder = ruzstd::decoding::StreamingDecoder::new(entry)
                .map_err(|e| damaged(&format!("not zstd-compressed ({e})")))?;
            pump(&mut decoder, out, &mut meter).map_err(|e| e.named(name))?
        } else {
            let mut entry = entry;
            pump(&mut entry, out, &mut meter).map_err(|e| e.named(name))?
        };
        self.inflated += written;
        Ok(written)
    }
}

/// Counts what an entry inflates to, against the limits.
struct Meter<'n> {
    name: &'n str,
    limits: PackageLimits,
    already: u64,
    stored: u64,
    written: u64,
}

impl Meter<'_> {
    fn add(&mut self, bytes: usize) -> Result<(), Refused> {
        self.written += u64::try_from(bytes).unwrap_or(u64::MAX);
        let mib = |b: u64| b / (1024 * 1024);
        if self.written > self.limits.max_entry_bytes {
            return Err(Refused::new(format!(
                "the package's `{}` inflates past {} MiB, the limit for one file; nothing was \
                 imported",
                self.name,
                mib(self.limits.max_entry_bytes)
            )));
        }
        if self.already + self.written > self.limits.max_total_bytes {
            return Err(Refused::new(format!(
                "the package inflates past {} MiB in all, the limit; nothing was imported",
                mib(self.limits.max_total_bytes)
            )));
        }
        // Small entries may compress very well (a few hundred bytes of zeros) and are no
        // threat: the ratio is judged from the first MiB on.
        if self.written > 1024 * 1024 && self.written / self.stored > self.limits.max_ratio {
            return Err(Refused::new(format!(
                "the package's `{}` inflates more than {} times its stored size, as a zip bomb \
                 does; nothing was imported",
                self.name, self.limits.max_ratio
            )));
        }
        Ok(())
    }
}

/// Why copying an entry stopped.
enum PumpError {
    Refused(Refused),
    Io(std::io::Error),
}

impl PumpError {
    fn named(self, name: &str) -> Refused {
        match self {
            Self::Refused(refused) => refused,
            Self::Io(e) => Refused::new(format!("the package's `{name}` cannot be read: {e}")),
        }
    }
}

/// Copies `from` to `to` a chunk at a time, metering each chunk before it is written.
fn pump(
    from: &mut impl Read,
    to: &mut impl Write,
    meter: &mut Meter<'_>,
) -> Result<u64, PumpError> {
    let mut buffer = vec![0_u8; CHUNK];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) => return Ok(meter.written),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(PumpError::Io(e)),
        };
        meter.add(n).map_err(PumpError::Refused)?;
        to.write_all(&buffer[..n]).map_err(PumpError::Io)?;
    }
}

/// Whether an entry's path stays inside the package: relative, without `..`, without a drive
/// or a backslash (a Windows path).
fn safe_path(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains(':')
        && !name.contains('\0')
        && name.split('/').all(|part| part != "..")
}

/// A name as it may be shown: control characters replaced, at most 200 characters.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_package_are_told_apart() {
        for bad in [
            "../evil",
            "a/../../evil",
            "/etc/passwd",
            "C:\\evil",
            "c:/evil",
            "a\\..\\b",
            "",
        ] {
            assert!(!safe_path(bad), "{bad:?} should be refused");
        }
        for good in [
            "collection.anki21b",
            "media",
            "0",
            "12",
            "sub/dir/file",
            "a..b",
        ] {
            assert!(safe_path(good), "{good:?} should be allowed");
        }
    }
}
