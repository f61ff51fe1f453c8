//! Bytes that stay in memory up to a limit and go on in a temporary file
//! beyond it. Output records are written through spools, so that the
//! record of a huge document (several times the size of its text) never
//! has to fit in memory, while a normal record never touches the disk.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// How many bytes a spool keeps in memory before it moves to a file.
pub const SPOOL_MEMORY: usize = 1 << 20;

/// An append-only byte buffer, in memory until it outgrows its limit.
#[derive(Debug)]
pub struct Spool {
    memory: Vec<u8>,
    /// The temporary file, once the bytes outgrew memory. It is unlinked
    /// from the start, so it vanishes with the process, whatever happens.
    file: Option<BufWriter<File>>,
    len: u64,
    limit: usize,
}

impl Default for Spool {
    fn default() -> Self {
        Self::with_limit(SPOOL_MEMORY)
    }
}

impl Spool {
    /// A spool that keeps up to `limit` bytes in memory.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            memory: Vec::new(),
            file: None,
            len: 0,
            limit,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes, when they are all still in memory.
    pub fn in_memory(&self) -> Option<&[u8]> {
        self.file.is_none().then_some(self.memory.as_slice())
    }

    /// Writes everything spooled so far to `out`; the spool stays as it is.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match &mut self.file {
            None => out.write_all(&self.memory),
            Some(writer) => {
                writer.flush()?;
                let file = writer.get_mut();
                file.seek(SeekFrom::Start(0))?;
                let copied = io::copy(&mut Read::by_ref(file).take(self.len), out)?;
                file.seek(SeekFrom::End(0))?;
                if copied == self.len {
                    Ok(())
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "temporary file shorter than written",
                    ))
                }
            }
        }
    }

    /// Everything spooled, as a string (records are UTF-8 JSON).
    pub fn into_string(mut self) -> io::Result<String> {
        let bytes = match self.file {
            None => std::mem::take(&mut self.memory),
            Some(_) => {
                let mut bytes = Vec::with_capacity(self.len as usize);
                self.copy_to(&mut bytes)?;
                bytes
            }
        };
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.memory.len() + buf.len() > self.limit {
            let mut file = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(buf)?,
            None => self.memory.extend_from_slice(buf),
        }
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_contents_stay_in_memory() {
        let mut spool = Spool::with_limit(16);
        spool.write_all(b"hello").unwrap();
        assert_eq!(spool.in_memory(), Some(&b"hello"[..]));
        assert_eq!(spool.into_string().unwrap(), "hello");
    }

    #[test]
    fn large_contents_move_to_a_file_and_read_back_whole() {
        let mut spool = Spool::with_limit(16);
        for i in 0..100 {
            write!(spool, "{i},").unwrap();
        }
        assert!(spool.in_memory().is_none());
        let expected: String = (0..100).map(|i| format!("{i},")).collect();
        assert_eq!(spool.len(), expected.len() as u64);
        let mut copy = Vec::new();
        spool.copy_to(&mut copy).unwrap();
        // Writing on after a copy appends.
        spool.write_all(b"end").unwrap();
        assert_eq!(String::from_utf8(copy).unwrap(), expected);
        assert_eq!(spool.into_string().unwrap(), expected + "end");
    }
}
